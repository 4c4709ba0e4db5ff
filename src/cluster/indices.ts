import {pathSegment} from '../names.js'
import {type ClusterClient, ClusterRequestError} from './client.js'
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

/**
 * The index a shard-data test snapshot copies: the smallest open one that holds documents, is not a
 * system or hidden index (a leading dot), and whose primaries stay under the cap.
 */
export function smallestQualifyingIndex(indices: IndexSize[], maxBytes: number): IndexSize | undefined {
  return indices
    .filter(
      (index) =>
        index.status === 'open' &&
        !index.index.startsWith('.') &&
        index.documents > 0 &&
        index.primaryBytes <= maxBytes,
    )
    .sort((a, b) => a.primaryBytes - b.primaryBytes || a.index.localeCompare(b.index))[0]
}

/** The largest Lucene segment of the index's primaries, in bytes (a compound segment is one file of about that size). */
export async function largestSegmentBytes(cluster: ClusterClient, index: string, signal?: AbortSignal) {
  type Segments = {
    indices?: Record<
      string,
      {shards?: Record<string, {routing?: {primary?: boolean}; segments?: Record<string, {size_in_bytes?: number}>}[]>}
    >
  }
  const {body} = await cluster.send<Segments>(
    {idempotent: true, method: 'GET', path: `/${pathSegment(index)}/_segments`},
    signal,
  )
  let largest = 0
  for (const entry of Object.values(body?.indices ?? {}))
    for (const copies of Object.values(entry.shards ?? {}))
      for (const copy of copies)
        if (copy.routing?.primary !== false)
          for (const segment of Object.values(copy.segments ?? {}))
            largest = Math.max(largest, segment.size_in_bytes ?? 0)
  return largest
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

/** A one-shard, zero-replica index of a few documents, refreshed and flushed so that it has segment files. */
export async function createTestIndex(cluster: ClusterClient, index: string, signal?: AbortSignal): Promise<number> {
  const path = `/${pathSegment(index)}`
  await cluster.send(
    {
      body: {settings: {index: {number_of_replicas: 0, number_of_shards: 1}}},
      idempotent: false,
      method: 'PUT',
      path,
    },
    signal,
  )
  const documents = Array.from({length: 5}, (_, number) => ({
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
