import type {ClusterClient} from '../cluster/client.js'
import type {KeptObject} from '../location/delete-owned.js'
import type {Locations} from '../location/open.js'
import type {JournalEntry} from './journal.js'

import {deleteIndex} from '../cluster/indices.js'
import {pathRepoOnce} from '../cluster/path-repo.js'
import {
  deleteSnapshot,
  isRepositoryMissing,
  listRepositories,
  listSnapshots,
  unregisterRepository,
} from '../cluster/snapshots.js'
import {type Directories, type Neighbour, OWNER_MARKER, type RepositoryFiles} from '../location/files.js'
import {describeIdentity, sameIdentity} from '../location/identity.js'

export interface CleanupResult {
  /** Objects found at the test location that the test repository did not write: reported, never deleted. */
  kept: KeptObject[]
  /** What is still there, each with why. */
  leftovers: string[]
  /** What stays on purpose, each with the command that removes it (a console that may only read): not a failure. */
  named: string[]
  removed: string[]
}

export interface CleanupDependencies {
  cluster: ClusterClient
  /** Where repositories are: the run's one factory of locations, holding its S3 clients. */
  locations: Locations
  /**
   * The run's own cleanup, right after its steps: a registration sent and never answered may still be carried
   * out, so its absence is not yet proof (a later `repo clean` of the entry takes absence as final).
   */
  rightAfterRun?: boolean
  /** Ends what is still running when the cleanup's budget is spent. */
  signal?: AbortSignal
}

/** What a run whose console may only read says of its own writes and deletes. */
export const CONSOLE_READ_ONLY = "the console may only read: verify's probe and cleanup went through the cluster"

/** The content of the ownership marker a run writes at its test location: its run id, nothing secret. */
export const ownerMarkerContent = (entry: Pick<JournalEntry, 'clusterEndpoint' | 'repository' | 'runId'>) =>
  `console snapshot verify run ${entry.runId} (repository ${entry.repository} on ${entry.clusterEndpoint})\n`

/**
 * The files of an entry's test location: its layout, the probe and marker, and the hashed shard paths
 * `<hash>/<location>/indices/…` of its shard-data snapshot (OpenSearch 3.x); the location is fresh per run.
 */
export function testLocationFiles(
  entry: JournalEntry,
  dependencies: CleanupDependencies & {pathRepo?: () => Promise<string[] | undefined>},
): Promise<RepositoryFiles> {
  return dependencies.locations.ofRecord(entry.storage).open({
    asSpelledOutsidePathRepo: true,
    hashedShardPaths: true,
    name: entry.repository,
    pathRepo: dependencies.pathRepo ?? pathRepoOnce(dependencies.cluster, dependencies.signal),
    signal: dependencies.signal,
  })
}

/** The run's own test location, opened once per run. */
export function testFiles(
  context: CleanupDependencies & {files?: Promise<RepositoryFiles>; journalEntry: JournalEntry},
) {
  context.files ??= testLocationFiles(context.journalEntry, context)
  return context.files
}

/**
 * Why the entry no longer licenses its registration and files, if it does not: the name registered elsewhere,
 * a snapshot the run did not take, another run's marker. Read again right before anything is deleted.
 */
async function resurvey(
  entry: JournalEntry,
  files: RepositoryFiles,
  dependencies: CleanupDependencies & {pathRepo: () => Promise<string[] | undefined>},
): Promise<{others: Neighbour[]; refusal?: string}> {
  const {cluster, pathRepo, signal} = dependencies
  const forget = `drop the entry with \`console repo clean --forget ${entry.runId}\` once you have seen to it`
  const registrations = await listRepositories(cluster, signal)
  // Every other registration's location and footprint is kept, whatever the test location's footprint reaches.
  const {locations} = dependencies
  const others = await locations.neighbours(entry.repository, registrations, undefined, pathRepo)
  const refusal = (message: string) => ({others, refusal: message})
  const registered = registrations[entry.repository]
  if (registered && entry.repositoryRegistered) {
    const now = await locations.ofRegistration(registered).identity(entry.repository, pathRepo)
    if (!now || !sameIdentity(now, files.identity))
      return refusal(
        `repository ${entry.repository} is now registered at ${now ? describeIdentity(now) : `a ${registered.type} location`}, not at the run's test location ${files.describe()}: neither that registration nor any file was touched; ${forget}`,
      )
    const snapshots = (await snapshotsThroughCluster(entry, cluster, signal))
      .map((snapshot) => snapshot.snapshot)
      .filter((name) => name !== entry.snapshot)
    if (snapshots.length > 0)
      return refusal(
        `repository ${entry.repository} holds snapshot(s) the verify run did not take (${snapshots.join(', ')}): it is in use, so its snapshots, registration and files were left alone; ${forget}`,
      )
  }

  // Whether or not this run wrote one: a marker of another run means the location is that run's.
  const marker = await files.readMarker(OWNER_MARKER)
  if (marker !== undefined && marker !== ownerMarkerContent(entry))
    return refusal(
      `${files.describe()}verify-owner names another run: that location is not this run's; nothing was touched; ${forget}`,
    )

  return {others}
}

/**
 * The repository's snapshots that could be someone else's. After the run's own snapshot started, all of them
 * (the nodes read its index-N in the store); before, only those running now (`_current` comes from the
 * cluster state and needs no store): when the nodes cannot reach the store, unregistering, which needs only
 * the cluster, must not wait on it. The files are checked from the console's side before any is deleted.
 */
const snapshotsThroughCluster = (entry: JournalEntry, cluster: ClusterClient, signal?: AbortSignal) =>
  listSnapshots(cluster, entry.repository, entry.snapshotStarted ? '_all' : '_current', signal)

/**
 * Removes what one verify run created, in the only safe order: the snapshot through the
 * cluster, then the registration, then the files the test repository wrote under the run's own
 * location, then the bucket if the run created it. Each part is tried even when an earlier one failed.
 * Before anything, the world is read again: the entry licenses only what it recorded.
 */
export async function removeVerificationResources(
  entry: JournalEntry,
  dependencies: CleanupDependencies,
): Promise<CleanupResult> {
  const {signal} = dependencies
  const result: CleanupResult = {kept: [], leftovers: [], named: [], removed: []}
  const attempt = async (what: string, action: () => Promise<string | undefined>) => {
    try {
      const done = await action()
      if (done) result.removed.push(done)
    } catch (error) {
      result.leftovers.push(
        `${what}: ${signal?.aborted ? 'not finished within the cleanup budget' : (error as Error).message}`,
      )
    }
  }

  let files: RepositoryFiles | undefined
  let others: Neighbour[] = []
  const pathRepo = pathRepoOnce(dependencies.cluster, signal)
  await attempt(`test location of ${entry.repository}`, async () => {
    files = await testLocationFiles(entry, {...dependencies, pathRepo})
    const survey = await resurvey(entry, files, {...dependencies, pathRepo})
    if (survey.refusal) throw new Error(survey.refusal)
    others = survey.others
    return undefined
  })
  if (!files || result.leftovers.length > 0) return result

  let snapshotGone = !entry.snapshotStarted
  if (entry.snapshotStarted)
    await attempt(`snapshot ${entry.snapshot}`, async () => {
      const outcome = await deleteSnapshot(dependencies.cluster, entry.repository, entry.snapshot, signal).catch(
        (error: unknown) => {
          // The journal records a step before it is sent: a run killed in between never registered the
          // repository, so no snapshot of it exists.
          if (isRepositoryMissing(error)) return 'absent' as const
          throw error
        },
      )
      snapshotGone = true
      return outcome === 'deleted' ? `snapshot ${entry.snapshot}` : undefined
    })
  // The index the run created goes once the snapshot that copies it is gone (or never started).
  if (entry.testIndex && snapshotGone) {
    const index = entry.testIndex
    await attempt(`index ${index}`, async () =>
      (await deleteIndex(dependencies.cluster, index, signal)) === 'deleted' ? `index ${index}` : undefined,
    )
  } else if (entry.testIndex) result.leftovers.push(`index ${entry.testIndex}: kept while its snapshot is still there`)

  let registrationGone = !entry.repositoryRegistered
  // Whether the cluster ever held the registration (and so may have written at the location).
  let clusterWrote = Boolean(entry.snapshotStarted)
  if (entry.repositoryRegistered && snapshotGone)
    await attempt(`repository ${entry.repository}`, async () => {
      const outcome = await unregisterRepository(dependencies.cluster, entry.repository, signal)
      if (outcome === 'absent' && entry.registrationAnswered === false && dependencies.rightAfterRun)
        throw new Error(
          'its registration was sent and never answered, so the cluster may still carry it out after this run; `console repo clean` finishes this run (its journal entry is kept) and removes it if it appears',
        )
      registrationGone = true
      clusterWrote ||= outcome === 'removed'
      return outcome === 'removed' ? `repository ${entry.repository}` : undefined
    })
  if (!registrationGone) {
    result.leftovers.push(
      `files of repository ${entry.repository}: kept while the cluster has it registered (or may still register it)`,
    )
    return result
  }

  const location = files
  // A run that registered nothing wrote at most its probe and its marker: only those go.
  await (entry.repositoryRegistered
    ? removeTestFiles(entry, {clusterWrote, location, others}, result, attempt)
    : attempt(`the probe and marker under ${location.describe()}`, async () => {
        const removed = await location.removeConsoleFiles()
        return removed > 0 ? `${removed} object(s) the console wrote under ${location.describe()}` : undefined
      }))
  if (entry.directoriesCreated && location.directories && result.leftovers.length === 0)
    await removeDirectoriesCreated(entry.directoriesCreated, location.directories, result)
  const {bucket} = location
  if (entry.bucketCreated && bucket && result.leftovers.length === 0)
    await attempt(`bucket ${bucket.name}`, async () => {
      await bucket.delete(signal)
      return `bucket ${bucket.name}`
    })
  return result
}

/** The files a registered test repository wrote, after the last look that they are still only the run's. */
async function removeTestFiles(
  entry: JournalEntry,
  {clusterWrote, location, others}: {clusterWrote: boolean; location: RepositoryFiles; others: Neighbour[]},
  result: CleanupResult,
  attempt: (what: string, action: () => Promise<string | undefined>) => Promise<void>,
) {
  await attempt(`files under ${location.describe()}`, async () => {
    // Snapshots are deleted only through the cluster: one listed here now is not the run's to remove.
    const foreign = (await location.snapshotNames()).filter((name) => name !== entry.snapshot)
    if (foreign.length > 0)
      throw new Error(
        `the newest index-N there lists snapshot(s) the verify run did not take (${foreign.join(', ')}): left in place; drop the entry with \`console repo clean --forget ${entry.runId}\` once you have seen to it`,
      )
    if (entry.consoleReadOnly) return nameWhatStays(location, others, result)
    const owned = await location.removeOwned({others})
    // Not visible here: nothing to remove only if the cluster never held the registration (it refused it).
    if (!owned && !clusterWrote) return
    if (!owned)
      throw new Error(
        `${location.describe()} is not visible from the console: its files stay until removed on the nodes (then drop the entry with \`console repo clean --forget ${entry.runId}\`)`,
      )
    result.kept.push(...owned.keptSample)
    if (owned.kept > 0)
      result.leftovers.push(
        `${owned.kept} object(s) at the test location that the test repository did not write, e.g. ${owned.keptSample[0].key}: left in place`,
      )
    return owned.objects > 0 ? `${owned.objects} object(s) under ${location.describe()}` : undefined
  })
}

/** The directories the registration made above an fs test location, taken back once its files are gone. */
async function removeDirectoriesCreated(created: string[], directories: Directories, result: CleanupResult) {
  const outcome = await directories.removeEmptyAbove(created)
  if (outcome.removed.length > 0)
    result.removed.push(`the directories the registration made (${outcome.removed.join(', ')})`)
  for (const {directory, reason} of outcome.left)
    result.leftovers.push(
      `directory ${directory}, made by the registration (${reason}): \`rmdir ${directory}\` on a node removes it`,
    )
}

/**
 * A console that may only read deleted nothing itself: the cluster deleted the snapshot's files and the
 * registration; what the repository still holds (its root index files) is listed and named, with the command
 * that removes it under credentials that may delete. Nothing is called removed.
 */
async function nameWhatStays(
  location: RepositoryFiles,
  others: Neighbour[],
  result: CleanupResult,
): Promise<undefined> {
  const owned = await location.removeOwned({dryRun: true, others})
  if (!owned || owned.objects === 0) return undefined
  const where = location.describe()
  const outside = owned.ownedSample.filter((key) => location.isOutside(key))
  if (outside.length > 0)
    throw new Error(
      `${owned.objects} object(s) the test repository wrote stay (${CONSOLE_READ_ONLY}), some outside ${where}, e.g. ${outside[0]}: \`${location.removalCommand(outside[0])}\` with credentials that may delete removes each`,
    )
  result.named.push(
    `${owned.objects} object(s)${owned.versionsUnread ? ' (current ones: versioning unread)' : ''} the test repository wrote under ${where} (${CONSOLE_READ_ONLY}, which deleted the snapshot and the registration): \`${location.removalCommand()}\` with credentials that may delete removes them`,
  )
  return undefined
}
