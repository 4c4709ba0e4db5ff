import {DeleteObjectsCommand} from '@aws-sdk/client-s3'
import {strict as assert} from 'node:assert'

import {
  cleanArgs,
  forcedCleanArgs,
  forEachStore,
  onStore,
  registerS3,
  s3ServicesFile,
  takeSnapshot as snapshotOf,
  sourceCluster,
} from '../helpers/e2e-setup.js'
import {
  assertSnapshotReadable,
  createBucket,
  emptyAndDeleteBucket,
  enableVersioning,
  engines,
  keysUnder,
  s3Client,
  type Store,
  versionsUnder,
} from '../helpers/e2e.js'

const cluster = sourceCluster()

forEachStore(describeDeleteAndClean)

function describeDeleteAndClean(store: Store, suffix: string) {
  const bucket = `e2e-migration-${suffix}`
  const repository = `e2e_migration_repo_${suffix}`
  const indices = ['books', 'films', 'songs'].map((name) => `e2e-${suffix}-${name}`)
  const {console_} = onStore(store)

  const services = () =>
    s3ServicesFile(`migration-${suffix}.yaml`, {
      basePath: 'rfs-snapshot-repo',
      bucket,
      endpoint: store.endpoint,
      repository,
    })

  const takeSnapshot = () =>
    cluster('PUT', `/_snapshot/${repository}/rfs-snapshot?wait_for_completion=true`, {
      include_global_state: false,
      indices: `e2e-${suffix}-*`,
    })

  describe(`snapshot delete and repo clean against real engines (${store.name})`, () => {
    before(async () => {
      await createBucket(bucket, store)
      for (const index of indices) {
        await cluster('PUT', `/${index}/_doc/1?refresh=true`, {title: `first of ${index}`})
        await cluster('PUT', `/${index}/_doc/2?refresh=true`, {title: `second of ${index}`})
      }

      await registerS3(cluster, repository, {basePath: 'rfs-snapshot-repo', bucket, store})
    })

    after(async () => {
      await cluster('DELETE', `/_snapshot/${repository}`)
      for (const index of indices) await cluster('DELETE', `/${index}`)
      await emptyAndDeleteBucket(bucket, store)
    })

    it('refuses without --yes in a scripted session and leaves the snapshot', async () => {
      assert.equal((await takeSnapshot()).status, 200)
      const refused = await console_(['snapshot', 'delete', '--config-file', services()])
      assert.equal(refused.exitCode, 2)
      assert.match(refused.stderr, /pass --yes/)
      assert.equal((await cluster('GET', `/_snapshot/${repository}/rfs-snapshot`)).status, 200)
    })

    it('deletes a real snapshot of three indices through the cluster, and the same name can be taken again', async () => {
      const deleted = await console_(['snapshot', 'delete', '--config-file', services(), '--yes', '--json'])
      assert.equal(deleted.exitCode, 0, deleted.stdout + deleted.stderr)
      const report = JSON.parse(deleted.stdout).result
      assert.deepEqual(report.deleted, ['rfs-snapshot'])
      assert.match(
        report.steps.find((step: {name: string}) => step.name === 'bucket').detail,
        /index-\d+ no longer lists rfs-snapshot/,
      )
      const again = await takeSnapshot()
      assert.equal(again.status, 200, JSON.stringify(again.body))
      assert.equal(again.body.snapshot.indices.length, 3)
    })

    it('explains the real "already exists" answer as a name conflict with the console commands to run', async () => {
      const {diagnose} = await import('../../src/diagnose/index.js')
      const {ClusterRequestError} = await import('../../src/cluster/client.js')
      const conflict = await takeSnapshot()
      assert.equal(conflict.status, 400)
      const error = new ClusterRequestError(
        'PUT',
        `/_snapshot/${repository}/rfs-snapshot`,
        engines().opensearch,
        conflict.status,
        conflict.body,
        undefined,
        'conflict',
      )
      const diagnosis = diagnose(error, {repository, snapshot: 'rfs-snapshot'})
      assert.equal(diagnosis.code, 'snapshot-name-conflict')
      assert.match(
        diagnosis.remediation,
        new RegExp(`console snapshot delete --repository ${repository} --snapshot rfs-snapshot`),
      )
    })

    it('recovers after files were deleted behind the cluster: no "already exists" afterwards', async () => {
      const keys = await keysUnder(bucket, 'rfs-snapshot-repo/', store)
      assert.ok(keys.length > 0)
      await s3Client(store).send(
        new DeleteObjectsCommand({Bucket: bucket, Delete: {Objects: keys.map((Key) => ({Key}))}}),
      )
      const conflict = await takeSnapshot()
      assert.notEqual(conflict.status, 200, 'the cluster is out of step with its files, as the guide warns')
      const recovered = await console_(['snapshot', 'delete', '--config-file', services(), '--yes'])
      assert.equal(recovered.exitCode, 0, recovered.stdout + recovered.stderr)
      assert.match(recovered.stdout, /registered again/)
      const again = await takeSnapshot()
      assert.equal(again.status, 200, JSON.stringify(again.body))
    })

    it("refuses to clean the migration's repository without --force, then cleans it completely with it", async () => {
      const refused = await console_(cleanArgs(services(), repository, '--yes'))
      assert.equal(refused.exitCode, 2)
      assert.match(refused.stdout, /verify did not make \(rfs-snapshot\)/)
      assert.equal((await cluster('GET', `/_snapshot/${repository}/rfs-snapshot`)).status, 200)

      const dryRun = await console_(cleanArgs(services(), repository, '--force', '--dry-run', '--json'))
      assert.equal(dryRun.exitCode, 0, dryRun.stdout + dryRun.stderr)
      assert.match(
        JSON.parse(dryRun.stdout).result.steps[0].detail,
        /would .*delete the repository's own objects .*: \d+ object\(s\)/,
      )

      const unnamed = await console_(cleanArgs(services(), repository, '--force', '--yes', '--json'))
      assert.equal(unnamed.exitCode, 2, '--yes alone does not consent to deleting the migration’s data')
      assert.equal((await cluster('GET', `/_snapshot/${repository}/rfs-snapshot`)).status, 200)
      const cleaned = await console_(forcedCleanArgs(services(), repository, '--json'))
      assert.equal(cleaned.exitCode, 0, cleaned.stdout + cleaned.stderr)
      assert.equal((await cluster('GET', `/_snapshot/${repository}`)).status, 404, 'no registration')
      assert.deepEqual(await keysUnder(bucket, '', store), [], 'no object left, hashed shard paths included')
    })
  })

  describe(`repo clean in a versioned bucket (${store.name})`, () => {
    const versionedBucket = `e2e-versioned-${suffix}`
    const index = `e2e-${suffix}-versioned`
    const gone = `e2e_versioned_gone_${suffix}`
    const kept = `e2e_versioned_kept_${suffix}`

    before(async () => {
      await createBucket(versionedBucket, store)
      await enableVersioning(versionedBucket, store)
      await cluster('PUT', `/${index}/_doc/1?refresh=true`, {title: 'versioned'})
      for (const [name, basePath] of [
        [gone, 'gone'],
        [kept, 'kept'],
      ]) {
        await registerS3(cluster, name, {basePath, bucket: versionedBucket, store})
        for (const snapshot of ['first', 'second']) await snapshotOf(cluster, name, snapshot, index)
      }

      // A snapshot deleted through the cluster leaves old versions and delete markers behind.
      assert.equal((await cluster('DELETE', `/_snapshot/${gone}/first`)).status, 200)
    })

    after(async () => {
      for (const name of [gone, kept]) await cluster('DELETE', `/_snapshot/${name}`)
      await cluster('DELETE', `/${index}`)
      await emptyAndDeleteBucket(versionedBucket, store)
    })

    it('removes every version and delete marker of the repository, and nothing of the one beside it', async () => {
      const keptBefore = (await versionsUnder(versionedBucket, '', store)).filter((entry) => /(^|\/)kept\//.test(entry))
      assert.ok(
        (await versionsUnder(versionedBucket, 'gone/', store)).length >
          (await keysUnder(versionedBucket, 'gone/', store)).length,
        'the repository has old versions or delete markers to remove',
      )
      const cleaned = await console_(
        forcedCleanArgs(
          s3ServicesFile(`versioned-${suffix}.yaml`, {
            basePath: 'gone',
            bucket: versionedBucket,
            endpoint: store.endpoint,
          }),
          gone,
          '--json',
        ),
      )
      assert.equal(cleaned.exitCode, 0, cleaned.stdout + cleaned.stderr)
      const left = await versionsUnder(versionedBucket, '', store)
      assert.deepEqual(
        left.filter((entry) => /(^|\/)gone\//.test(entry)),
        [],
        'no version or delete marker of the cleaned repository is left, hashed shard paths included',
      )
      assert.deepEqual(
        left.filter((entry) => /(^|\/)kept\//.test(entry)),
        keptBefore,
        'the other repository keeps every version',
      )
      await assertSnapshotReadable(cluster, kept, 'second')
    })
  })
}
