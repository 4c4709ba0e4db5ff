import {strict as assert} from 'node:assert'

import {
  cleanArgs,
  forcedCleanArgs,
  forEachStore,
  indexBooks,
  onStore,
  putForeign,
  registerS3,
  removeRepositories,
  servicesPerBasePath,
  sourceCluster,
  takeSnapshot,
  verifyArgs,
} from '../helpers/e2e-setup.js'
import {assertSnapshotReadable, type Store} from '../helpers/e2e.js'

/**
 * The data-loss cases of deleting commands, on the real OpenSearch + S3 store: each time another
 * repository's real snapshot must still be readable through the cluster afterwards.
 */
const cluster = sourceCluster()

forEachStore(describeSafety)

function describeSafety(store: Store, suffix: string) {
  const bucket = `e2e-safety-${suffix}`
  const index = `e2e-safety-books-${suffix}`
  const {console_, createBucket, emptyAndDeleteBucket, keysUnder} = onStore(store)
  /** Repository names are the cluster's, shared by every run: each gets this run's suffix. */
  const named = (name: string) => `${name}_${suffix}`

  /** A real repository with a real snapshot of an index with documents. */
  async function repositoryWithSnapshot(
    repository: string,
    basePath: string,
    snapshot: string,
    extraSettings: Record<string, string> = {},
  ) {
    await registerS3(cluster, repository, {basePath, bucket, extra: extraSettings, store})
    await takeSnapshot(cluster, repository, snapshot, index)
  }

  /** Readable through the cluster: the snapshot's status reads its files in the store (shard level included). */
  const assertReadable = (repository: string, snapshot: string) =>
    assertSnapshotReadable(cluster, repository, snapshot, {withShards: true})

  const services = servicesPerBasePath(`safety-${suffix}`, bucket, store.endpoint)

  const registered: string[] = []
  async function track(repository: string, basePath: string, snapshot: string, extraSettings?: Record<string, string>) {
    registered.push(repository)
    await repositoryWithSnapshot(repository, basePath, snapshot, extraSettings)
  }

  describe(`deleting commands never touch what they were not asked to (real engines, ${store.name})`, () => {
    before(async () => {
      await createBucket(bucket)
      await indexBooks(cluster, index)
    })

    afterEach(async () => {
      await removeRepositories(cluster, registered.splice(0))

      await emptyAndDeleteBucket(bucket)
      await createBucket(bucket)
    })

    after(async () => {
      await cluster('DELETE', `/${index}`)
      await emptyAndDeleteBucket(bucket)
    })

    it('verify refuses to work over the migration repository’s files (--repository indices, or a name already in use)', async () => {
      await track(named('mig_repo'), 'mig', 'mig-snap')
      await track(named('mig_nested'), 'mig/nested', 'nested-snap')
      const before = await keysUnder(bucket)
      const overLayout = await console_(verifyArgs(services('mig'), '--repository', 'indices', '--json'))
      assert.equal(overLayout.exitCode, 2, overLayout.stdout + overLayout.stderr)
      assert.match(
        JSON.parse(overLayout.stdout).error.message,
        /--repository "indices": is a name the snapshot repository layout uses itself/,
      )
      const overFiles = await console_(verifyArgs(services('mig'), '--repository', 'nested', '--json'))
      assert.equal(overFiles.exitCode, 2, overFiles.stdout + overFiles.stderr)
      assert.match(
        JSON.parse(overFiles.stdout).result.steps.find((step: {name: string}) => step.name === 'fresh').detail,
        new RegExp(`s3://${bucket}/mig/nested/ already holds`),
      )
      assert.deepEqual(await keysUnder(bucket), before, 'not one object changed')
      await assertReadable(named('mig_repo'), 'mig-snap')
      await assertReadable(named('mig_nested'), 'nested-snap')
    })

    it('a refused clean stays refused after the repository is unregistered by hand', async () => {
      await track(named('victim'), named('victim'), 'precious')
      const refused = await console_(cleanArgs(services(named('victim')), named('victim'), '--yes'))
      assert.equal(refused.exitCode, 2)
      assert.equal((await cluster('DELETE', `/_snapshot/${named('victim')}`)).status, 200)
      const again = await console_(cleanArgs(services(named('victim')), named('victim'), '--yes'))
      assert.equal(again.exitCode, 2, again.stdout + again.stderr)
      assert.match(
        again.stdout,
        new RegExp(`${named('victim')} is not registered .* no interrupted clean of it is recorded`),
      )
      // Registered again by its owner, the repository and its snapshot are intact.
      await registerS3(cluster, named('victim'), {basePath: named('victim'), bucket, store})
      await assertReadable(named('victim'), 'precious')
    })

    it('refuses to clean a repository with another registered one nested below, and both stay readable', async () => {
      await track(named('outer'), 'nest', 'outer-snap')
      await track(named('inner'), 'nest/inner', 'inner-snap')
      const refused = await console_(forcedCleanArgs(services('nest'), named('outer')))
      assert.equal(refused.exitCode, 2, refused.stdout + refused.stderr)
      assert.match(refused.stdout, new RegExp(`${named('inner')} \\(s3://${bucket}/nest/inner, nested below\\)`))
      await assertReadable(named('inner'), 'inner-snap')
      await assertReadable(named('outer'), 'outer-snap')
    })

    it('cleaning base path logs leaves look-alike prefixes (a real repository at 20110101/logs, a000000/logs/…) alone', async () => {
      await track(named('logs_repo'), 'logs', 'logs-snap')
      // A real repository whose fixed shard paths look like the old, loose "hashed prefix" pattern.
      await track(named('dated_repo'), '20110101/logs', 'dated-snap', {shard_path_type: 'FIXED'})
      await putForeign(bucket, 'a000000/logs/indices/abc/0/__data', store)
      const datedBefore = await keysUnder(bucket, '20110101/')
      const cleaned = await console_(forcedCleanArgs(services('logs'), named('logs_repo'), '--json'))
      assert.equal(cleaned.exitCode, 0, cleaned.stdout + cleaned.stderr)
      assert.deepEqual(await keysUnder(bucket, 'logs/'), [], 'the repository’s own files are gone')
      assert.ok(
        !(await keysUnder(bucket)).some((key) => /^[A-Za-z0-9_-][01]{14}\/logs\//.test(key)),
        'and its real hashed shard paths',
      )
      assert.deepEqual(await keysUnder(bucket, '20110101/'), datedBefore)
      assert.deepEqual(await keysUnder(bucket, 'a000000/'), ['a000000/logs/indices/abc/0/__data'])
      await assertReadable(named('dated_repo'), 'dated-snap')
    })

    if (store.dropsLeadingSlash)
      it('refuses to clean base path /data on a store that drops the leading slash, and the repository at data stays readable', async () => {
        await track(named('slash_repo'), '/data', 'slash-snap')
        await track(named('plain_repo'), 'data', 'plain-snap')
        assert.deepEqual(await keysUnder(bucket, '/data/'), [], `${store.name} lists nothing under /data/`)
        const before = await keysUnder(bucket)
        assert.ok(
          before.some((key) => key.startsWith('data/index-')),
          'it keeps the files under data/',
        )
        const refused = await console_(forcedCleanArgs(services('data'), named('slash_repo'), '--json'))
        assert.equal(refused.exitCode, 2, refused.stdout + refused.stderr)
        assert.match(
          refused.stdout,
          new RegExp(
            `drops the leading slash of its base path .+/data.+: it keeps the files under s3://${bucket}/data/`,
          ),
        )
        assert.deepEqual(await keysUnder(bucket), before, 'not one object changed')
        assert.equal((await cluster('GET', `/_snapshot/${named('slash_repo')}`)).status, 200, 'still registered')
        await assertReadable(named('plain_repo'), 'plain-snap')
      })
    else
      it('keeps a leading slash byte for byte: cleaning base path /data leaves the repository at data readable', async () => {
        await track(named('slash_repo'), '/data', 'slash-snap')
        await track(named('plain_repo'), 'data', 'plain-snap')
        assert.ok((await keysUnder(bucket, '/data/')).length > 0, 'OpenSearch writes under /data/')
        const cleaned = await console_(forcedCleanArgs(services('data'), named('slash_repo'), '--json'))
        assert.equal(cleaned.exitCode, 0, cleaned.stdout + cleaned.stderr)
        assert.deepEqual(await keysUnder(bucket, '/data/'), [])
        assert.ok(
          !(await keysUnder(bucket)).some((key) => key.includes('//data/')),
          'its hashed shard paths <hash>//data/ are gone too',
        )
        await assertReadable(named('plain_repo'), 'plain-snap')
      })
  })
}
