import type {ShardReadBack} from '../snapshot-format/read-back.js'
import type {BlobStore} from '../store/blobs.js'
import type {SnapshotReaderRule} from './readers.js'

import {repositoryKeyPrefix} from '../snapshot-format/layout-keys.js'

/**
 * The keys a release's backfill reads for one snapshot, in the order it reads them: the repository data
 * (index-N), the snapshot's own snap-/meta- files, each index's metadata, then each shard's
 * snap-<uuid>.dat and its blobs, in the shard directory its file finder resolves.
 */

export interface BackfillKey {
  key: string
  what: string
}

export interface BackfillShard {
  /** Where the backfill looks for the shard's files. */
  directory: string
  index: string
  keys: BackfillKey[]
  /** Where the repository's layout put them (as read back). */
  layoutDirectory: string
  /** What named the layout's directory: the fixed layout, or a snapshot_shard_paths/ file. */
  layoutSource: string
  shard: number
}

export interface BackfillRead {
  metadata: BackfillKey[]
  shards: BackfillShard[]
}

type RepositoryData = {
  index_metadata_identifiers?: Record<string, string>
  snapshots?: {index_metadata_lookup?: Record<string, string>; uuid: string}[]
}

/** The index metadata blob's id, as the reader names it (SnapshotRepoData_ES_7_10/_9_0, IndexMetadataFactory_ES_6_8). */
function indexMetadataId(reader: SnapshotReaderRule, data: RepositoryData, uuid: string, indexId: string) {
  if (reader.indexMetadata === 'snapshot-uuid') return uuid
  const identifier = data.snapshots?.find((snapshot) => snapshot.uuid === uuid)?.index_metadata_lookup?.[indexId]
  return identifier === undefined ? undefined : data.index_metadata_identifiers?.[identifier]
}

/**
 * The backfill's keys for a snapshot the layout read has already walked. Undefined for a reader whose
 * repository format (ES 1.x/2.x: a single `index` file) verify does not model.
 */
export async function backfillKeys(
  store: BlobStore,
  repository: {basePath: string; kind: 'fs' | 's3'},
  reader: SnapshotReaderRule,
  read: ShardReadBack,
): Promise<BackfillRead | undefined> {
  const {basePath, kind} = repository
  if (reader.repositoryData !== 'index-N') return undefined
  const prefix = repositoryKeyPrefix(basePath)
  const uuid = read.snapshotUuid
  const dataKey = `${prefix}index-${read.generation}`
  const content = await store.read(dataKey)
  const data = (content ? JSON.parse(content.toString('utf8')) : {}) as RepositoryData
  const metadata: BackfillKey[] = [
    {key: dataKey, what: 'the repository data (the highest index-N of one root listing)'},
    {key: `${prefix}snap-${uuid}.dat`, what: "the snapshot's metadata"},
    {key: `${prefix}meta-${uuid}.dat`, what: 'the global metadata'},
  ]
  const indexIds = new Map(read.shards.map((shard) => [shard.indexId, shard.index]))
  for (const [indexId, name] of indexIds) {
    const id = indexMetadataId(reader, data, uuid, indexId)
    metadata.push({
      key: `${prefix}indices/${indexId}/meta-${id ?? '<not in index-N>'}.dat`,
      what: `index ${name}'s metadata`,
    })
  }

  const rule = reader.shardDirectory[kind]
  const shards = read.shards.map((shard): BackfillShard => {
    // The finder that follows snapshot_shard_paths/ resolves the same directory the layout read found.
    const directory = rule === 'fixed' ? `${prefix}indices/${shard.indexId}/${shard.shard}/` : shard.directory
    return {
      directory,
      index: shard.index,
      keys: [
        {key: `${directory}snap-${uuid}.dat`, what: `shard ${shard.shard} of ${shard.index}: its snapshot metadata`},
        ...shard.blobs.map((blob) => ({
          key: `${directory}${blob}`,
          what: `shard ${shard.shard} of ${shard.index}: a file`,
        })),
      ],
      layoutDirectory: shard.directory,
      layoutSource: shard.source,
      shard: shard.shard,
    }
  })
  return {metadata, shards}
}

/** The first key that is not there, in the backfill's order; keys the layout read already read are taken as found. */
export async function firstMissingKey(
  store: BlobStore,
  read: BackfillRead,
): Promise<undefined | {key: BackfillKey; shard?: BackfillShard}> {
  for (const key of read.metadata) if (!(await store.exists(key.key))) return {key}
  for (const shard of read.shards) {
    if (shard.directory === shard.layoutDirectory) continue
    for (const key of shard.keys) if (!(await store.exists(key.key))) return {key, shard}
  }

  return undefined
}
