import type {ClusterClient} from './client.js'

/**
 * What the migration's snapshot covers. The console's `snapshot create` runs CreateSnapshot without an
 * allowlist, which sends `indices: _all, ignore_unavailable: true, include_global_state: true` (and no
 * `partial`): every open index, hidden and system ones included; a closed index is left out silently; an
 * open index with an unallocated primary (red) makes the whole snapshot fail at once ("Indices don't have
 * primary shards").
 */
export const MIGRATION_SNAPSHOT_BODY = {ignore_unavailable: true, include_global_state: true, indices: '_all'}

export interface SnapshotScope {
  /** Closed indices: left out of the migration's snapshot, so not migrated. */
  closed: string[]
  /** Open indices the snapshot copies. */
  open: string[]
  /** Open indices with a primary that is not allocated: the snapshot fails on them. */
  unallocated: string[]
}

/** The indices `_all` covers and their health, as `_cat/indices` reports them. */
export async function readSnapshotScope(cluster: ClusterClient, signal?: AbortSignal): Promise<SnapshotScope> {
  type Row = {health?: null | string; index: string; status?: string}
  const {body} = await cluster.send<Row[]>(
    {idempotent: true, method: 'GET', path: '/_cat/indices', query: {format: 'json', h: 'index,status,health'}},
    signal,
  )
  const rows = (body ?? []).sort((a, b) => a.index.localeCompare(b.index))
  const open = rows.filter((row) => (row.status ?? 'open') === 'open')
  const red = open.filter((row) => row.health === 'red').map((row) => row.index)
  return {
    closed: rows.filter((row) => row.status === 'close').map((row) => row.index),
    open: open.map((row) => row.index),
    unallocated: red.length > 0 ? await stillRed(cluster, red, signal) : [],
  }
}

/** How long an index that is red may take to get its primaries (one just created is red until they start). */
const SETTLE_TIMEOUT = '5s'

/** The red indices that stay red after a short wait: a just-created index is red for a moment, a lost primary stays. */
async function stillRed(cluster: ClusterClient, indices: string[], signal?: AbortSignal): Promise<string[]> {
  type Health = {indices?: Record<string, {status?: string}>}
  const {body} = await cluster
    .send<Health>(
      {
        idempotent: true,
        method: 'GET',
        path: `/_cluster/health/${indices
          .slice(0, 50)
          .map((index) => encodeURIComponent(index))
          .join(',')}`,
        query: {level: 'indices', timeout: SETTLE_TIMEOUT, wait_for_status: 'yellow'},
      },
      signal,
    )
    .catch((error: unknown) => {
      // A wait that ends unfulfilled answers 408 with the same body on some versions.
      const answer = error as {body?: Health; status?: number}
      if (answer.status === 408 && answer.body) return {body: answer.body}
      throw error
    })
  // One gone meanwhile (deleted) is no longer in the snapshot's scope.
  return indices.filter((index) => body?.indices?.[index]?.status === 'red')
}
