/**
 * Which objects belong to a repository: the one rule every deleting path follows.
 *
 * A repository at base path P owns, below the key prefix `P/` (P kept byte for byte, a leading
 * slash included, as the cluster writes it):
 *   index-N, index.latest, incompatible-snapshots, snap-*.dat, meta-*.dat   (repository data)
 *   indices/…                                                               (index and shard data)
 *   tests-<seed>/…                                                          (registration's own verification)
 *   snapshot_shard_paths/…                                                  (OpenSearch 2.17+)
 *   <hash>/indices/…                                                        (OpenSearch's HASHED_INFIX shard paths)
 * and, outside P, OpenSearch's HASHED_PREFIX shard paths `<hash>/P/indices/…`.
 * <hash> is exactly what OpenSearch's FNV_1A_COMPOSITE_1 produces (RemoteStoreUtils
 * longToCompositeBase64AndBinaryEncoding): one URL-safe base64 character and 14 binary digits.
 * Anything else under P (another repository's folder, someone's file) is not the repository's.
 */

export const HASHED_SHARD_SEGMENT = /^[A-Za-z0-9_-][01]{14}$/

const TOP_LEVEL_FILES = [
  /^index-\d+$/,
  /^index\.latest$/,
  /^incompatible-snapshots$/,
  /^snap-[^/]+\.dat$/,
  /^meta-[^/]+\.dat$/,
]
const TOP_LEVEL_FOLDERS = [/^indices$/, /^tests-[^/]+$/, /^snapshot_shard_paths$/]

/**
 * The key prefix of a repository's files as OpenSearch's BlobPath builds it: the base path byte for byte
 * (a leading slash and doubled inner slashes kept), one `/` added unless it already ends with one, `` at the
 * bucket's root. So `trail` and `trail/` are one location (`trail/index-N`).
 */
export function repositoryKeyPrefix(basePath: string): string {
  if (basePath === '') return ''
  return basePath.endsWith('/') ? basePath : `${basePath}/`
}

export interface RepositoryFootprint {
  /** Extra file names directly under the prefix that belong to it (verify's probe). */
  extraFiles?: string[]
  /** Whether OpenSearch's hashed shard paths outside the prefix count (not for verify's metadata-only test). */
  hashedShardPaths: boolean
  /** Whose footprint it is, for messages (another registration's name). */
  owner?: string
  /** The repository's key prefix (see repositoryKeyPrefix). */
  prefix: string
}

export type Ownership = {owned: false; reason: string} | {owned: true}

/** Whether a path below the prefix is part of the repository layout. */
function isLayoutPath(relative: string, extraFiles: string[]): boolean {
  const segments = relative.split('/')
  const [first] = segments
  if (segments.length === 1) return TOP_LEVEL_FILES.some((pattern) => pattern.test(first)) || extraFiles.includes(first)
  if (TOP_LEVEL_FOLDERS.some((pattern) => pattern.test(first))) return segments.length > 1 && segments.at(-1) !== ''
  // HASHED_INFIX: <prefix><hash>/indices/<index-id>/…
  return HASHED_SHARD_SEGMENT.test(first) && segments[1] === 'indices' && segments.length > 3
}

export function ownershipOf(key: string, footprint: RepositoryFootprint): Ownership {
  const {prefix} = footprint
  if (key.startsWith(prefix) && isLayoutPath(key.slice(prefix.length), footprint.extraFiles ?? [])) return {owned: true}
  if (footprint.hashedShardPaths) {
    const slash = key.indexOf('/')
    // HASHED_PREFIX: <hash>/<prefix>indices/<index-id>/…
    if (
      slash > 0 &&
      HASHED_SHARD_SEGMENT.test(key.slice(0, slash)) &&
      key.slice(slash + 1).startsWith(`${prefix}indices/`) &&
      key.split('/').length > prefix.split('/').length + 2
    )
      return {owned: true}
  }

  if (!key.startsWith(prefix)) return {owned: false, reason: `outside ${prefix || 'the bucket root'}`}
  return {owned: false, reason: 'not part of a snapshot repository layout'}
}

/** Whether a folder below a repository's location is one the layout makes (and may be removed once empty). */
export function isLayoutDirectory(relative: string): boolean {
  const segments = relative.split('/')
  const [first] = segments
  if (TOP_LEVEL_FOLDERS.some((pattern) => pattern.test(first))) return true
  return HASHED_SHARD_SEGMENT.test(first) && (segments.length === 1 || segments[1] === 'indices')
}

/**
 * Ownership of a key when other registered repositories share the store: nothing under another
 * registration's base path or inside its footprint is ours, whatever our own rule says (a base path that
 * looks like a hashed shard prefix, `A00000000000000/logs`, is another repository's, not ours).
 */
export function ownershipAmong(key: string, footprint: RepositoryFootprint, others: RepositoryFootprint[]): Ownership {
  const ours = ownershipOf(key, footprint)
  if (!ours.owned) return ours
  for (const other of others)
    if (
      // Below another's base path (unless ours lies below theirs, outside their layout), or in its layout.
      (other.prefix !== '' && key.startsWith(other.prefix) && !footprint.prefix.startsWith(other.prefix)) ||
      ownershipOf(key, other).owned
    )
      return {owned: false, reason: `belongs to registered repository ${other.owner ?? other.prefix}`}
  return ours
}

/**
 * The first segment a repository's path would take inside another repository at `outer`: when that
 * segment is part of the outer layout, the two share files.
 */
export function insideLayoutOf(innerPrefix: string, outerPrefix: string): boolean {
  if (!innerPrefix.startsWith(outerPrefix) || innerPrefix === outerPrefix) return false
  const first = innerPrefix.slice(outerPrefix.length).split('/')[0]
  return (
    TOP_LEVEL_FOLDERS.some((pattern) => pattern.test(first)) ||
    HASHED_SHARD_SEGMENT.test(first) ||
    TOP_LEVEL_FILES.some((pattern) => pattern.test(first))
  )
}

/** A name that would put a verify test repository on top of the migration repository's own layout. */
export function layoutNameProblem(name: string): string | undefined {
  if (insideLayoutOf(`${name}/`, ''))
    return `is a name the snapshot repository layout uses itself (indices, tests-*, index-N, snapshot_shard_paths, hashed shard folders)`
  return undefined
}
