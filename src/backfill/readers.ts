/**
 * The migration's backfill (RfsMigrateDocuments of the Migration Assistant) as data, one entry per
 * group of releases that read snapshots the same way. Every rule was read from the backfill's own
 * source (opensearch-migrations, the tag of each release); the file it came from is named beside it.
 * A new release is one entry here (or one more name in `releases`) and its fixtures.
 */

export type Distribution = 'elasticsearch' | 'opensearch'

/** A source version range as the backfill's VersionMatchers compare them: flavor, major, optionally a minor range. */
export interface VersionRange {
  distribution: Distribution
  major: number
  minorFrom?: number
  minorTo?: number
}

/**
 * Where the backfill looks for a shard's directory: `fixed` is `<base>/indices/<id>/<shard>/`
 * (BaseSnapshotFileFinder); `shard-paths-file` follows `snapshot_shard_paths/` when it is there.
 */
export type ShardDirectoryRule = 'fixed' | 'shard-paths-file'

export interface SnapshotReaderRule {
  /** Only strict matching: the backfill's default (`--allow-loose-version-matching` off, VersionStrictness.java). */
  accepts: VersionRange[]
  /** How the reader names an index's metadata blob: by the snapshot's uuid, or through index-N's index_metadata_lookup. */
  indexMetadata: 'index-metadata-lookup' | 'snapshot-uuid'
  /** The backfill's reader class (SnapshotReaderRegistry picks the first that accepts the version). */
  name: string
  /** The repository data file: `index-N` (the highest N of one root listing) or the single `index` of ES 1.x/2.x. */
  repositoryData: 'index' | 'index-N'
  /** Per repository kind: how the reader's file finder, as RfsMigrateDocuments builds it, finds shard directories. */
  shardDirectory: {fs: ShardDirectoryRule; s3: ShardDirectoryRule}
  /** Where this rule was read. */
  source: string
}

export interface BackfillRelease {
  /** Readers in the registry's order: the first one that accepts the source version reads the snapshot. */
  readers: SnapshotReaderRule[]
  /** Migration Assistant versions (as `~/VERSION` holds them) whose backfill reads as this entry says. */
  releases: string[]
  s3: {
    /**
     * How its S3 client addresses the bucket (S3Repo.create: the CRT client with endpointOverride and no
     * forcePathStyle): virtual-hosted (`<bucket>.<host>`), path-style only where the SDK's endpoint rules
     * fall back to it (an IP address endpoint, a bucket name that is no DNS label).
     */
    addressing: 'virtual-hosted'
    /** S3Repo.listFilesInS3Root: one ListObjectsV2 page (delimiter `/`, no continuation) to find index-N. */
    rootListingPages: 1
  }
  /** The commit or tag the entry was read from. */
  source: string
}

const REGISTRY = 'SnapshotReader/src/main/java/org/opensearch/migrations/cluster/SnapshotReaderRegistry.java'

/** ES 1.x and 2.x: one `index` file for the repository data, a reader and a file finder per version. */
const singleIndexFileReader = (major: number, version: string): SnapshotReaderRule => ({
  accepts: [{distribution: 'elasticsearch', major}],
  indexMetadata: 'snapshot-uuid',
  name: `SnapshotReader_ES_${version}`,
  repositoryData: 'index',
  shardDirectory: {fs: 'fixed', s3: 'fixed'},
  source: `version_es_${version}/SnapshotReader_ES_${version}.java, SnapshotFileFinder_ES_${version}.java`,
})
const ES_1_7 = singleIndexFileReader(1, '1_7')
const ES_2_4 = singleIndexFileReader(2, '2_4')
const ES_6_8: SnapshotReaderRule = {
  accepts: [
    {distribution: 'elasticsearch', major: 5},
    {distribution: 'elasticsearch', major: 6},
    {distribution: 'elasticsearch', major: 7, minorFrom: 0, minorTo: 8},
  ],
  indexMetadata: 'snapshot-uuid',
  name: 'SnapshotReader_ES_6_8',
  repositoryData: 'index-N',
  shardDirectory: {fs: 'fixed', s3: 'fixed'},
  source:
    'version_es_6_8/SnapshotReader_ES_6_8.java, IndexMetadataFactory_ES_6_8.java, common/BaseSnapshotFileFinder.java',
}
const ES_7_10: SnapshotReaderRule = {
  accepts: [
    {distribution: 'elasticsearch', major: 7, minorFrom: 9},
    {distribution: 'elasticsearch', major: 8},
    {distribution: 'opensearch', major: 1},
    {distribution: 'opensearch', major: 2},
  ],
  indexMetadata: 'index-metadata-lookup',
  name: 'SnapshotReader_ES_7_10',
  repositoryData: 'index-N',
  shardDirectory: {fs: 'fixed', s3: 'fixed'},
  source:
    'version_es_7_10/SnapshotReader_ES_7_10.java, SnapshotRepoData_ES_7_10.java, common/BaseSnapshotFileFinder.java',
}
/**
 * ES 9.x / OS 3.x. Its finder follows snapshot_shard_paths/ where that folder is on the local disk; on S3 it
 * downloads it only when built with its repository, and SnapshotReaderRegistry.getSnapshotFileFinder (what
 * RfsMigrateDocuments hands to S3Repo) builds it without one: on S3 it reads the fixed path.
 */
const ES_9_0: SnapshotReaderRule = {
  accepts: [
    {distribution: 'elasticsearch', major: 9},
    {distribution: 'opensearch', major: 3},
  ],
  indexMetadata: 'index-metadata-lookup',
  name: 'SnapshotReader_ES_9_0',
  repositoryData: 'index-N',
  shardDirectory: {fs: 'shard-paths-file', s3: 'fixed'},
  source: `version_es_9_0/SnapshotReader_ES_9_0.java, SnapshotFileFinder_ES_9_0.java; ${REGISTRY}.getSnapshotFileFinder; RfsMigrateDocuments.java`,
}

const S3_CLIENT = {addressing: 'virtual-hosted', rootListingPages: 1} as const

/** Oldest first; the last entry is the newest release the plugin knows. */
export const BACKFILL_RELEASES: BackfillRelease[] = [
  {
    readers: [ES_1_7, ES_2_4, ES_6_8, ES_7_10],
    releases: ['3.0.0', '3.0.1', '3.1.0', '3.1.1'],
    s3: S3_CLIENT,
    source: 'opensearch-migrations tags 3.0.0-3.1.1 (no SnapshotReader_ES_9_0 yet)',
  },
  {
    readers: [ES_1_7, ES_2_4, ES_6_8, ES_9_0, ES_7_10],
    releases: ['3.2.0', '3.2.1', '3.3.0', '3.3.1', '3.3.2', '3.3.3', '3.3.4', '3.3.5', '3.3.6'],
    s3: S3_CLIENT,
    source: 'opensearch-migrations tags 3.2.0-3.3.5 and 631dc8f8f (3.3.6)',
  },
]

export const NEWEST_KNOWN_RELEASE = BACKFILL_RELEASES.at(-1)!.releases.at(-1)!

export interface ChosenRelease {
  entry: BackfillRelease
  /** The release whose rules are applied. */
  release: string
  /** Where the version came from, and why another was taken when it is not known. */
  said: string
}

/** `3.3.6`, `v3.3.6`, `Migration Assistant 3.3.6`, `3.3.6-rc1`: the x.y.z inside. */
export function releaseNumber(text: string): string | undefined {
  return /(\d+\.\d+\.\d+)/.exec(text)?.[1]
}

/** The release's rules; an unknown one is read with the newest known release's, and the report says so. */
export function chooseRelease(version: string | undefined, from: string): ChosenRelease {
  const number = version === undefined ? undefined : releaseNumber(version)
  const entry = number ? BACKFILL_RELEASES.find((candidate) => candidate.releases.includes(number)) : undefined
  if (entry && number) return {entry, release: number, said: `Migration Assistant ${number} (${from})`}
  const newest = BACKFILL_RELEASES.at(-1)!
  const what =
    version === undefined ? `no release (${from})` : `"${version}" (${from}), a release verify does not model`
  return {
    entry: newest,
    release: NEWEST_KNOWN_RELEASE,
    said: `${what}: read as the newest release verify knows, Migration Assistant ${NEWEST_KNOWN_RELEASE}`,
  }
}

const DISTRIBUTION_NAME: Record<Distribution, string> = {elasticsearch: 'Elasticsearch', opensearch: 'OpenSearch'}

function versionParts(version: string): undefined | {major: number; minor: number} {
  const match = /^(\d+)\.(\d+)/.exec(version)
  return match ? {major: Number(match[1]), minor: Number(match[2])} : undefined
}

function inRange(range: VersionRange, distribution: Distribution, major: number, minor: number): boolean {
  return (
    range.distribution === distribution &&
    range.major === major &&
    (range.minorFrom === undefined || minor >= range.minorFrom) &&
    (range.minorTo === undefined || minor <= range.minorTo)
  )
}

/** The reader the release's backfill would pick for this source (first match), or none. */
export function readerFor(
  entry: BackfillRelease,
  source: {distribution: Distribution; version: string},
): SnapshotReaderRule | undefined {
  const parts = versionParts(source.version)
  if (!parts) return undefined
  return entry.readers.find((reader) =>
    reader.accepts.some((range) => inRange(range, source.distribution, parts.major, parts.minor)),
  )
}

export function describeRange(range: VersionRange): string {
  const name = `${DISTRIBUTION_NAME[range.distribution]} ${range.major}`
  if (range.minorFrom === undefined && range.minorTo === undefined) return `${name}.x`
  if (range.minorTo === undefined) return `${name}.${range.minorFrom}+`
  return `${name}.${range.minorFrom ?? 0}-${range.major}.${range.minorTo}`
}

/** Every source version the release's readers accept, e.g. "Elasticsearch 1.x, ..., OpenSearch 2.x". */
export function acceptedVersions(entry: BackfillRelease): string {
  return entry.readers.flatMap((reader) => reader.accepts.map((range) => describeRange(range))).join(', ')
}
