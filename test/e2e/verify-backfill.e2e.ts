import {strict as assert} from 'node:assert'
import {mkdtempSync, writeFileSync} from 'node:fs'
import path from 'node:path'

import {
  console_ as consoleOn,
  createBucket,
  emptyAndDeleteBucket,
  engines,
  keysUnder,
  scratch,
  type Store,
  stores,
  uniqueSuffix,
  writeServices,
} from '../helpers/e2e.js'

/**
 * Verify reads the test snapshot as the deployed backfill will: a console whose ~/VERSION says 3.3.6,
 * OpenSearch 3.6 and an S3 store, the repository registered with the settings `console snapshot create`
 * sends. The truth beside each verdict is the bucket itself, listed after a run kept its files.
 */
const local = engines()
const homeWith = (version: string) => {
  const home = mkdtempSync(path.join(scratch, 'home-'))
  writeFileSync(path.join(home, 'VERSION'), `${version}\n`)
  return home
}

const home336 = homeWith('3.3.6')
const step = (report: {steps: {name: string}[]}, name: string): any =>
  report.steps.find((candidate) => candidate.name === name)

function services(name: string, endpoint: string, s3?: {basePath: string; bucket: string; store: Store}): string {
  const snapshot = s3
    ? `snapshot:
  snapshot_name: rfs-snapshot
  s3:
    repo_uri: s3://${s3.bucket}/${s3.basePath}
    aws_region: ${local.region}
    endpoint: ${s3.store.endpoint}
`
    : ''
  return writeServices(`${name}.yaml`, `source_cluster:\n  endpoint: ${endpoint}\n  no_auth:\n${snapshot}`)
}

describe('snapshot verify reads as the Migration Assistant 3.3.6 backfill reads', () => {
  for (const store of stores())
    describe(`OpenSearch 3.6 on ${store.name}`, () => {
      const suffix = uniqueSuffix()
      const bucket = `e2e-backfill-${suffix}`
      const basePath = 'mig'
      const file = services(`backfill-${store.name}-${suffix}`, local.opensearch, {basePath, bucket, store})
      const run = (args: string[], home = home336) =>
        consoleOn(
          ['snapshot', 'verify', '--config-file', file, '--create-test-index', '--json', ...args],
          {HOME: home},
          store,
        )
      /** What a kept run made: its repository and files (repo clean), and its test index (kept with --keep). */
      const clean = async (repository: string, verified: {stdout: string}) => {
        const index = JSON.parse(verified.stdout).result?.dataIndex?.name
        if (index) await fetch(`${local.opensearch}/${index}`, {method: 'DELETE'})
        const outcome = await consoleOn(
          ['repo', 'clean', '--config-file', file, '--repository', repository, '--yes', '--json'],
          {},
          store,
        )
        assert.equal(outcome.exitCode, 0, outcome.stdout + outcome.stderr)
      }

      before(() => createBucket(bucket, store))

      after(() => emptyAndDeleteBucket(bucket, store))

      it("with the console's registration (no shard_path_type) fails read-back naming the key the backfill reads and the hashed layout; the bucket agrees", async () => {
        const repository = `verify_hashed_${suffix}`
        const outcome = await run(['--repository', repository, '--keep'])
        try {
          assert.equal(outcome.exitCode, 1, outcome.stdout + outcome.stderr)
          const report = JSON.parse(outcome.stdout).result
          assert.match(step(report, 'cluster').detail, /read by Migration Assistant 3\.3\.6's SnapshotReader_ES_9_0/)
          assert.equal(report.backfill.release, '3.3.6')
          const readBack = step(report, 'read-back')
          assert.equal(readBack.status, 'failed')
          assert.equal(readBack.diagnosis.code, 'backfill-path-missing')
          const location = `${basePath}/${repository}/`
          const wanted = new RegExp(`looks for s3://${bucket}/(${location}indices/[^/]+/0/snap-[^/]+\\.dat)`)
          assert.match(readBack.detail, wanted)
          assert.match(readBack.detail, /named in .*snapshot_shard_paths\/snapshot_path_/)
          assert.match(readBack.diagnosis.remediation, /"shard_path_type":"FIXED"/)
          assert.match(readBack.diagnosis.remediation, /`console snapshot create` registers its repository again/)
          const key = wanted.exec(readBack.detail)![1]
          const layout = new RegExp(`at s3://${bucket}/([A-Za-z0-9_-][01]{14}/${location}indices/[^/]+/0/)`).exec(
            readBack.detail,
          )![1]
          // The truth: the backfill's key is not in the bucket; the shard's metadata is under the hashed prefix.
          const all = await keysUnder(bucket, '', store)
          assert.ok(!all.includes(key), `${key} is not in the bucket`)
          assert.ok(
            all.includes(`${layout}${key.split('/').at(-1)}`),
            `${layout}${key.split('/').at(-1)} is: ${all.join(', ')}`,
          )
        } finally {
          await clean(repository, outcome)
        }
      })

      it('with --shard-path-type FIXED passes, and every key the backfill reads is in the bucket under the base path', async () => {
        const repository = `verify_fixed_${suffix}`
        const outcome = await run(['--repository', repository, '--keep', '--shard-path-type', 'FIXED'])
        try {
          assert.equal(outcome.exitCode, 0, outcome.stdout + outcome.stderr)
          const report = JSON.parse(outcome.stdout).result
          assert.match(step(report, 'repository').detail, /shard_path_type FIXED/)
          const readBack = step(report, 'read-back').detail as string
          assert.match(
            readBack,
            /the Migration Assistant 3\.3\.6 backfill \(SnapshotReader_ES_9_0, S3\) finds all \d+ key\(s\)/,
          )
          const location = `${basePath}/${repository}/`
          const shardDirectory = new RegExp(`shards at (${location}indices/[^/]+/0/)`).exec(readBack)![1]
          const all = await keysUnder(bucket, '', store)
          assert.ok(
            all.some((key) => new RegExp(`^${shardDirectory}snap-[^/]+\\.dat$`).test(key)),
            all.join(', '),
          )
          assert.ok(
            all.some((key) => key.startsWith(`${shardDirectory}__`)),
            all.join(', '),
          )
          assert.deepEqual(
            all.filter((key) => !key.startsWith(`${basePath}/`)),
            [],
            'nothing under a hashed prefix outside the base path',
          )
        } finally {
          await clean(repository, outcome)
        }
      })

      it('a release whose backfill has no OpenSearch 3.x reader fails step 1, naming the release and what it reads', async () => {
        const outcome = await run([], homeWith('3.1.1'))
        assert.equal(outcome.exitCode, 1, outcome.stdout + outcome.stderr)
        const report = JSON.parse(outcome.stdout).result
        const cluster = step(report, 'cluster')
        assert.equal(cluster.diagnosis.code, 'backfill-version-unsupported')
        assert.match(
          cluster.detail,
          /Migration Assistant 3\.1\.1 has no snapshot reader for opensearch 3\.6\.\d+; it reads .*OpenSearch 2\.x/,
        )
        assert.deepEqual(
          report.steps
            .filter((candidate: {status: string}) => candidate.status === 'passed')
            .map((s: {name: string}) => s.name),
          ['cleanup'],
        )
      })
    })

  it('OpenSearch 3.6 on a shared filesystem passes: there the backfill follows snapshot_shard_paths/', async () => {
    const file = services(`backfill-fs-os-${uniqueSuffix()}`, local.opensearch)
    const location = path.join(local.fsRepo, `backfill-os-${uniqueSuffix()}`)
    const outcome = await consoleOn(
      ['snapshot', 'verify', '--config-file', file, '--fs-path', location, '--create-test-index', '--json'],
      {HOME: home336},
    )
    assert.equal(outcome.exitCode, 0, outcome.stdout + outcome.stderr)
    const readBack = step(JSON.parse(outcome.stdout).result, 'read-back').detail
    assert.match(readBack, /hashed prefix, found through snapshot_shard_paths/)
    assert.match(readBack, /SnapshotReader_ES_9_0, shared filesystem\) finds all/)
  })

  it('Elasticsearch 7.10 on a shared filesystem passes as before, read by SnapshotReader_ES_7_10', async function () {
    if (!local.elasticsearch) {
      console.log('      Elasticsearch is not running here (ELASTICSEARCH_URL unset): skipped')
      this.skip()
    }

    const file = services(`backfill-fs-es-${uniqueSuffix()}`, local.elasticsearch!)
    const location = path.join(local.fsRepo, `backfill-es-${uniqueSuffix()}`)
    const outcome = await consoleOn(
      ['snapshot', 'verify', '--config-file', file, '--fs-path', location, '--create-test-index', '--json'],
      {HOME: home336},
    )
    assert.equal(outcome.exitCode, 0, outcome.stdout + outcome.stderr)
    const report = JSON.parse(outcome.stdout).result
    assert.match(step(report, 'cluster').detail, /SnapshotReader_ES_7_10/)
    assert.match(step(report, 'read-back').detail, /SnapshotReader_ES_7_10, shared filesystem\) finds all/)
  })
})
