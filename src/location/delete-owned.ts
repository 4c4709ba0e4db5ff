import type {S3Client} from '@aws-sdk/client-s3'

import {HASHED_SHARD_SEGMENT} from '../snapshot-format/layout-keys.js'
import {deleteBatch} from '../store/delete-batch.js'
import {Pace, paced, type PaceOptions} from '../store/pace.js'
import {atOnce, isAccessDenied, listObjectPages, listPages, type Patience, sendS3} from '../store/s3.js'
import {ownershipAmong, type RepositoryFootprint} from './ownership.js'

export interface DeleteOwnedOptions {
  /** DeleteObjects batches in flight at once while the store keeps up (fewer while it throttles). */
  concurrency?: number
  /** Count what would go, delete nothing. */
  dryRun?: boolean
  onProgress?: (progress: DeleteOwnedResult) => void
  /** Footprints of the other registered repositories of the store: nothing of theirs is ever deleted. */
  others?: RepositoryFootprint[]
  /** How a throttled request waits and how often it is tried (tests shorten the waits). */
  pace?: Omit<PaceOptions, 'concurrency'>
  signal?: AbortSignal
}

export interface KeptObject {
  key: string
  reason: string
}

export interface DeleteOwnedResult {
  bytes: number
  /** Objects listed under the prefix that the repository does not own: never deleted. */
  kept: number
  /** The first of them, for the report. */
  keptSample: KeptObject[]
  /** Every prefix that was listed. */
  listed: string[]
  objects: number
  /** The first keys counted (or deleted), for a post-condition that must name what remains. */
  ownedSample: string[]
  /** Requests the store throttled (503 SlowDown) past the SDK's retries; each was tried again, fewer in flight. */
  throttled?: number
  /** Of which old versions and delete markers, in a versioned bucket. */
  versions: number
  /** Set when a dry run could not read the bucket's versioning (denied): only current objects were counted. */
  versionsUnread?: boolean
}

interface Target {
  isVersion: boolean
  Key: string
  size: number
  VersionId?: string
}

const BATCH = 1000
const KEPT_SAMPLE = 20

/**
 * Deletes the objects a repository owns (see ownership.ts), and in a versioned bucket every version
 * and delete marker of them: paginated listing, 1,000-key DeleteObjects batches with several in flight,
 * per-key errors retried, fewer in flight while the store throttles (pace.ts). Whatever else the
 * listing shows is counted and reported, never deleted.
 * Memory holds one page and the batches in flight, whatever the object count.
 */
export async function deleteOwnedObjects(
  s3: S3Client,
  bucket: string,
  footprint: RepositoryFootprint,
  options: DeleteOwnedOptions = {},
): Promise<DeleteOwnedResult> {
  // As many in flight as s5cmd and the AWS CLI keep; halved while the store says SlowDown.
  const pace = new Pace({...options.pace, concurrency: options.concurrency ?? 10})
  const {signal} = options
  // Every request of the emptying (listing pages too) waits out the store's throttling the same way.
  const listing: Listing = {bucket, patience: (call) => paced(pace, call, signal), s3, signal}
  const result: DeleteOwnedResult = {
    bytes: 0,
    kept: 0,
    keptSample: [],
    listed: [],
    objects: 0,
    ownedSample: [],
    versions: 0,
  }
  // The search for hashed shard prefixes (a listing of the bucket's root) runs while the repository's own
  // prefix is emptied; at the bucket's root the one listing already holds the hashed paths.
  const hashedDiscovery: Promise<string[]> =
    footprint.hashedShardPaths && footprint.prefix !== ''
      ? hashedShardPrefixes(listing, footprint.prefix)
      : Promise.resolve([])
  // Awaited after the first prefix; a failure surfaces there.
  hashedDiscovery.catch(() => undefined)
  // A listing alone (a dry run) by a console that may not read versioning counts the current objects, and says so.
  const versioned = await isVersioned(listing).catch((error: unknown) => {
    if (!options.dryRun || !isAccessDenied(error)) throw error
    result.versionsUnread = true
    return false
  })
  const inFlight = new Set<Promise<void>>()
  let failure: unknown

  const count = (batch: Target[]) => {
    result.objects += batch.length
    result.versions += batch.filter((target) => target.isVersion).length
    result.bytes += batch.reduce((sum, target) => sum + target.size, 0)
    for (const target of batch)
      if (result.ownedSample.length < KEPT_SAMPLE && !result.ownedSample.includes(target.Key))
        result.ownedSample.push(target.Key)
    options.onProgress?.({...result})
  }

  const schedule = async (batch: Target[]) => {
    if (batch.length === 0) return
    if (options.dryRun) return count(batch)
    const task = listing
      .patience(() => deleteBatch(s3, bucket, batch, signal))
      .then(
        () => count(batch),
        (error) => {
          failure ??= error
        },
      )
    inFlight.add(task)
    // The task never rejects (its failure is kept above), so nothing is left unhandled here.
    // eslint-disable-next-line no-void
    void task.finally(() => inFlight.delete(task))
    while (inFlight.size >= pace.limit) await Promise.race(inFlight)
  }

  const removeUnder = async (prefix: string) => {
    result.listed.push(prefix)
    for await (const page of versioned ? versionPages(listing, prefix) : objectPages(listing, prefix)) {
      if (signal?.aborted || failure) break
      const owned: Target[] = []
      for (const target of page) {
        const ownership = ownershipAmong(target.Key, footprint, options.others ?? [])
        if (ownership.owned) owned.push(target)
        else {
          result.kept++
          if (result.keptSample.length < KEPT_SAMPLE && !result.keptSample.some((kept) => kept.key === target.Key))
            result.keptSample.push({key: target.Key, reason: ownership.reason})
        }
      }

      for (let start = 0; start < owned.length; start += BATCH) await schedule(owned.slice(start, start + BATCH))
    }
  }

  await removeUnder(footprint.prefix)
  for (const prefix of await hashedDiscovery) await removeUnder(prefix)
  await Promise.all(inFlight)
  if (failure) throw failure
  result.throttled = pace.throttles
  return result
}

/** The bucket a piece of work lists, and how each of its requests is run. */
interface Listing {
  bucket: string
  patience: Patience
  s3: S3Client
  signal?: AbortSignal
}

async function isVersioned({bucket, patience, s3, signal}: Listing): Promise<boolean> {
  const {GetBucketVersioningCommand} = await import('@aws-sdk/client-s3')
  const answer = await patience(() =>
    sendS3<{Status?: string}>(s3, 'GetBucketVersioning', new GetBucketVersioningCommand({Bucket: bucket}), signal),
  )
  return answer.Status === 'Enabled' || answer.Status === 'Suspended'
}

/** `<hash>/<prefix>indices/` for every first segment of the bucket in OpenSearch's hashed format. */
async function hashedShardPrefixes({bucket, patience, s3, signal}: Listing, prefix: string): Promise<string[]> {
  const found: string[] = []
  for await (const page of listObjectPages(s3, {Bucket: bucket, Delimiter: '/'}, signal, patience))
    for (const common of page.CommonPrefixes ?? [])
      if (common.Prefix && HASHED_SHARD_SEGMENT.test(common.Prefix.slice(0, -1)))
        found.push(`${common.Prefix}${prefix}indices/`)
  return found
}

async function* objectPages({bucket, patience, s3, signal}: Listing, prefix: string): AsyncIterable<Target[]> {
  for await (const page of listObjectPages(s3, {Bucket: bucket, Prefix: prefix}, signal, patience))
    yield (page.Contents ?? []).map((object) => ({isVersion: false, Key: object.Key!, size: object.Size ?? 0}))
}

async function* versionPages({bucket, patience, s3, signal}: Listing, prefix: string): AsyncIterable<Target[]> {
  const {ListObjectVersionsCommand} = await import('@aws-sdk/client-s3')
  type Version = {IsLatest?: boolean; Key?: string; Size?: number; VersionId?: string}
  type Page = {
    DeleteMarkers?: Version[]
    IsTruncated?: boolean
    NextKeyMarker?: string
    NextVersionIdMarker?: string
    Versions?: Version[]
  }
  const pages = listPages<Page>(
    'ListObjectVersions',
    (marker) => {
      const [keyMarker, versionMarker] = marker === undefined ? [] : (JSON.parse(marker) as [string?, string?])
      return patience(() =>
        sendS3<Page>(
          s3,
          'ListObjectVersions',
          new ListObjectVersionsCommand({
            Bucket: bucket,
            KeyMarker: keyMarker,
            Prefix: prefix,
            VersionIdMarker: versionMarker,
          }),
          signal,
        ),
      )
    },
    (page) => (page.IsTruncated ? JSON.stringify([page.NextKeyMarker, page.NextVersionIdMarker]) : undefined),
  )
  for await (const page of pages)
    yield [
      ...(page.Versions ?? []).map((version) => ({
        isVersion: !version.IsLatest,
        Key: version.Key!,
        size: version.Size ?? 0,
        VersionId: version.VersionId,
      })),
      ...(page.DeleteMarkers ?? []).map((marker) => ({
        isVersion: true,
        Key: marker.Key!,
        size: 0,
        VersionId: marker.VersionId,
      })),
    ]
}

/** Whether nothing at all (no object, no old version, no delete marker) is stored under a prefix. */
export async function prefixIsEmpty(
  s3: S3Client,
  bucket: string,
  prefix: string,
  signal?: AbortSignal,
): Promise<{empty: boolean; example?: string; versionsUnread?: boolean}> {
  const {ListObjectsV2Command, ListObjectVersionsCommand} = await import('@aws-sdk/client-s3')
  const current = await sendS3<{Contents?: {Key?: string}[]}>(
    s3,
    'ListObjectsV2',
    new ListObjectsV2Command({Bucket: bucket, MaxKeys: 1, Prefix: prefix}),
    signal,
  )
  if (current.Contents?.length) return {empty: false, example: current.Contents[0].Key}
  // A console that may only list and read (all the backfill needs) cannot read versioning: the listing of
  // current objects is then all it can prove, and it says so.
  const versioned = await isVersioned({bucket, patience: atOnce, s3, signal}).catch((error: unknown) => {
    if (isAccessDenied(error)) return 'unread' as const
    throw error
  })
  if (versioned === 'unread') return {empty: true, versionsUnread: true}
  if (!versioned) return {empty: true}
  const versions = await sendS3<{DeleteMarkers?: {Key?: string}[]; Versions?: {Key?: string}[]}>(
    s3,
    'ListObjectVersions',
    new ListObjectVersionsCommand({Bucket: bucket, MaxKeys: 1, Prefix: prefix}),
    signal,
  )
  const example = versions.Versions?.[0]?.Key ?? versions.DeleteMarkers?.[0]?.Key
  return example === undefined ? {empty: true} : {empty: false, example: `${example} (an old version or delete marker)`}
}
