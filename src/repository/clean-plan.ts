import type {LocationRecord, Neighbour, RepositoryFiles} from '../location/files.js'
import type {Locations} from '../location/open.js'

import {type ClusterClient} from '../cluster/client.js'
import {pathRepoOnce} from '../cluster/path-repo.js'
import {listRepositories, listSnapshots, type RepositoryBody} from '../cluster/snapshots.js'
import {UsageError} from '../errors.js'
import {formatBytes} from '../format.js'
import {describeIdentity, type LocationIdentity, sameIdentity} from '../location/identity.js'
import {recordedIdentity} from '../location/record.js'
import {UnsupportedLocationError} from '../location/refusals.js'
import {type S3Storage} from '../services/model.js'
import {repositoryKeyPrefix} from '../snapshot-format/layout-keys.js'
import {isTestSnapshotName} from '../verify-names.js'
import {isRepositoryOutOfSync, type Registration} from './registration.js'
import {refuseServiceOwnedRepository} from './service-owned.js'

/**
 * Everything `repo clean --repository` will do, decided from facts read without changing anything.
 * The dry run prints it, the confirmation shows it, the journal records it once accepted, and the
 * execution does exactly this and nothing more.
 */
export interface CleanPlan {
  body: RepositoryBody
  /** How the user must agree: yes/no, or the repository's name typed back (or --confirm NAME). */
  consent: 'typed-name' | 'yes'
  deleteBucket: boolean
  /** The repository's files, where its kind keeps them. */
  files: RepositoryFiles
  /** Of those, the ones verify did not make (the migration's own): consent by the typed name. */
  foreignSnapshots: string[]
  /** The other registered repositories sharing the store: nothing of theirs is in the plan. */
  others: Neighbour[]
  /** Registered now, or only remembered by an accepted clean that stopped halfway (journal). */
  registered: boolean
  repository: string
  /** Why the repository is registered again first (its files changed behind the cluster). */
  resync?: string
  /** Snapshots to delete through the cluster, in this order. */
  snapshots: string[]
}

/** What an accepted clean that stopped halfway recorded (see CleanEntry). */
export interface PendingClean {
  body: RepositoryBody
  /** Where the accepted plan's files were (absent in an entry of the first release: its body's location). */
  identity?: LocationRecord
  runId: string
}

export interface SurveyRequest {
  deleteBucket: boolean
  force: boolean
  /** The accepted clean of this repository that stopped before it was finished, if any. */
  pending?: PendingClean
  repository: string
  s3Fallback?: Partial<S3Storage>
}

export interface SurveyDependencies {
  cluster: ClusterClient
  locations: Locations
  signal?: AbortSignal
}

/** The files of a registration whose kind this plugin reads; any other type is refused (exit 2). */
export async function openRegisteredFiles(
  registration: Pick<Registration, 'location' | 'repository'>,
  options: {hashedShardPaths: boolean; pathRepo: () => Promise<string[] | undefined>; signal?: AbortSignal},
): Promise<RepositoryFiles> {
  const name = registration.repository
  try {
    return await registration.location.open({...options, name})
  } catch (error) {
    if (!(error instanceof UnsupportedLocationError)) throw error
    throw new UsageError(
      `repository ${name} is of type ${error.type}: repo clean removes only s3 and fs repositories, whose files it can prove are the repository's`,
      [
        `delete its snapshots with \`console snapshot delete --repository ${name} --snapshot '*'\`, unregister it with DELETE _snapshot/${name}, and remove its files with the ${error.type} store's own tools`,
      ],
    )
  }
}

/** Reads the repository, its neighbours and its snapshots into a plan; refuses (exit 2) where ownership is in doubt. */
export async function surveyRepository(request: SurveyRequest, dependencies: SurveyDependencies): Promise<CleanPlan> {
  const {cluster, signal} = dependencies
  const name = request.repository
  refuseServiceOwnedRepository(name)
  const registrations = await listRepositories(cluster, signal)
  const {pending} = request
  const body = registrations[name] ?? pending?.body
  if (!body)
    throw new UsageError(
      `repository ${name} is not registered on ${cluster.endpoint}, and no interrupted clean of it is recorded`,
      [
        'list the registered repositories with GET _snapshot, or run `console repo clean` without --repository to finish interrupted verify runs',
      ],
    )
  const pathRepo = pathRepoOnce(cluster, signal)
  const {locations} = dependencies
  const location = locations.ofRegistration(body, request.s3Fallback)
  const files = await openRegisteredFiles({location, repository: name}, {hashedShardPaths: true, pathRepo, signal})
  // The S3 client (and the SDK behind it) loads while the cluster answers the survey's other questions.
  files.reader().catch(() => undefined)
  const registered = registrations[name] !== undefined
  if (pending)
    refuseChangedEntry(
      name,
      files,
      pending,
      pending.identity
        ? recordedIdentity(pending.identity)
        : await locations.ofRegistration(pending.body).identity(name, pathRepo),
    )
  const others = await locations.neighbours(name, registrations, request.s3Fallback, pathRepo)
  refuseOverlaps(name, files, others)
  await refuseDroppedLeadingSlash(name, files)
  const atRoot = files.atStoreRoot
  if (atRoot && (!request.force || !registered))
    throw new UsageError(
      `repository ${name} sits at the root of ${files.describe().replace(/\/$/, '')}: cleaning it would touch every repository file in the bucket`,
      registered
        ? [`pass --force (and confirm with --confirm ${name}) if that is what you want`]
        : [
            `a journal entry never licenses a bucket's root: drop it with \`console repo clean --forget ${pending?.runId}\``,
          ],
    )

  let snapshots: string[] = []
  let resync: string | undefined
  if (registered) {
    try {
      snapshots = (await listSnapshots(cluster, name, '_all', signal)).map((snapshot) => snapshot.snapshot)
    } catch (error) {
      if (!isRepositoryOutOfSync(error)) throw error
      resync = 'the cluster says its files changed outside it; it is registered again first, so it re-reads them'
      snapshots = await files.snapshotNames()
    }
  } else await refuseSnapshotsOfUnregistered(name, files, pending!)

  const foreignSnapshots = snapshots.filter((snapshot) => !isTestSnapshotName(snapshot))
  if (foreignSnapshots.length > 0 && !request.force)
    throw new UsageError(
      `repository ${name} holds ${foreignSnapshots.length} snapshot(s) that verify did not make (${foreignSnapshots.slice(0, 5).join(', ')}${foreignSnapshots.length > 5 ? ', …' : ''}); cleaning deletes the migration's data`,
      [`pass --force and confirm with --confirm ${name} (or type the name when asked) if that is what you want`],
    )
  return {
    body,
    consent: foreignSnapshots.length > 0 || atRoot ? 'typed-name' : 'yes',
    deleteBucket: request.deleteBucket && files.bucket !== undefined,
    files,
    foreignSnapshots,
    others,
    registered,
    repository: name,
    resync,
    snapshots,
  }
}

/** A journal entry licenses only the location it recorded: the registration now says the same, or nothing is done. */
function refuseChangedEntry(
  name: string,
  files: RepositoryFiles,
  pending: PendingClean,
  recorded: LocationIdentity | undefined,
) {
  if (recorded && sameIdentity(recorded, files.identity)) return
  throw new UsageError(
    `repository ${name}: the accepted clean recorded in the journal (${pending.runId}) was for ${recorded ? describeIdentity(recorded) : 'a location that cannot be resolved now'}, but ${name} is now registered at ${files.describe()}; the entry licenses nothing there, and nothing was changed`,
    [
      `drop the entry with \`console repo clean --forget ${pending.runId}\`, then run \`console repo clean --repository ${name}\` again for a new plan`,
    ],
  )
}

/**
 * Finishing an accepted clean whose registration is gone: snapshots are deleted only through the cluster, so the
 * location must list none (a snapshot there was not deleted by the accepted plan, or was written after it).
 */
async function refuseSnapshotsOfUnregistered(name: string, files: RepositoryFiles, pending: PendingClean) {
  const listed = await files.snapshotNames()
  if (listed.length === 0) return
  throw new UsageError(
    `repository ${name} is no longer registered, and the newest index-N under ${files.describe()} lists ${listed.length} snapshot(s) (${listed.slice(0, 5).join(', ')}${listed.length > 5 ? ', …' : ''}); snapshots are deleted only through the cluster, never by removing their files, so the interrupted clean (${pending.runId}) cannot be finished and nothing was changed`,
    [
      `register ${name} again (PUT _snapshot/${name}) and run \`console repo clean --repository ${name}\` for a new plan, or drop the entry with \`console repo clean --forget ${pending.runId}\``,
    ],
  )
}

const OVERLAP_WORDS: Record<string, string | undefined> = {
  'inside-layout': ': NAME lies inside its layout',
  nested: ', nested below',
  same: ', the same location',
}

/** Another registered repository nested below this one, at the same place, or this one inside another's layout. */
function refuseOverlaps(name: string, files: RepositoryFiles, others: Neighbour[]) {
  const overlapping: string[] = []
  for (const other of others) {
    const overlap = files.overlapWith(other.identity)
    const where = describeIdentity(other.identity).replace(/\/$/, '')
    const how = overlap && OVERLAP_WORDS[overlap]
    if (how) overlapping.push(`${other.name} (${where}${how.replace('NAME', name)})`)
  }

  if (overlapping.length > 0)
    throw new UsageError(
      `repository ${name} shares its location with other registered repositories: ${overlapping.join('; ')}; cleaning it could delete their files`,
      ['clean or unregister the nested repositories first, then run this clean again'],
    )
}

/**
 * A base path with a leading slash on a store that drops it: the files are not where the cluster names
 * them, and cannot be told apart from those of a repository at the same path without the slash.
 */
async function refuseDroppedLeadingSlash(name: string, files: RepositoryFiles) {
  if (!(await files.dropsLeadingSlash())) return
  const {basePath = '', bucket} = files.location.facts
  const endpoint = files.bucket?.endpoint
  const stripped = repositoryKeyPrefix(basePath).replace(/^\/+/, '')
  throw new UsageError(
    `repository ${name}: the store${endpoint ? ` at ${endpoint}` : ''} drops the leading slash of its base path "${basePath}": it keeps the files under s3://${bucket}/${stripped}, where they cannot be told apart from those of a repository at "${stripped.slice(0, -1)}", and lists nothing under the exact path; refusing to clean it`,
    [
      `unregister it with DELETE _snapshot/${name} (its files stay); to remove them, register a repository at base path "${stripped.slice(0, -1)}" on the same bucket and endpoint (if none is) and clean that one`,
    ],
  )
}

/** The plan as the lines a person reads before agreeing (and a dry run prints). */
export function renderCleanPlan(plan: CleanPlan, counts?: {bytes: number; kept: number; objects: number}): string[] {
  const lines: string[] = []
  if (plan.resync) lines.push(`register ${plan.repository} again with the same settings (${plan.resync})`)
  if (plan.snapshots.length > 0)
    lines.push(`delete ${plan.snapshots.length} snapshot(s) through the cluster: ${plan.snapshots.join(', ')}`)
  if (plan.registered) lines.push(`unregister ${plan.repository}`)
  const counted = counts ? `: ${counts.objects} object(s), ${formatBytes(counts.bytes)}` : ''
  lines.push(
    `${plan.files.describeOwned()}${counted}`,
    counts
      ? `keep ${counts.kept} other object(s) found there (not part of the repository layout, or another registered repository's)`
      : 'keep any other object found there (reported, never deleted)',
  )
  if (plan.others.length > 0)
    lines.push(
      `keep everything of the ${plan.others.length} other registered repositor${plan.others.length === 1 ? 'y' : 'ies'} sharing the store (${plan.others.map((other) => other.name).join(', ')})`,
    )
  if (plan.deleteBucket && plan.files.bucket)
    lines.push(`delete the bucket s3://${plan.files.bucket.name} (only if it is then empty)`)
  return lines
}
