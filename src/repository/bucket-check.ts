import type {BlobStore} from '../store/blobs.js'

import {repositoryKeyPrefix} from '../snapshot-format/layout-keys.js'
import {readRepositoryIndex} from '../snapshot-format/repository-index.js'

export interface BucketAfterDeletion {
  generation?: number
  /** Root snap-/meta- files whose uuid no index entry names. */
  orphans: string[]
  /** Deleted snapshots the newest index-N still lists. */
  stillListed: string[]
}

/** Reads the repository's files after a deletion: the index must not list them, and nothing of them may remain. */
export async function checkBucketAfterDeletion(
  store: BlobStore,
  basePath: string,
  deleted: string[],
): Promise<BucketAfterDeletion> {
  const prefix = repositoryKeyPrefix(basePath)
  const index = await readRepositoryIndex(store, basePath)
  const known = new Set((index?.snapshots ?? []).map((snapshot) => snapshot.uuid))
  const stillListed = (index?.snapshots ?? [])
    .filter((snapshot) => deleted.includes(snapshot.name))
    .map((snapshot) => snapshot.name)
  const orphans: string[] = []
  for (const kind of ['snap-', 'meta-']) {
    for await (const {key} of store.list(`${prefix}${kind}`)) {
      const uuid = /^(?:snap|meta)-(.+)\.dat$/.exec(key.slice(prefix.length))?.[1]
      if (uuid && !known.has(uuid)) orphans.push(key)
    }
  }

  return {generation: index?.generation, orphans, stillListed}
}
