import {pathSegment} from '../names.js'
import {type ClusterClient, ClusterRequestError} from './client.js'

/**
 * Where a cluster keeps its primaries, and which nodes hold data: each data node writes the shards it
 * holds to the repository with its own S3 client (its own keystore, its own instance role), so a
 * snapshot proves a node only through a primary that lives on it.
 */

export interface ClusterNode {
  /** Holds data (roles `data` or `data_*`; a node that lists no roles is taken as one). */
  data: boolean
  id: string
  name: string
}

/** A started primary as `_cat/shards` lists it. */
export interface PrimaryShard {
  documents: number
  index: string
  nodeId: string
  nodeName: string
  shard: number
  storeBytes: number
}

export interface ShardPlacement {
  nodes: ClusterNode[]
  primaries: PrimaryShard[]
}

/** The cluster would not tell where shards live (e.g. a user without monitor privileges): why, in its words. */
export interface PlacementRefused {
  refused: string
}

type CatShardRow = {
  docs?: null | string
  id?: null | string
  index: string
  node?: null | string
  prirep?: string
  shard: string
  state?: string
  store?: null | string
}

type NodesBody = {nodes?: Record<string, {name?: string; roles?: string[]}>}

const holdsData = (roles: string[] | undefined) =>
  roles === undefined || roles.some((role) => role === 'data' || role.startsWith('data_'))

export function parseNodes(body: NodesBody | undefined): ClusterNode[] {
  return Object.entries(body?.nodes ?? {})
    .map(([id, node]) => ({data: holdsData(node.roles), id, name: node.name ?? id}))
    .sort((a, b) => a.name.localeCompare(b.name))
}

/** Started primaries only: a replica is never copied into a snapshot, and a relocating copy may move. */
export function parsePrimaries(rows: CatShardRow[] | undefined): PrimaryShard[] {
  return (rows ?? [])
    .filter((row) => row.prirep === 'p' && row.state === 'STARTED' && row.id)
    .map((row) => ({
      documents: Number(row.docs ?? 0) || 0,
      index: row.index,
      nodeId: row.id!,
      nodeName: row.node ?? row.id!,
      shard: Number(row.shard),
      storeBytes: Number(row.store ?? 0) || 0,
    }))
}

export async function readShardPlacement(
  cluster: ClusterClient,
  signal?: AbortSignal,
): Promise<PlacementRefused | ShardPlacement> {
  try {
    const [nodes, shards] = await Promise.all([
      cluster.send<NodesBody>(
        {idempotent: true, method: 'GET', path: '/_nodes', query: {filter_path: 'nodes.*.name,nodes.*.roles'}},
        signal,
      ),
      cluster.send<CatShardRow[]>(
        {
          idempotent: true,
          method: 'GET',
          path: '/_cat/shards',
          query: {bytes: 'b', format: 'json', h: 'index,shard,prirep,state,docs,store,id,node'},
        },
        signal,
      ),
    ])
    return {nodes: parseNodes(nodes.body), primaries: parsePrimaries(shards.body)}
  } catch (error) {
    if (error instanceof ClusterRequestError && error.status !== undefined && [401, 403, 404].includes(error.status))
      return {
        refused: `${error.request} answered ${error.status}${error.clusterError?.type ? ` (${error.clusterError.type})` : ''}`,
      }
    throw error
  }
}

export const dataNodesOf = (placement: ShardPlacement) => placement.nodes.filter((node) => node.data)

/** Node names by id, for answers that name nodes by id (a snapshot's shard failures). */
export function nodeNamesById(placement: ShardPlacement | undefined): Record<string, string> {
  return Object.fromEntries((placement?.nodes ?? []).map((node) => [node.id, node.name]))
}

/** The largest Lucene segment of each primary of these indices, by `index[shard]`, in bytes. */
export async function largestSegmentByShard(
  cluster: ClusterClient,
  indices: string[],
  signal?: AbortSignal,
): Promise<Record<string, number>> {
  type Segments = {
    indices?: Record<
      string,
      {shards?: Record<string, {routing?: {primary?: boolean}; segments?: Record<string, {size_in_bytes?: number}>}[]>}
    >
  }
  if (indices.length === 0) return {}
  const {body} = await cluster.send<Segments>(
    {idempotent: true, method: 'GET', path: `/${indices.map((index) => pathSegment(index)).join(',')}/_segments`},
    signal,
  )
  const largest: Record<string, number> = {}
  for (const [index, entry] of Object.entries(body?.indices ?? {}))
    for (const [shard, copies] of Object.entries(entry.shards ?? {})) {
      const sizes = copies
        .filter((copy) => copy.routing?.primary !== false)
        .flatMap((copy) => Object.values(copy.segments ?? {}).map((segment) => segment.size_in_bytes ?? 0))
      largest[`${index}[${shard}]`] = Math.max(0, ...sizes)
    }

  return largest
}
