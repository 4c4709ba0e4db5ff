import {strict as assert} from 'node:assert'

import * as setup from './e2e-setup.js'
import {
  assertSnapshotReadable,
  clusterCaller,
  createBucket,
  emptyAndDeleteBucket,
  engines,
  keysUnder,
  stores,
  uniqueSuffix,
} from './e2e.js'

/**
 * What the crash and fault suites work on, on the real S3 server (MinIO where the engines run it): a bucket
 * and an index of their own, a repository `keep` with a snapshot `kept` that must stay readable, and
 * repositories for the commands with two real snapshots, an object of someone else's beside them and, for
 * clean, filler files for several listing pages and DeleteObjects batches.
 */
export function realServerWorld(label: string) {
  const local = engines()
  const store = stores().at(-1)!
  const cluster = clusterCaller(local.opensearch)
  const suffix = uniqueSuffix()
  const bucket = `e2e-${label}-${suffix}`
  const index = `e2e-${label}-${suffix}`
  const keep = `${label}_keep_${suffix}`
  /** The repository's own endpoint (host:port) where given: the store's, or a proxy's in front of it. */
  const register = (name: string, basePath: string, endpoint?: string) =>
    setup.registerS3(cluster, name, {
      basePath,
      bucket,
      extra: endpoint ? {endpoint, path_style_access: 'true', protocol: 'http'} : {},
      store,
    })
  const snapshot = (repository: string, name: string) => setup.takeSnapshot(cluster, repository, name, index)

  return {
    /** Nothing outside the plan was deleted: `kept` is readable through the cluster and `foreign` is in the store. */
    async assertNothingElseLost(foreign: string) {
      await assertSnapshotReadable(cluster, keep, 'kept')
      assert.ok((await keysUnder(bucket, foreign, store)).includes(foreign), 'the foreign object is kept')
    },
    bucket,
    cluster,
    index,
    keep,
    local,
    /**
     * A repository for the commands at `basePath`: the foreign object `<basePath>/notes-of-someone-else.txt`,
     * two snapshots (first, second) and `filler` files under `<basePath>/tests-filler/` (the cluster's own
     * cleanup after its snapshots are deleted removes unknown folders under indices/, not those).
     */
    async repository(name: string, basePath: string, options: {endpoint?: string; filler?: number} = {}) {
      const foreign = `${basePath}/notes-of-someone-else.txt`
      await setup.putForeign(bucket, foreign, store)
      await register(name, basePath, options.endpoint)
      await snapshot(name, 'first')
      await snapshot(name, 'second')
      if (options.filler) await setup.fill(bucket, `${basePath}/tests-filler/`, options.filler, store)
      return foreign
    },
    /** The bucket, the index with one document, and `keep` with its snapshot `kept`. */
    async setUp(keepEndpoint?: string) {
      await createBucket(bucket, store)
      await cluster('PUT', `/${index}/_doc/1?refresh=true`, {title: label})
      await register(keep, 'keep', keepEndpoint)
      await snapshot(keep, 'kept')
    },
    store,
    suffix,
    /** Every repository of this run (its name holds the suffix), the index and the bucket removed. */
    async tearDown() {
      await setup.removeRepositoriesNamed(cluster, suffix)
      await cluster('DELETE', `/${index}`)
      await emptyAndDeleteBucket(bucket, store)
    },
  }
}
