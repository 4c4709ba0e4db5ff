import type {BlobStore} from '../store/blobs.js'
import type {RepositoryIndexEntry} from './repository-index.js'

import {readChecksumBlob} from './blob-format.js'
import {repositoryKeyPrefix} from './layout-keys.js'
import {decodeSmile} from './smile.js'

/**
 * The shard level of a snapshot repository, as the backfill reads it: where a shard's files live
 * (under the base path, or under OpenSearch's hashed prefixes named in snapshot_shard_paths/), the
 * shard's snapshot (snap-<uuid>.dat: every file with its length and Lucene checksum) and the shard's
 * index-<gen> (every snapshot's files of that shard).
 */

/** One Lucene file of a shard snapshot (BlobStoreIndexShardSnapshot.FileInfo). */
export interface ShardFile {
  checksum: string
  length: number
  /** Inline files (`v__…`) carry their whole content here; others a hash of part of it, or nothing. */
  metaHash?: Buffer
  /** The blob name: `__<uuid>`, or `v__<uuid>` for a file kept inline in the metadata. */
  name: string
  /** How large each part blob is; a file longer than this is stored as name.part0, name.part1, … */
  partSize?: number
  physicalName: string
  writtenBy?: string
}

export interface ShardSnapshot {
  compressed: boolean
  files: ShardFile[]
  snapshot: string
  totalSize?: number
}

export class ShardLayoutError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ShardLayoutError'
  }
}

const asNumber = (value: unknown) => (typeof value === 'number' ? value : Number(value))

function fileInfo(raw: Record<string, unknown>, where: string): ShardFile {
  if (typeof raw.name !== 'string' || typeof raw.checksum !== 'string' || raw.length === undefined)
    throw new ShardLayoutError(`${where}: a file entry without name, length or checksum`)
  return {
    checksum: raw.checksum,
    length: asNumber(raw.length),
    metaHash: Buffer.isBuffer(raw.meta_hash) ? raw.meta_hash : undefined,
    name: raw.name,
    partSize: raw.part_size === undefined ? undefined : asNumber(raw.part_size),
    physicalName: String(raw.physical_name ?? raw.name),
    writtenBy: typeof raw.written_by === 'string' ? raw.written_by : undefined,
  }
}

function smileObject(
  bytes: Buffer,
  where: string,
  codec: string,
): {compressed: boolean; value: Record<string, unknown>} {
  const blob = readChecksumBlob(bytes, where, codec)
  const value = decodeSmile(blob.body)
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new ShardLayoutError(`${where}: the body is not an object`)
  return {compressed: blob.compressed, value: value as Record<string, unknown>}
}

/** A shard's snap-<uuid>.dat (codec `snapshot`). */
export function parseShardSnapshot(bytes: Buffer, where: string): ShardSnapshot {
  const {compressed, value} = smileObject(bytes, where, 'snapshot')
  const files = Array.isArray(value.files) ? value.files : []
  return {
    compressed,
    files: files.map((file) => fileInfo(file as Record<string, unknown>, where)),
    snapshot: String(value.name ?? ''),
    totalSize: value.total_size === undefined ? undefined : asNumber(value.total_size),
  }
}

/** A shard's index-<gen> (codec `snapshots`): the files of all its snapshots, and which snapshot has which. */
export function parseShardSnapshots(
  bytes: Buffer,
  where: string,
): {compressed: boolean; files: Map<string, ShardFile>; snapshots: Map<string, string[]>} {
  const {compressed, value} = smileObject(bytes, where, 'snapshots')
  const files = new Map<string, ShardFile>()
  for (const raw of Array.isArray(value.files) ? value.files : []) {
    const file = fileInfo(raw as Record<string, unknown>, where)
    files.set(file.name, file)
  }

  const snapshots = new Map<string, string[]>()
  const listed = (value.snapshots ?? {}) as Record<string, {files?: unknown}>
  for (const [name, entry] of Object.entries(listed))
    snapshots.set(name, Array.isArray(entry?.files) ? entry.files.map(String) : [])
  return {compressed, files, snapshots}
}

/** The blob names a file is stored under: one, or one per part (BlobStoreIndexShardSnapshot.FileInfo.partName). */
export function partNames(file: ShardFile): string[] {
  if (file.partSize === undefined || file.partSize <= 0 || file.partSize >= Number.MAX_SAFE_INTEGER) return [file.name]
  const parts = Math.max(1, Math.ceil(file.length / file.partSize))
  return parts === 1 ? [file.name] : Array.from({length: parts}, (_, part) => `${file.name}.part${part}`)
}

/** A file the shard keeps inline in its metadata (no blob of its own). */
export const isInlineFile = (file: ShardFile) => file.name.startsWith('v__')

/**
 * The key prefix of one shard's directory. FIXED layouts (every Elasticsearch, OpenSearch 1.x/2.x, and
 * 3.x with `shard_path_type: FIXED`) keep it at `<base>/indices/<id>/<shard>/`; hashed layouts name it in
 * `<base>/snapshot_shard_paths/snapshot_path_<id>.<index>.<shards>.<type>.<algorithm>` (JSON, keys from
 * the store's root), which is how the backfill finds it too.
 */
export async function shardDirectory(
  store: BlobStore,
  basePath: string,
  index: RepositoryIndexEntry,
  shard: number,
): Promise<{key: string; source: string}> {
  const prefix = repositoryKeyPrefix(basePath)
  const fixed = {key: `${prefix}indices/${index.id}/${shard}/`, source: 'the fixed layout'}
  if (!index.shard_path_type) return fixed
  const listingPrefix = `${prefix}snapshot_shard_paths/snapshot_path_${index.id}.`
  // At most one such file per index and repository.
  const first = await store.list(listingPrefix)[Symbol.asyncIterator]().next()
  const pathsKey = first.done ? undefined : first.value.key

  if (!pathsKey)
    throw new ShardLayoutError(
      `index-N says index ${index.id} uses hashed shard paths (shard_path_type ${index.shard_path_type}), but ${store.location}/${listingPrefix}* does not exist`,
    )
  const content = await store.read(pathsKey)
  let paths: unknown
  try {
    paths = (JSON.parse(content?.toString('utf8') ?? '') as {paths?: unknown}).paths
  } catch {
    throw new ShardLayoutError(`${store.location}/${pathsKey} is not JSON`)
  }

  const path = Array.isArray(paths) ? paths[shard] : undefined
  if (typeof path !== 'string' || path === '')
    throw new ShardLayoutError(`${store.location}/${pathsKey} names no path for shard ${shard}`)
  // A path read from the store is a key, never a way out of it.
  if (path.split('/').includes('..'))
    throw new ShardLayoutError(
      `${store.location}/${pathsKey} names a path with "..", which no repository writes: ${path}`,
    )
  return {key: path.endsWith('/') ? path : `${path}/`, source: pathsKey}
}

/** The shard's current index-<gen>: named by index-N (ES 7.6+, OpenSearch), else the highest numbered one. */
export async function shardGenerationKey(
  store: BlobStore,
  directory: string,
  index: RepositoryIndexEntry,
  shard: number,
): Promise<string | undefined> {
  const generation = index.shard_generations?.[shard]
  // "_new" and "_deleted" are placeholders, not files; a real generation may start with "_" too.
  if (generation && generation !== '_new' && generation !== '_deleted') return `${directory}index-${generation}`
  let highest = -1
  for await (const {key} of store.list(`${directory}index-`)) {
    const match = /^index-(\d+)$/.exec(key.slice(directory.length))
    if (match) highest = Math.max(highest, Number(match[1]))
  }

  return highest < 0 ? undefined : `${directory}index-${highest}`
}

/** How many shards an index has in the repository: from its shard generations, else its numbered folders. */
export async function shardCount(store: BlobStore, basePath: string, index: RepositoryIndexEntry): Promise<number> {
  if (index.shard_generations?.length) return index.shard_generations.length
  const prefix = `${repositoryKeyPrefix(basePath)}indices/${index.id}/`
  let highest = -1
  for await (const {key} of store.list(prefix)) {
    const match = /^(\d+)\//.exec(key.slice(prefix.length))
    if (match) highest = Math.max(highest, Number(match[1]))
  }

  return highest + 1
}
