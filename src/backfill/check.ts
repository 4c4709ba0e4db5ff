import type {ClusterInfo} from '../cluster/snapshots.js'
import type {ShardReadBack} from '../snapshot-format/read-back.js'
import type {BlobStore} from '../store/blobs.js'

import {CheckFailure} from '../diagnose/index.js'
import {backfillKeys, firstMissingKey} from './keys.js'
import {acceptedVersions, type ChosenRelease, readerFor, type SnapshotReaderRule} from './readers.js'

/** OpenSearch's shard_path_type values as index-N stores them (RemoteStoreEnums.PathType). */
export const SHARD_PATH_TYPES = ['FIXED', 'HASHED_PREFIX', 'HASHED_INFIX'] as const

/** The reader this release's backfill picks for the source; none fails the cluster step, naming what it reads. */
export function backfillReader(chosen: ChosenRelease, info: ClusterInfo): SnapshotReaderRule {
  const reader = readerFor(chosen.entry, info)
  if (reader) return reader
  throw new CheckFailure(
    'backfill-version-unsupported',
    `the backfill of Migration Assistant ${chosen.release} has no snapshot reader for ${info.distribution} ${info.version}; it reads ${acceptedVersions(chosen.entry)} (${chosen.said})`,
    {accepted: acceptedVersions(chosen.entry), release: chosen.release},
  )
}

/** How the backfill's reader names the store it reads from. */
const STORE_NAMES = {fs: 'shared filesystem', s3: 'S3'} as const

/**
 * Reads exactly the keys the release's backfill reads and fails on the first one that is not there,
 * naming where the repository's layout put the files instead.
 */
export async function proveBackfillRead(
  store: BlobStore,
  repository: {basePath: string; kind: 'fs' | 's3'},
  backfill: {chosen: ChosenRelease; reader: SnapshotReaderRule},
  read: ShardReadBack,
): Promise<string> {
  const {kind} = repository
  const {chosen, reader} = backfill
  const who = `the Migration Assistant ${chosen.release} backfill (${reader.name}, ${STORE_NAMES[kind]})`
  const keys = await backfillKeys(store, repository, reader, read)
  if (!keys) return `${who} reads an older repository format verify does not model; the layout read above stands for it`
  const missing = await firstMissingKey(store, keys)
  if (missing) {
    const layout = missing.shard
      ? `the repository's layout put ${missing.shard.index} shard ${missing.shard.shard} at ${store.location}/${missing.shard.layoutDirectory} (named in ${missing.shard.layoutSource})`
      : 'the layout read found the snapshot through other keys'
    throw new CheckFailure(
      'backfill-path-missing',
      `${who} looks for ${store.location}/${missing.key.key} (${missing.key.what}), which does not exist: ${layout}`,
      {
        key: missing.key.key,
        kind,
        layoutDirectory: missing.shard?.layoutDirectory,
        layoutSource: missing.shard?.layoutSource,
        release: chosen.release,
      },
    )
  }

  const count = keys.metadata.length + keys.shards.reduce((sum, shard) => sum + shard.keys.length, 0)
  const directories = [...new Set(keys.shards.map((shard) => shard.directory))]
  return `${who} finds all ${count} key(s) it reads (shards at ${directories.join(', ')})`
}
