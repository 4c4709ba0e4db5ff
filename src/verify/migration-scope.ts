import {readSnapshotScope} from '../cluster/snapshot-scope.js'
import {CheckFailure} from '../diagnose/index.js'

const list = (names: string[], most = 10) =>
  names.length <= most ? names.join(', ') : `${names.slice(0, most).join(', ')} and ${names.length - most} more`

/**
 * Checks what the migration's own snapshot (`_all`, not partial) will meet on this cluster, beyond the one
 * index the test snapshot copies: an open index without an allocated primary fails it at once; a closed
 * index is left out of it. Returns what it found, in words.
 */
export async function checkMigrationScope(
  cluster: Parameters<typeof readSnapshotScope>[0],
  signal?: AbortSignal,
): Promise<string> {
  const scope = await readSnapshotScope(cluster, signal)
  if (scope.unallocated.length > 0)
    throw new CheckFailure(
      'scope-primary-unallocated',
      `the migration's snapshot (indices _all, not partial) would fail at once: ${scope.unallocated.length === 1 ? 'index' : 'indices'} ${list(scope.unallocated)} ${scope.unallocated.length === 1 ? 'has' : 'have'} no allocated primary shard (red)`,
      {indices: scope.unallocated},
    )
  const closed = scope.closed.length > 0 ? `; closed, so left out of it (not migrated): ${list(scope.closed)}` : ''
  return `the migration's snapshot covers ${scope.open.length} open ${scope.open.length === 1 ? 'index' : 'indices'}, each with its primaries allocated${closed}`
}
