import type {S3Client} from '@aws-sdk/client-s3'

import {S3OperationError, s3Call} from './s3.js'

export interface EmptyPrefixOptions {
  /** DeleteObjects batches in flight at once. */
  concurrency?: number
  /** Count what would go, delete nothing. */
  dryRun?: boolean
  /**
   * Also the shard data OpenSearch 3 writes under hashed prefixes (`<hash>/<base path>/indices/…`),
   * which lies outside the base path but belongs to the repository.
   */
  includeHashedShardPaths?: boolean
  onProgress?: (progress: EmptyPrefixResult) => void
  signal?: AbortSignal
}

export interface EmptyPrefixResult {
  objects: number
  bytes: number
  /** Of which old versions and delete markers, in a versioned bucket. */
  versions: number
}

interface Target {
  Key: string
  VersionId?: string
  size: number
  isVersion: boolean
}

const BATCH = 1000
const KEY_ATTEMPTS = 3
// The first path segment of a hashed shard path, as OpenSearch 3 writes it (e.g. "K00011001010101").
const HASHED_PREFIX = /^[0-9A-Za-z_-][01]{6,}\/$/

/**
 * Deletes every object (and, in a versioned bucket, every version and delete marker) under a
 * prefix: paginated listing, 1,000-key DeleteObjects batches with several in flight, per-key
 * errors retried. Memory holds at most one page and the batches in flight, whatever the count.
 */
export async function emptyPrefix(s3: S3Client, bucket: string, prefix: string, options: EmptyPrefixOptions = {}): Promise<EmptyPrefixResult> {
  const concurrency = options.concurrency ?? 8
  const result: EmptyPrefixResult = {objects: 0, bytes: 0, versions: 0}
  const versioned = await isVersioned(s3, bucket)
  const inFlight = new Set<Promise<void>>()
  let failure: unknown

  const schedule = async (batch: Target[]) => {
    for (const target of batch)
      if (!target.Key.startsWith(prefix) && !isHashedShardKey(target.Key, prefix))
        throw new Error(`refusing to delete ${target.Key}: outside ${prefix}`)
    const count = () => {
      result.objects += batch.length
      result.versions += batch.filter((target) => target.isVersion).length
      result.bytes += batch.reduce((sum, target) => sum + target.size, 0)
      options.onProgress?.({...result})
    }
    if (options.dryRun) return count()
    const task = deleteBatch(s3, bucket, batch).then(count, (error) => {
      failure ??= error
    })
    inFlight.add(task)
    void task.finally(() => inFlight.delete(task))
    if (inFlight.size >= concurrency) await Promise.race(inFlight)
  }

  const prefixes = [prefix]
  if (options.includeHashedShardPaths) prefixes.push(...(await hashedShardPrefixes(s3, bucket, prefix)))
  for (const listed of prefixes) {
    for await (const page of versioned ? versionPages(s3, bucket, listed) : objectPages(s3, bucket, listed)) {
      if (options.signal?.aborted || failure) break
      for (let start = 0; start < page.length; start += BATCH) await schedule(page.slice(start, start + BATCH))
    }
  }
  await Promise.all(inFlight)
  if (failure) throw failure
  return result
}

function isHashedShardKey(key: string, prefix: string): boolean {
  const slash = key.indexOf('/')
  return slash > 0 && HASHED_PREFIX.test(key.slice(0, slash + 1)) && key.slice(slash + 1).startsWith(`${prefix}indices/`)
}

async function isVersioned(s3: S3Client, bucket: string): Promise<boolean> {
  const {GetBucketVersioningCommand} = await import('@aws-sdk/client-s3')
  const answer = await s3Call('GetBucketVersioning', () => s3.send(new GetBucketVersioningCommand({Bucket: bucket})))
  return answer.Status === 'Enabled' || answer.Status === 'Suspended'
}

/** `<hash>/<prefix>indices/` for every hashed first segment in the bucket that holds such a path. */
async function hashedShardPrefixes(s3: S3Client, bucket: string, prefix: string): Promise<string[]> {
  const {ListObjectsV2Command} = await import('@aws-sdk/client-s3')
  const found: string[] = []
  let token: string | undefined
  do {
    const page = await s3Call('ListObjectsV2', () =>
      s3.send(new ListObjectsV2Command({Bucket: bucket, Delimiter: '/', ContinuationToken: token})),
    )
    for (const common of page.CommonPrefixes ?? [])
      if (common.Prefix && HASHED_PREFIX.test(common.Prefix)) found.push(`${common.Prefix}${prefix}indices/`)
    token = page.IsTruncated ? page.NextContinuationToken : undefined
  } while (token)
  return found
}

async function* objectPages(s3: S3Client, bucket: string, prefix: string): AsyncIterable<Target[]> {
  const {ListObjectsV2Command} = await import('@aws-sdk/client-s3')
  let token: string | undefined
  do {
    const page = await s3Call('ListObjectsV2', () => s3.send(new ListObjectsV2Command({Bucket: bucket, Prefix: prefix, ContinuationToken: token})))
    yield (page.Contents ?? []).map((object) => ({Key: object.Key!, size: object.Size ?? 0, isVersion: false}))
    token = page.IsTruncated ? page.NextContinuationToken : undefined
  } while (token)
}

async function* versionPages(s3: S3Client, bucket: string, prefix: string): AsyncIterable<Target[]> {
  const {ListObjectVersionsCommand} = await import('@aws-sdk/client-s3')
  let keyMarker: string | undefined
  let versionMarker: string | undefined
  for (;;) {
    const page = await s3Call('ListObjectVersions', () =>
      s3.send(new ListObjectVersionsCommand({Bucket: bucket, Prefix: prefix, KeyMarker: keyMarker, VersionIdMarker: versionMarker})),
    )
    yield [
      ...(page.Versions ?? []).map((version) => ({Key: version.Key!, VersionId: version.VersionId, size: version.Size ?? 0, isVersion: !version.IsLatest})),
      ...(page.DeleteMarkers ?? []).map((marker) => ({Key: marker.Key!, VersionId: marker.VersionId, size: 0, isVersion: true})),
    ]
    if (!page.IsTruncated) return
    keyMarker = page.NextKeyMarker
    versionMarker = page.NextVersionIdMarker
  }
}

/** DeleteObjects answers 200 even when some keys failed: those are retried, then reported. */
async function deleteBatch(s3: S3Client, bucket: string, batch: Target[]): Promise<void> {
  const {DeleteObjectsCommand} = await import('@aws-sdk/client-s3')
  let remaining = batch
  let errors: {Key?: string; VersionId?: string; Code?: string; Message?: string}[] = []
  for (let attempt = 1; attempt <= KEY_ATTEMPTS && remaining.length > 0; attempt++) {
    if (attempt > 1) await new Promise((resolve) => setTimeout(resolve, 100 * attempt))
    const answer = await s3Call('DeleteObjects', () =>
      s3.send(
        new DeleteObjectsCommand({
          Bucket: bucket,
          Delete: {Objects: remaining.map(({Key, VersionId}) => (VersionId ? {Key, VersionId} : {Key})), Quiet: true},
        }),
      ),
    )
    errors = answer.Errors ?? []
    const failed = new Set(errors.map((error) => `${error.Key}\u0000${error.VersionId ?? ''}`))
    remaining = remaining.filter((target) => failed.has(`${target.Key}\u0000${target.VersionId ?? ''}`))
  }
  if (remaining.length > 0) {
    const first = errors[0]
    throw new S3OperationError({
      operation: 'DeleteObjects',
      name: first?.Code ?? 'DeleteFailed',
      message: `${remaining.length} object(s) could not be deleted after ${KEY_ATTEMPTS} attempts, e.g. ${first?.Key}: ${first?.Message ?? first?.Code}`,
    })
  }
}
