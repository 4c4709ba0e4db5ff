// eslint-disable-next-line n/no-unsupported-features/node-builtins -- crc32 is in Node 20.15+ (package.json engines): native, and what Lucene's footers use
import {crc32} from 'node:zlib'

import type {BlobStore} from '../store/blobs.js'

import {InterruptedError} from '../errors.js'
import {checksumText, LuceneFileCheck} from './blob-format.js'
import {repositoryKeyPrefix} from './layout-keys.js'
import {readRepositoryIndex} from './repository-index.js'
import {
  isInlineFile,
  parseShardSnapshot,
  parseShardSnapshots,
  partNames,
  shardCount,
  shardDirectory,
  type ShardFile,
  shardGenerationKey,
} from './shard-snapshot.js'

/**
 * Reads a snapshot's shard data the way the backfill does (newest index-N, the shard's directory,
 * its snap-<uuid>.dat and index-<gen>, then every file it lists), downloading each file in full and
 * comparing its length and Lucene checksum with what the shard metadata records.
 */

/** Why one object of the snapshot could not be proven: it names the object. */
export class ShardReadError extends Error {
  constructor(
    readonly kind: 'corrupt' | 'missing' | 'unreadable',
    /** The object's key (or path below the repository root for fs). */
    readonly key: string,
    message: string,
    override readonly cause?: unknown,
  ) {
    super(message)
    this.name = 'ShardReadError'
  }
}

export interface ShardReadBack {
  bytes: number
  durationMs: number
  files: number
  /** The index-N read. */
  generation: number
  /** Files kept inline in the metadata (`v__`), checked there. */
  inline: number
  /** The largest file read, for saying whether multipart upload was exercised. */
  largest?: {key: string; length: number}
  /** Where each shard's files were found (fixed layout or a hashed prefix), and the blobs read there. */
  shards: {blobs: string[]; directory: string; index: string; indexId: string; shard: number; source: string}[]
  snapshotUuid: string
}

export interface ReadBackOptions {
  concurrency?: number
  /** Indices the snapshot must hold: a snapshot the repository lists without them proves nothing. */
  indices?: string[]
  onProgress?: (progress: {bytes: number; files: number; total: number}) => void
  signal?: AbortSignal
}

const DEFAULT_CONCURRENCY = 8

async function readWhole(store: BlobStore, key: string, what: string): Promise<Buffer> {
  let content: Buffer | undefined
  try {
    content = await store.read(key)
  } catch (error) {
    throw new ShardReadError(
      'unreadable',
      key,
      `could not read ${what} ${store.location}/${key}: ${(error as Error).message}`,
      error,
    )
  }

  if (!content) throw new ShardReadError('missing', key, `${what} ${store.location}/${key} does not exist`)
  return content
}

/** Downloads one file (all its parts, in order) and checks it against its metadata; returns its length. */
async function checkBlobFile(store: BlobStore, directory: string, file: ShardFile, onBytes: (n: number) => void) {
  const check = new LuceneFileCheck()
  const first = `${directory}${file.name}`
  for (const part of partNames(file)) {
    const key = `${directory}${part}`
    try {
      const chunks = store.stream ? await store.stream(key) : await store.read(key).then((b) => b && [b])
      if (!chunks)
        throw new ShardReadError('missing', key, `${store.location}/${key} (${file.physicalName}) does not exist`)
      for await (const chunk of chunks) {
        check.update(chunk)
        onBytes(chunk.length)
      }
    } catch (error) {
      if (error instanceof ShardReadError) throw error
      throw new ShardReadError(
        'unreadable',
        key,
        `could not read ${store.location}/${key} (${file.physicalName}): ${(error as Error).message}`,
        error,
      )
    }
  }

  const {computed, footer} = check.finish()
  const problem =
    check.length === file.length
      ? typeof footer === 'string'
        ? footer
        : footer === computed
          ? checksumText(footer) === file.checksum
            ? undefined
            : `its footer checksum ${checksumText(footer)} is not the recorded ${file.checksum}`
          : `its content adds up to checksum ${checksumText(computed)}, its footer says ${checksumText(footer)}`
      : `${check.length} bytes, the shard metadata records ${file.length}`
  if (problem)
    throw new ShardReadError(
      'corrupt',
      first,
      `${store.location}/${first} (${file.physicalName}) is corrupt: ${problem}`,
    )
  return check.length
}

/** An inline file's content is its meta_hash: same length, same checksum. */
function checkInlineFile(where: string, file: ShardFile): void {
  const content = file.metaHash
  const problem = content
    ? content.length === file.length
      ? checksumText(crc32(content.subarray(0, -8))) === file.checksum
        ? undefined
        : 'its checksum is not the recorded one'
      : `${content.length} inline bytes, ${file.length} recorded`
    : 'no inline content'
  if (problem)
    throw new ShardReadError('corrupt', where, `${where}: inline file ${file.name} (${file.physicalName}): ${problem}`)
}

/** The shard's index-<gen> must list the snapshot with every one of its files: the backfill may read either. */
async function checkShardGeneration(store: BlobStore, key: string, snapshotName: string, files: ShardFile[]) {
  const generation = await parseOrCorrupt(key, async () =>
    parseShardSnapshots(await readWhole(store, key, "the shard's index"), `${store.location}/${key}`),
  )
  const listed = generation.snapshots.get(snapshotName)
  if (!listed) throw new ShardReadError('corrupt', key, `${store.location}/${key} does not list ${snapshotName}`)
  for (const file of files)
    if (!listed.includes(file.name))
      throw new ShardReadError(
        'corrupt',
        key,
        `${store.location}/${key} does not list ${file.name} (${file.physicalName}) of ${snapshotName}`,
      )
}

/** A metadata blob that does not parse is corrupt, named by its key; a read failure stays what it is. */
async function parseOrCorrupt<T>(key: string, parse: () => Promise<T>): Promise<T> {
  try {
    return await parse()
  } catch (error) {
    if (error instanceof ShardReadError) throw error
    throw new ShardReadError('corrupt', key, (error as Error).message, error)
  }
}

/** Runs tasks with at most `limit` at once; the first failure stops new ones and is thrown. */
async function inPool<T>(items: T[], limit: number, task: (item: T) => Promise<void>, signal?: AbortSignal) {
  let next = 0
  let failure: unknown
  const worker = async () => {
    while (failure === undefined && next < items.length && !signal?.aborted) {
      const item = items[next++]
      try {
        await task(item)
      } catch (error) {
        failure ??= error
      }
    }
  }

  await Promise.all(Array.from({length: Math.min(limit, items.length)}, worker))
  if (failure !== undefined) throw failure
  // Stopped early: a partial read proves nothing.
  if (signal?.aborted) throw new InterruptedError()
}

export async function readBackSnapshot(
  store: BlobStore,
  basePath: string,
  snapshotName: string,
  options: ReadBackOptions = {},
): Promise<ShardReadBack> {
  const started = Date.now()
  const repository = await readRepositoryIndex(store, basePath)
  if (!repository)
    throw new ShardReadError('missing', `${basePath}/index-N`, `no index-N under ${store.location}/${basePath}`)
  const entry = repository.snapshots.find((snapshot) => snapshot.name === snapshotName)
  if (!entry)
    throw new ShardReadError(
      'missing',
      `index-${repository.generation}`,
      `index-${repository.generation} does not list ${snapshotName}`,
    )
  for (const name of options.indices ?? [])
    if (!repository.indices[name]?.snapshots.includes(entry.uuid))
      throw new ShardReadError(
        'missing',
        `index-${repository.generation}`,
        `${store.location}/${repositoryKeyPrefix(basePath)}index-${repository.generation} does not list index ${name} in ${snapshotName}: the backfill would find no shard to read`,
      )
  const result: ShardReadBack = {
    bytes: 0,
    durationMs: 0,
    files: 0,
    generation: repository.generation,
    inline: 0,
    shards: [],
    snapshotUuid: entry.uuid,
  }
  const downloads: {directory: string; file: ShardFile}[] = []
  for (const [indexName, index] of Object.entries(repository.indices)) {
    if (!index.snapshots.includes(entry.uuid)) continue
    const shards = await shardCount(store, basePath, index)
    for (let shard = 0; shard < shards; shard++) {
      const directory = await shardDirectory(store, basePath, index, shard)
      const blobs: string[] = []
      result.shards.push({
        blobs,
        directory: directory.key,
        index: indexName,
        indexId: index.id,
        shard,
        source: directory.source,
      })
      const snapKey = `${directory.key}snap-${entry.uuid}.dat`
      // The shard's snapshot and its index-<gen> are independent reads: both at once.
      const [{files}, generationKey] = await Promise.all([
        parseOrCorrupt(snapKey, async () =>
          parseShardSnapshot(await readWhole(store, snapKey, "the shard's snapshot"), `${store.location}/${snapKey}`),
        ),
        shardGenerationKey(store, directory.key, index, shard),
      ])
      if (generationKey) await checkShardGeneration(store, generationKey, snapshotName, files)

      for (const file of files) {
        if (isInlineFile(file)) {
          checkInlineFile(`${store.location}/${snapKey}`, file)
          result.inline++
        } else {
          downloads.push({directory: directory.key, file})
          blobs.push(...partNames(file))
        }
      }
    }
  }

  let bytes = 0
  let done = 0
  await inPool(
    downloads,
    options.concurrency ?? DEFAULT_CONCURRENCY,
    async ({directory, file}) => {
      await checkBlobFile(store, directory, file, (n) => {
        bytes += n
      })
      done++
      if (!result.largest || file.length > result.largest.length)
        result.largest = {key: `${directory}${file.name}`, length: file.length}
      options.onProgress?.({bytes, files: done, total: downloads.length})
    },
    options.signal,
  )
  result.files = done
  result.bytes = bytes
  result.durationMs = Date.now() - started
  return result
}
