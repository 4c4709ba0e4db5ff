import {pathSegment} from '../names.js'
import {type ClusterClient, ClusterRequestError} from './client.js'
import {largestSegmentByShard} from './shard-placement.js'
import {deleteUnlessMissing} from './snapshots.js'

/** An index as `_cat/indices` describes it, in bytes. */
export interface IndexSize {
  documents: number
  index: string
  primaries: number
  primaryBytes: number
  status: string
}

/** Every index `_cat/indices` lists, with its status and primary store size. */
export async function listIndexSizes(cluster: ClusterClient, signal?: AbortSignal): Promise<IndexSize[]> {
  type Row = {
    'docs.count'?: null | string
    index: string
    pri?: string
    'pri.store.size'?: null | string
    status?: string
  }
  const {body} = await cluster.send<Row[]>(
    {
      idempotent: true,
      method: 'GET',
      path: '/_cat/indices',
      // No expand_wildcards: Elasticsearch 6.x refuses it here; closed indices are filtered by status, hidden ones by their dot.
      query: {bytes: 'b', format: 'json', h: 'index,status,pri,docs.count,pri.store.size'},
    },
    signal,
  )
  return (body ?? []).map((row) => ({
    documents: Number(row['docs.count'] ?? 0) || 0,
    index: row.index,
    primaries: Number(row.pri ?? 1) || 1,
    primaryBytes: Number(row['pri.store.size'] ?? 0) || 0,
    status: row.status ?? 'open',
  }))
}

/** An index a shard-data test may copy: open, holding documents, not a system or hidden index (a leading dot), primaries under the cap. */
export const qualifiesForShardData = (index: IndexSize, maxBytes: number) =>
  index.status === 'open' && !index.index.startsWith('.') && index.documents > 0 && index.primaryBytes <= maxBytes

/** The index a shard-data test snapshot copies on a cluster whose shard placement is unknown: the smallest that qualifies. */
export function smallestQualifyingIndex(indices: IndexSize[], maxBytes: number): IndexSize | undefined {
  return indices
    .filter((index) => qualifiesForShardData(index, maxBytes))
    .sort((a, b) => a.primaryBytes - b.primaryBytes || a.index.localeCompare(b.index))[0]
}

/** The largest Lucene segment of the index's primaries, in bytes (a compound segment is one file of about that size). */
export async function largestSegmentBytes(cluster: ClusterClient, index: string, signal?: AbortSignal) {
  return Math.max(0, ...Object.values(await largestSegmentByShard(cluster, [index], signal)))
}

export async function indexExists(cluster: ClusterClient, index: string, signal?: AbortSignal): Promise<boolean> {
  try {
    await cluster.send({idempotent: true, method: 'GET', path: `/${pathSegment(index)}/_settings`}, signal)
    return true
  } catch (error) {
    if (error instanceof ClusterRequestError && error.status === 404) return false
    throw error
  }
}

/**
 * A zero-replica index of a few documents, refreshed and flushed so that it has segment files. With
 * several shards (one per data node), at most one shard per node: each data node then holds a primary.
 */
export async function createTestIndex(
  cluster: ClusterClient,
  index: string,
  signal?: AbortSignal,
  shards = 1,
): Promise<number> {
  const path = `/${pathSegment(index)}`
  const spread = shards > 1 ? {routing: {allocation: {total_shards_per_node: 1}}} : {}
  await cluster.send(
    {
      body: {settings: {index: {number_of_replicas: 0, number_of_shards: shards, ...spread}}},
      idempotent: false,
      method: 'PUT',
      path,
    },
    signal,
  )
  // Five documents a shard, so that each shard likely holds some.
  const documents = Array.from({length: 5 * shards}, (_, number) => ({
    body: `console snapshot verify test document ${number + 1} `.repeat(40),
    number: number + 1,
  }))

  // One request per document: the client sends JSON, and `_bulk` wants lines; `_doc` works from Elasticsearch 6.x on.
  for (const document of documents)
    await cluster.send(
      {body: document, idempotent: true, method: 'PUT', path: `${path}/_doc/${document.number}`},
      signal,
    )
  await cluster.send({idempotent: true, method: 'POST', path: `${path}/_refresh`}, signal)
  await cluster.send({idempotent: true, method: 'POST', path: `${path}/_flush`}, signal)
  return documents.length
}

export async function deleteIndex(
  cluster: ClusterClient,
  index: string,
  signal?: AbortSignal,
): Promise<'absent' | 'deleted'> {
  const deleted = await deleteUnlessMissing(cluster, `/${pathSegment(index)}`, 'index_not_found_exception', signal)
  return deleted ? 'deleted' : 'absent'
}
