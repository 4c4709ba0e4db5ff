import type {FailureFacts} from './facts.js'
import type {DiagnosisContext, DiagnosisRule} from './rule.js'

import {bucketOf, GUIDE} from './rule.js'

const detail = (facts: FailureFacts, name: string) => String(facts.details[name] ?? '')

/** The registration that keeps every shard under the base path, for the migration's repository. */
function fixedRegistration(context: DiagnosisContext): string {
  const settings = {
    base_path: context.basePath || undefined,
    bucket: bucketOf(context),
    compress: false,
    region: context.region,
    role_arn: context.roleArn,
    shard_path_type: 'FIXED',
  }
  return `PUT _snapshot/<migration repository> ${JSON.stringify({settings, type: 's3'})}`
}

/** Where the deployed backfill cannot read what the cluster wrote, or cannot read the source at all. */
export const BACKFILL_ROWS = [
  {
    cause: () =>
      `The migration's backfill reads shard files at a path the repository did not write them to. Its OpenSearch 3.x / Elasticsearch 9.x reader follows snapshot_shard_paths/ only on a shared filesystem; on S3 it reads <base_path>/indices/<id>/<shard>/, while a repository registered without shard_path_type (OpenSearch 3.x's default is HASHED_PREFIX) writes them under <hash>/<base_path>/indices/….`,
    check: 'backfill-path-missing',
    code: 'backfill-path-missing',
    docs: GUIDE,
    remediation: (facts, context) =>
      detail(facts, 'kind') === 's3'
        ? `Take the migration's snapshot with a repository registered with "shard_path_type": "FIXED" (${fixedRegistration(context)}), then PUT _snapshot/<that repository>/<snapshot> through the cluster. \`console snapshot create\` registers its repository again before every snapshot, without shard_path_type, so it cannot take this snapshot: register the repository and take the snapshot yourself, and give the backfill that repository's location. Run verify with --shard-path-type FIXED to prove it.`
        : 'Register the repository with "shard_path_type": "FIXED", or make sure snapshot_shard_paths/ is on the path the backfill reads.',
  },
  {
    cause: (facts) => `The migration's backfill cannot read a snapshot of this source: ${facts.reason}.`,
    check: 'backfill-version-unsupported',
    code: 'backfill-version-unsupported',
    docs: GUIDE,
    remediation: (facts) =>
      `Use a Migration Assistant release whose backfill reads this version (this one reads ${detail(facts, 'accepted')}); if the console's ~/VERSION is not the release that will run the backfill, pass --backfill-version. The backfill's --allow-loose-version-matching reads unlisted versions at your own risk.`,
  },
] as const satisfies readonly DiagnosisRule[]
