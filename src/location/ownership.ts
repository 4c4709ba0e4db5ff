/**
 * Which objects belong to a repository: the one rule every deleting path follows. A repository owns the files of
 * its layout (see layout-keys) below its key prefix and, when OpenSearch's hashed shard paths count, under
 * `<hash>/P/indices/…`; anything else under P (another repository's folder, someone's file) is not the repository's.
 */

import {HASHED_SHARD_SEGMENT, isLayoutPath} from '../snapshot-format/layout-keys.js'

export interface RepositoryFootprint {
  /** Extra file names directly under the prefix that belong to it (verify's probe). */
  extraFiles?: string[]
  /** Whether OpenSearch's hashed shard paths outside the prefix count (not for verify's metadata-only test). */
  hashedShardPaths: boolean
  /** Whose footprint it is, for messages (another registration's name). */
  owner?: string
  /** The repository's key prefix (see repositoryKeyPrefix). */
  prefix: string
}

export type Ownership = {owned: false; reason: string} | {owned: true}

export function ownershipOf(key: string, footprint: RepositoryFootprint): Ownership {
  const {prefix} = footprint
  if (key.startsWith(prefix) && isLayoutPath(key.slice(prefix.length), footprint.extraFiles ?? [])) return {owned: true}
  if (footprint.hashedShardPaths) {
    const slash = key.indexOf('/')
    // HASHED_PREFIX: <hash>/<prefix>indices/<index-id>/…
    if (
      slash > 0 &&
      HASHED_SHARD_SEGMENT.test(key.slice(0, slash)) &&
      key.slice(slash + 1).startsWith(`${prefix}indices/`) &&
      key.split('/').length > prefix.split('/').length + 2
    )
      return {owned: true}
  }

  if (!key.startsWith(prefix)) return {owned: false, reason: `outside ${prefix || 'the bucket root'}`}
  return {owned: false, reason: 'not part of a snapshot repository layout'}
}

/**
 * Ownership of a key when other registered repositories share the store: nothing under another
 * registration's base path or inside its footprint is ours, whatever our own rule says (a base path that
 * looks like a hashed shard prefix, `A00000000000000/logs`, is another repository's, not ours).
 */
export function ownershipAmong(key: string, footprint: RepositoryFootprint, others: RepositoryFootprint[]): Ownership {
  const ours = ownershipOf(key, footprint)
  if (!ours.owned) return ours
  for (const other of others)
    if (
      // Below another's base path (unless ours lies below theirs, outside their layout), or in its layout.
      (other.prefix !== '' && key.startsWith(other.prefix) && !footprint.prefix.startsWith(other.prefix)) ||
      ownershipOf(key, other).owned
    )
      return {owned: false, reason: `belongs to registered repository ${other.owner ?? other.prefix}`}
  return ours
}
