/**
 * How a verify run names what it makes (its test repository, snapshot and index), and how the other commands
 * recognise those names: the one place the `verify_` rule lives.
 */

/** The shape of a fresh test repository's name, as messages show it. */
export const FRESH_TEST_NAME = 'verify_<time>_<id>'

export const testRepositoryName = (runId: string) => `verify_${runId}`
export const testSnapshotName = (runId: string) => `verify_snapshot_${runId}`
/** Index names are lower-case. */
export const testIndexName = (runId: string) => `verify_index_${runId}`.toLowerCase()

/** A repository a verify run registered (or one named like it). */
export const isTestRepositoryName = (name: string) => name.startsWith('verify_')
/** A snapshot a verify run took: a clean asks no typed consent for these. */
export const isTestSnapshotName = (name: string) => name.startsWith('verify_snapshot_')

/** A fresh run id: sortable by time, unique enough that two runs never share a name. */
export function newRunId(now = new Date(), random = Math.random): string {
  const stamp = now.toISOString().replaceAll(/[-:T]/g, '').slice(0, 14)
  return `${stamp}_${Math.floor(random() * 36 ** 4)
    .toString(36)
    .padStart(4, '0')}`
}
