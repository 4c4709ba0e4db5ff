import type {BlobStore} from '../store/blobs.js'

import {repositoryKeyPrefix} from './layout-keys.js'

/** Snapshot states as the repository's index-N stores them. */
const SNAPSHOT_STATES: Record<number, string> = {0: 'in progress', 1: 'success', 2: 'failed', 3: 'partial'}

/** One index as index-N records it: its id in the repository, its snapshots, and (ES 7.6+, OpenSearch) shard generations. */
export interface RepositoryIndexEntry {
  id: string
  shard_generations?: (null | string)[]
  /** OpenSearch 2.17+: 0 FIXED, 1 HASHED_PREFIX, 2 HASHED_INFIX. */
  shard_path_type?: number
  snapshots: string[]
}

export interface RepositoryIndex {
  generation: number
  indices: Record<string, RepositoryIndexEntry>
  snapshots: {name: string; state?: number; uuid: string}[]
}

export interface SnapshotProof {
  files: string[]
  generation: number
  uuid: string
}

export class SnapshotNotInRepositoryError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'SnapshotNotInRepositoryError'
  }
}

/** The current repository data: the highest index-N directly under the prefix. */
export async function readRepositoryIndex(store: BlobStore, basePath: string): Promise<RepositoryIndex | undefined> {
  const prefix = repositoryKeyPrefix(basePath)
  let generation = -1
  for await (const {key} of store.list(`${prefix}index-`)) {
    const match = /^index-(\d+)$/.exec(key.slice(prefix.length))
    if (match) generation = Math.max(generation, Number(match[1]))
  }

  if (generation < 0) return undefined
  const content = await store.read(`${prefix}index-${generation}`)
  if (!content) return undefined
  let data: {indices?: Record<string, RepositoryIndexEntry>; snapshots?: {name: string; state?: number; uuid: string}[]}
  try {
    data = JSON.parse(content.toString('utf8'))
  } catch {
    throw new SnapshotNotInRepositoryError(`${store.location}/${prefix}index-${generation} is not JSON repository data`)
  }

  return {generation, indices: data.indices ?? {}, snapshots: data.snapshots ?? []}
}

/**
 * A snapshot is in the repository when the newest index-N names it with state success
 * (the index is written last: the commit point) and its snap- and meta- files exist.
 */
export async function proveSnapshotInRepository(
  store: BlobStore,
  basePath: string,
  snapshotName: string,
): Promise<SnapshotProof> {
  const prefix = repositoryKeyPrefix(basePath)
  const where = `${store.location}/${prefix}`
  const index = await readRepositoryIndex(store, basePath)
  if (!index)
    throw new SnapshotNotInRepositoryError(`no index-N file under ${where}: the repository holds no snapshot data`)
  const entry = index.snapshots.find((snapshot) => snapshot.name === snapshotName)
  if (!entry)
    throw new SnapshotNotInRepositoryError(`${where}index-${index.generation} does not list snapshot ${snapshotName}`)
  if (entry.state !== undefined && entry.state !== 1)
    throw new SnapshotNotInRepositoryError(
      `${where}index-${index.generation} lists ${snapshotName} with state ${SNAPSHOT_STATES[entry.state] ?? entry.state}, not success`,
    )
  const files = [`index-${index.generation}`, `snap-${entry.uuid}.dat`, `meta-${entry.uuid}.dat`]
  for (const file of files.slice(1)) {
    if (!(await store.exists(`${prefix}${file}`)))
      throw new SnapshotNotInRepositoryError(
        `${where}${file} is missing although index-${index.generation} lists ${snapshotName}`,
      )
  }

  return {files, generation: index.generation, uuid: entry.uuid}
}
