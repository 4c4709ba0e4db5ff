import type {S3Client} from '@aws-sdk/client-s3'

import type {ClusterClient} from '../cluster/client.js'
import {deleteSnapshot, unregisterRepository} from '../cluster/snapshots.js'
import {removeDirectory} from '../storage/blobs.js'
import {deleteBucket, deleteObjectIfPresent} from '../storage/bucket.js'
import {emptyPrefix} from '../storage/empty-prefix.js'
import type {JournalEntry} from './journal.js'

export interface CleanupResult {
  removed: string[]
  /** What is still there, each with why. */
  leftovers: string[]
}

export interface CleanupDependencies {
  cluster: ClusterClient
  /** The S3 client for the entry's bucket; only called for an S3 entry. */
  s3: () => Promise<S3Client>
}

/**
 * Removes what one verify run created, in the only safe order: the snapshot through the
 * cluster, then the registration, then the files left under the run's own prefix, then
 * the bucket if the run created it. Each part is tried even when an earlier one failed.
 */
export async function removeVerificationResources(entry: JournalEntry, dependencies: CleanupDependencies): Promise<CleanupResult> {
  const result: CleanupResult = {removed: [], leftovers: []}
  const attempt = async (what: string, action: () => Promise<string | undefined>) => {
    try {
      const done = await action()
      if (done) result.removed.push(done)
    } catch (error) {
      result.leftovers.push(`${what}: ${(error as Error).message}`)
    }
  }

  let snapshotGone = !entry.snapshotStarted
  if (entry.snapshotStarted)
    await attempt(`snapshot ${entry.snapshot}`, async () => {
      const outcome = await deleteSnapshot(dependencies.cluster, entry.repository, entry.snapshot)
      snapshotGone = true
      return outcome === 'deleted' ? `snapshot ${entry.snapshot}` : undefined
    })
  let registrationGone = !entry.repositoryRegistered
  if (entry.repositoryRegistered && snapshotGone)
    await attempt(`repository ${entry.repository}`, async () => {
      const outcome = await unregisterRepository(dependencies.cluster, entry.repository)
      registrationGone = true
      return outcome === 'removed' ? `repository ${entry.repository}` : undefined
    })
  if (!registrationGone) {
    result.leftovers.push(`files of repository ${entry.repository}: kept while the cluster still has it registered`)
    return result
  }

  const storage = entry.storage
  if (storage.kind === 's3') {
    const s3 = await dependencies.s3()
    if (entry.probeKey) await attempt(`probe s3://${storage.bucket}/${entry.probeKey}`, async () => {
      await deleteObjectIfPresent(s3, storage.bucket, entry.probeKey!)
      return undefined
    })
    await attempt(`objects under s3://${storage.bucket}/${storage.prefix}`, async () => {
      const {objects} = await emptyPrefix(s3, storage.bucket, storage.prefix, {includeHashedShardPaths: true})
      return objects > 0 ? `${objects} object(s) under s3://${storage.bucket}/${storage.prefix}` : undefined
    })
    if (entry.bucketCreated && result.leftovers.length === 0)
      await attempt(`bucket ${storage.bucket}`, async () => {
        await deleteBucket(s3, storage.bucket)
        return `bucket ${storage.bucket}`
      })
  } else {
    await attempt(`files under ${storage.location}`, async () => {
      const files = await removeDirectory(storage.location)
      return files === undefined ? undefined : `${files} file(s) under ${storage.location}`
    })
  }
  return result
}
