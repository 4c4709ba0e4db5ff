/**
 * The names the engines give a snapshot repository's files below its key prefix (and, on OpenSearch 3.x, the hashed
 * shard prefixes outside it): what a repository layout is, whoever reads it.
 *
 * Below the key prefix `P/` (the base path byte for byte, a leading slash included, as the cluster writes it):
 *   index-N, index.latest, incompatible-snapshots, snap-*.dat, meta-*.dat   (repository data)
 *   indices/…                                                               (index and shard data)
 *   tests-<seed>/…                                                          (registration's own verification)
 *   snapshot_shard_paths/…                                                  (OpenSearch 2.17+)
 *   <hash>/indices/…                                                        (OpenSearch's HASHED_INFIX shard paths)
 * and, outside P, OpenSearch's HASHED_PREFIX shard paths `<hash>/P/indices/…`.
 * <hash> is exactly what OpenSearch's FNV_1A_COMPOSITE_1 produces (RemoteStoreUtils
 * longToCompositeBase64AndBinaryEncoding): one URL-safe base64 character and 14 binary digits.
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

/** Whether a path below the prefix is part of the repository layout. */
export function isLayoutPath(relative: string, extraFiles: string[]): boolean {
  const segments = relative.split('/')
  const [first] = segments
  if (segments.length === 1) return TOP_LEVEL_FILES.some((pattern) => pattern.test(first)) || extraFiles.includes(first)
  if (TOP_LEVEL_FOLDERS.some((pattern) => pattern.test(first))) return segments.length > 1 && segments.at(-1) !== ''
  // HASHED_INFIX: <prefix><hash>/indices/<index-id>/…
  return HASHED_SHARD_SEGMENT.test(first) && segments[1] === 'indices' && segments.length > 3
}

/** Whether a folder below a repository's location is one the layout makes (and may be removed once empty). */
export function isLayoutDirectory(relative: string): boolean {
  const segments = relative.split('/')
  const [first] = segments
  if (TOP_LEVEL_FOLDERS.some((pattern) => pattern.test(first))) return true
  return HASHED_SHARD_SEGMENT.test(first) && (segments.length === 1 || segments[1] === 'indices')
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
