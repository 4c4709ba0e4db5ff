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
  return {
    closed: rows.filter((row) => row.status === 'close').map((row) => row.index),
    open: open.map((row) => row.index),
    unallocated: open.filter((row) => row.health === 'red').map((row) => row.index),
  }
}
