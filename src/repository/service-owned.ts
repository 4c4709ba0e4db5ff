import {UsageError} from '../errors.js'

/**
 * Amazon OpenSearch Service's own repositories (`cs-automated`, `cs-automated-enc`; the service reserves
 * the `cs-` prefix): they hold the domain's automated snapshots in a bucket the service owns. No deleting
 * command plans anything there, whatever the user names.
 */
export const SERVICE_OWNED_REPOSITORY = /^cs-/

export function refuseServiceOwnedRepository(repository: string): void {
  if (!SERVICE_OWNED_REPOSITORY.test(repository)) return
  throw new UsageError(
    `repository ${repository} belongs to Amazon OpenSearch Service (its automated snapshots, the cs- prefix is the service's): nothing in it is deleted from here`,
    [
      "the service deletes automated snapshots itself; name the migration's own repository (snapshot.snapshot_repo_name, or the one registered with role_arn)",
    ],
  )
}
