import type {S3Client} from '@aws-sdk/client-s3'

import type {ClusterClient} from '../cluster/client.js'
import type {RepositoryFootprint} from '../repository/ownership.js'
import type {JournalEntry} from './journal.js'

import {ClusterRequestError} from '../cluster/client.js'
import {deleteSnapshot, unregisterRepository} from '../cluster/snapshots.js'
import {deleteOwnedFiles} from '../storage/blobs.js'
import {deleteBucket} from '../storage/bucket.js'
import {deleteOwnedObjects, type KeptObject} from '../storage/delete-owned.js'

export interface CleanupResult {
  /** Objects found at the test location that the test repository did not write: reported, never deleted. */
  kept: KeptObject[]
  /** What is still there, each with why. */
  leftovers: string[]
  removed: string[]
}

export interface CleanupDependencies {
  cluster: ClusterClient
  /** The S3 client for the entry's bucket; only called for an S3 entry. */
  s3: () => Promise<S3Client>
  /** Ends what is still running when the cleanup's budget is spent. */
  signal?: AbortSignal
}

/**
 * What verify's test repository may own: its layout under its own (fresh) location, and the probe.
 * A metadata-only snapshot writes no shard data, so no hashed shard path outside the location is its.
 */
export function testRepositoryFootprint(prefix: string): RepositoryFootprint {
  return {extraFiles: ['verify-probe'], hashedShardPaths: false, prefix}
}

/**
 * Removes what one verify run created, in the only safe order: the snapshot through the
 * cluster, then the registration, then the files the test repository wrote under the run's own
 * location, then the bucket if the run created it. Each part is tried even when an earlier one failed.
 */
export async function removeVerificationResources(
  entry: JournalEntry,
  dependencies: CleanupDependencies,
): Promise<CleanupResult> {
  const {signal} = dependencies
  const result: CleanupResult = {kept: [], leftovers: [], removed: []}
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
  let registrationGone = !entry.repositoryRegistered
  if (entry.repositoryRegistered && snapshotGone)
    await attempt(`repository ${entry.repository}`, async () => {
      const outcome = await unregisterRepository(dependencies.cluster, entry.repository, signal)
      registrationGone = true
      return outcome === 'removed' ? `repository ${entry.repository}` : undefined
    })
  if (!registrationGone) {
    result.leftovers.push(`files of repository ${entry.repository}: kept while the cluster still has it registered`)
    return result
  }

  const {storage} = entry
  const keptNote = (kept: number, sample: KeptObject[]) => {
    result.kept.push(...sample)
    if (kept > 0)
      result.leftovers.push(
        `${kept} object(s) at the test location that the test repository did not write, e.g. ${sample[0].key}: left in place`,
      )
  }

  if (storage.kind === 's3') {
    await attempt(`objects under s3://${storage.bucket}/${storage.prefix}`, async () => {
      const s3 = await dependencies.s3()
      const owned = await deleteOwnedObjects(s3, storage.bucket, testRepositoryFootprint(storage.prefix), {signal})
      keptNote(owned.kept, owned.keptSample)
      return owned.objects > 0 ? `${owned.objects} object(s) under s3://${storage.bucket}/${storage.prefix}` : undefined
    })
    if (entry.bucketCreated && result.leftovers.length === 0)
      await attempt(`bucket ${storage.bucket}`, async () => {
        await deleteBucket(await dependencies.s3(), storage.bucket, signal)
        return `bucket ${storage.bucket}`
      })
  } else {
    await attempt(`files under ${storage.location}`, async () => {
      const owned = await deleteOwnedFiles(storage.location, {hashedShardPaths: false, prefix: ''})
      if (!owned) return
      keptNote(owned.kept, owned.keptSample)
      return `${owned.objects} file(s) under ${storage.location}`
    })
  }

  return result
}

function isRepositoryMissing(error: unknown): boolean {
  return (
    error instanceof ClusterRequestError &&
    error.status === 404 &&
    error.clusterError?.type === 'repository_missing_exception'
  )
}
