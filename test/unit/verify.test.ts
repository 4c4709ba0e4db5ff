import nock from 'nock'
import {strict as assert} from 'node:assert'
import {existsSync, mkdtempSync, readdirSync, readFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'

import type {RepositoryStorage} from '../../src/services/model.js'
import type {JournalEntry} from '../../src/verify/journal.js'

import {createClusterClient} from '../../src/cluster/client.js'
import {Journal} from '../../src/journal.js'
import {Locations} from '../../src/location/open.js'
import {createS3Client} from '../../src/store/s3.js'
import {runVerification} from '../../src/verify/run.js'
import {stepNamed, testVerifyRequest} from '../helpers/domain.js'
import {FakeCluster} from '../helpers/fake-cluster.js'
import {FakeS3} from '../helpers/fake-s3.js'
import {closedPort} from '../helpers/faulty-server.js'
import {localFixture} from '../helpers/paths.js'

const FAST_RETRY = {baseDelayMs: 1, maxDelayMs: 5, retries: 2}
const s3Storage = (overrides: Partial<Extract<RepositoryStorage, {kind: 's3'}>> = {}): RepositoryStorage => ({
  basePath: 'rfs-snapshot-repo',
  bucket: 'migration-bucket',
  endpoint: 'http://s3.test:9000',
  kind: 's3',
  region: 'us-east-1',
  ...overrides,
})

function setup(
  storage: RepositoryStorage = s3Storage(),
  options: {clusterAuthKind?: string; createBucket?: boolean; keep?: boolean; signal?: AbortSignal} = {},
) {
  const s3 = new FakeS3()
  const cluster = new FakeCluster('http://source.test:9200', s3)
  const journal = new Journal<JournalEntry>(
    path.join(mkdtempSync(path.join(tmpdir(), 'journal-')), 'verify-journal.json'),
  )
  const request = {
    clusterAuthKind: options.clusterAuthKind,
    createBucket: options.createBucket ?? false,
    keep: options.keep ?? false,
    repository: 'verify_test',
    runId: 'test',
    snapshot: 'verify_snapshot_test',
    storage,
  }
  const run = () => {
    cluster.install()
    s3.install()
    return runVerification(request, {
      cluster: createClusterClient(
        {allowInsecure: false, auth: {kind: 'none'}, endpoint: cluster.endpoint},
        {retry: FAST_RETRY},
      ),
      journal,
      locations: new Locations(() => createS3Client(storage as Extract<RepositoryStorage, {kind: 's3'}>)),
      signal: options.signal,
    })
  }

  return {cluster, journal, run, s3}
}

const statuses = (report: {steps: {name: string; status: string}[]}) =>
  report.steps.map((step) => `${step.name}:${step.status}`)

describe('snapshot verify', () => {
  it('passes all eight steps against a healthy cluster and bucket, and leaves nothing behind', async () => {
    const {cluster, journal, run, s3} = setup()
    s3.addBucket('migration-bucket')
    s3.put('migration-bucket', 'rfs-snapshot-repo/index-4', 'the migration repository, not ours')
    const report = await run()
    assert.deepEqual(statuses(report), [
      'cluster:passed',
      'plugin:passed',
      'bucket:passed',
      'fresh:passed',
      'access:passed',
      'index:skipped',
      'repository:passed',
      'snapshot:passed',
      'in-bucket:passed',
      'read-back:skipped',
      'cleanup:passed',
    ])
    assert.equal(report.exitCode, 0)
    const registration = cluster.requests.find(
      (request) => request.method === 'PUT' && request.path === '/_snapshot/verify_test',
    )
    assert.deepEqual(registration?.body, {
      settings: {
        base_path: 'rfs-snapshot-repo/verify_test',
        bucket: 'migration-bucket',
        compress: false,
        endpoint: 'http://s3.test:9000',
        region: 'us-east-1',
      },
      type: 's3',
    })
    assert.deepEqual(
      cluster.requests.find((request) => request.path === '/_snapshot/verify_test/verify_snapshot_test')?.body,
      {
        ignore_unavailable: true,
        include_global_state: true,
        indices: '-*',
      },
    )
    assert.equal(cluster.repositories.size, 0, 'test repository unregistered')
    assert.deepEqual(
      s3.keys('migration-bucket'),
      ['rfs-snapshot-repo/index-4'],
      'only the migration repository remains',
    )
    assert.ok(
      s3.calls.some((call) => call.startsWith('PUT migration-bucket/rfs-snapshot-repo/verify_test/verify-probe')),
      'probe written',
    )
    assert.deepEqual(await journal.entries(), [])
    assert.match(
      stepNamed(report, 'in-bucket').detail,
      /index-\d+ lists it as success; snap-.*\.dat, meta-.*\.dat present/,
    )
  })

  it('fails at step 2 naming the nodes without repository-s3, and sends nothing to the bucket', async () => {
    const {cluster, run, s3} = setup()
    cluster.nodes = [
      {name: 'data-1', plugins: ['repository-s3']},
      {name: 'data-2', plugins: []},
      {name: 'master-1', plugins: ['analysis-icu']},
    ]
    const report = await run()
    assert.deepEqual(statuses(report).slice(0, 3), ['cluster:passed', 'plugin:failed', 'bucket:skipped'])
    assert.equal(stepNamed(report, 'plugin').diagnosis?.code, 's3-plugin-missing')
    assert.match(stepNamed(report, 'plugin').detail, /missing on 2 of 3 node\(s\): data-2, master-1/)
    assert.equal(report.exitCode, 1)
    assert.deepEqual(s3.calls, [])
    assert.ok(!cluster.requestLines().some((line) => line.startsWith('PUT')), 'nothing registered')
  })

  for (const version of [
    {distribution: 'opensearch', number: '1.3.20'},
    {distribution: 'opensearch', number: '2.19.3'},
    {distribution: undefined, number: '6.8.23'},
    {distribution: undefined, number: '7.17.25'},
  ])
    it(`fails step 2 naming the node on a self-managed ${version.distribution ?? 'elasticsearch'} ${version.number} without repository-s3`, async () => {
      const {cluster, run, s3} = setup()
      s3.addBucket('migration-bucket')
      cluster.version = version
      cluster.nodes = [{name: 'n1', plugins: []}]
      const report = await run()
      assert.equal(stepNamed(report, 'plugin').status, 'failed')
      assert.match(stepNamed(report, 'plugin').detail, /missing on 1 of 1 node\(s\): n1/)
    })

  it('on a managed AWS domain (sigv4) lets the registration be the proof when the plugin list lacks it', async () => {
    const {cluster, run, s3} = setup(s3Storage(), {clusterAuthKind: 'sigv4'})
    s3.addBucket('migration-bucket')
    cluster.version = {distribution: 'opensearch', number: '2.19.0'}
    cluster.nodes = [{name: 'n1', plugins: []}]
    const report = await run()
    assert.equal(stepNamed(report, 'plugin').status, 'passed')
    assert.match(stepNamed(report, 'plugin').detail, /managed AWS domain: the registration in step 6 is the proof/)
  })

  it('counts repository-s3 listed as a module (Elasticsearch 8)', async () => {
    const {cluster, run, s3} = setup()
    s3.addBucket('migration-bucket')
    cluster.version = {distribution: undefined, number: '8.19.0'}
    cluster.nodes = [{modules: ['repository-s3'], name: 'n1', plugins: []}]
    const report = await run()
    assert.equal(stepNamed(report, 'plugin').status, 'passed', stepNamed(report, 'plugin').detail)
  })

  it('catches a bucket in another region before the cluster sees it', async () => {
    const {cluster, run, s3} = setup(s3Storage({region: 'us-west-2'}))
    s3.addBucket('migration-bucket', 'eu-central-1')
    const report = await run()
    assert.equal(stepNamed(report, 'bucket').status, 'failed')
    assert.equal(stepNamed(report, 'bucket').diagnosis?.code, 'bucket-region-mismatch')
    assert.match(stepNamed(report, 'bucket').diagnosis!.cause, /eu-central-1, not in us-west-2/)
    assert.ok(!cluster.requestLines().some((line) => line.startsWith('PUT /_snapshot')))
  })

  it('fails on a missing bucket with the command that creates it', async () => {
    const {run} = setup(s3Storage({region: 'eu-west-1'}))
    const report = await run()
    assert.equal(stepNamed(report, 'bucket').diagnosis?.code, 'bucket-missing')
    assert.match(
      stepNamed(report, 'bucket').diagnosis!.remediation,
      /--create-bucket-configuration LocationConstraint=eu-west-1/,
    )
  })

  it('creates a missing bucket with its LocationConstraint when asked, and deletes it afterwards', async () => {
    const {run, s3} = setup(s3Storage({region: 'eu-west-1'}), {createBucket: true})
    const report = await run()
    assert.equal(report.exitCode, 0, JSON.stringify(report.steps))
    assert.match(stepNamed(report, 'bucket').detail, /created s3:\/\/migration-bucket in eu-west-1/)
    assert.ok(s3.calls.includes('PUT migration-bucket'))
    assert.ok(s3.calls.includes('DELETE migration-bucket'), 'bucket it created is deleted')
    assert.equal(s3.buckets.size, 0)
  })

  it("diagnoses a registration the cluster's credentials cannot write, and still cleans up", async () => {
    const {cluster, run, s3} = setup()
    s3.addBucket('migration-bucket')
    const body = JSON.parse(readFileSync(localFixture('responses', 'shared-s3-access-denied.json'), 'utf8'))
    cluster.override('PUT', /^\/_snapshot\/verify_test$/, [500, body])
    const report = await run()
    assert.equal(stepNamed(report, 'repository').status, 'failed')
    assert.equal(stepNamed(report, 'repository').diagnosis?.code, 'cluster-s3-access-denied')
    assert.equal(stepNamed(report, 'cleanup').status, 'passed')
    assert.equal(
      cluster.requests.filter((request) => request.path === '/_snapshot/verify_test' && request.method === 'PUT')
        .length,
      1,
      'a structured 500 is not retried',
    )
    assert.deepEqual(s3.keys('migration-bucket'), [])
  })

  it('fails step 7 when the cluster says success but the bucket does not hold the snapshot', async () => {
    const {cluster, run, s3} = setup()
    s3.addBucket('migration-bucket')
    cluster.writesFiles = false
    const report = await run()
    assert.equal(stepNamed(report, 'snapshot').status, 'passed')
    assert.equal(stepNamed(report, 'in-bucket').status, 'failed')
    assert.equal(stepNamed(report, 'in-bucket').diagnosis?.code, 'snapshot-not-in-bucket')
    assert.match(
      stepNamed(report, 'in-bucket').detail,
      /no index-N file under s3:\/\/migration-bucket\/rfs-snapshot-repo\/verify_test\//,
    )
  })

  it('keeps everything with --keep and records it in the journal', async () => {
    const {cluster, journal, run, s3} = setup(s3Storage(), {keep: true})
    s3.addBucket('migration-bucket')
    const report = await run()
    assert.equal(report.exitCode, 0)
    assert.equal(stepNamed(report, 'cleanup').status, 'skipped')
    assert.ok(cluster.repositories.has('verify_test'))
    assert.ok(
      s3
        .keys('migration-bucket', 'rfs-snapshot-repo/verify_test/')
        .some((key) => key.startsWith('rfs-snapshot-repo/verify_test/snap-')),
    )
    const [entry] = await journal.entries()
    assert.equal(entry.kept, true)
    assert.equal(entry.repository, 'verify_test')
  })

  it('cleans up and ends with 130 when interrupted mid-run', async () => {
    const controller = new AbortController()
    const {cluster, journal, run, s3} = setup(s3Storage(), {signal: controller.signal})
    s3.addBucket('migration-bucket')
    s3.faults.push((method, bucket, key) => {
      if (method === 'PUT' && key.endsWith('verify-probe')) setTimeout(() => controller.abort(), 0)
      return undefined
    })
    const report = await run()
    assert.equal(report.interrupted, true)
    assert.equal(report.exitCode, 130)
    assert.equal(report.steps.at(-1)?.status, 'passed')
    assert.equal(cluster.repositories.size, 0)
    assert.deepEqual(s3.keys('migration-bucket'), [])
    assert.deepEqual(await journal.entries(), [])
  })

  it('verifies an fs repository by reading the shared path, skipping the S3 steps', async () => {
    const shared = mkdtempSync(path.join(tmpdir(), 'fs-repo-'))
    const {cluster, run} = setup({kind: 'fs', path: shared})
    cluster.pathRepo = [shared]
    const report = await run()
    assert.deepEqual(statuses(report), [
      'cluster:passed',
      'plugin:skipped',
      'bucket:skipped',
      'fresh:passed',
      'access:skipped',
      'index:skipped',
      'repository:passed',
      'snapshot:passed',
      'in-bucket:passed',
      'read-back:skipped',
      'cleanup:passed',
    ])
    assert.deepEqual(
      cluster.requests.find((request) => request.method === 'PUT' && request.path === '/_snapshot/verify_test')?.body,
      {settings: {compress: false, location: `${shared}/verify_test`}, type: 'fs'},
    )
    assert.equal(existsSync(path.join(shared, 'verify_test')), false)
    assert.deepEqual(readdirSync(shared), [])
  })

  it('a refusal to register over an existing repository is exit 2 and says to choose another name or leave it out', async () => {
    const {cluster, run, s3} = setup()
    s3.addBucket('migration-bucket')
    cluster.repositories.set('verify_test', {settings: {bucket: 'other'}, type: 's3'})
    const step = stepNamed(await run(), 'repository')
    assert.equal(step.exitCode, 2)
    assert.equal(
      step.diagnosis?.remediation,
      'choose another --repository name, or leave it out for a fresh verify_… name',
    )
  })

  it('refuses to register over a repository that already exists', async () => {
    const {cluster, run, s3} = setup()
    s3.addBucket('migration-bucket')
    cluster.repositories.set('verify_test', {settings: {bucket: 'other'}, type: 's3'})
    const report = await run()
    assert.equal(stepNamed(report, 'repository').status, 'failed')
    assert.match(stepNamed(report, 'repository').detail, /already registered/)
    assert.deepEqual(
      cluster.repositories.get('verify_test'),
      {settings: {bucket: 'other'}, type: 's3'},
      'the existing registration is untouched',
    )
  })

  it('stops when another run already owns the test location (conditional write of verify-owner refused), touching nothing there', async () => {
    const {cluster, journal, run, s3} = setup()
    s3.addBucket('migration-bucket')
    s3.faults.push((method, bucket, key) =>
      method === 'PUT' && key.endsWith('/verify-owner')
        ? [
            412,
            '<?xml version="1.0"?><Error><Code>PreconditionFailed</Code><Message>At least one of the pre-conditions you specified did not hold</Message></Error>',
          ]
        : undefined,
    )
    const report = await run()
    assert.equal(stepNamed(report, 'access').status, 'failed')
    assert.match(stepNamed(report, 'access').detail, /verify-owner was written by another verify run/)
    assert.equal(stepNamed(report, 'cleanup').status, 'passed')
    assert.ok(!s3.calls.some((call) => call.startsWith('DELETE') || call.startsWith('POST')), s3.calls.join('\n'))
    assert.ok(!cluster.requestLines().some((line) => line.startsWith('PUT')))
    assert.deepEqual(await journal.entries(), [])
  })

  it("goes on by the cluster's path when the console's own credentials may not write: the console writes nothing, and the cleanup names what stays", async () => {
    const {cluster, journal, run, s3} = setup()
    s3.addBucket('migration-bucket')
    s3.faults.push((method, bucket, key) =>
      (method === 'PUT' || method === 'DELETE' || method === 'DELETE-KEY') && key
        ? [403, '<?xml version="1.0"?><Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>']
        : undefined,
    )
    const report = await run()
    assert.equal(stepNamed(report, 'access').status, 'passed')
    assert.match(stepNamed(report, 'access').detail, /the console may only read/)
    assert.ok(cluster.requestLines().some((line) => line.startsWith('PUT /_snapshot/verify_test')))
    assert.equal(stepNamed(report, 'cleanup').status, 'passed')
    const left = s3.keys('migration-bucket')
    assert.match(stepNamed(report, 'cleanup').detail, new RegExp(`left behind: ${left.length} object`))
    assert.deepEqual(await journal.entries(), [])
  })

  it('fails step 6 on a running snapshot, says so, and unregisters the test repository', async () => {
    const {cluster, run, s3} = setup()
    s3.addBucket('migration-bucket')
    cluster.override('PUT', /^\/_snapshot\/verify_test\/verify_snapshot_test$/, [
      503,
      {
        error: {
          reason: '[verify_test:verify_snapshot_test] a snapshot is already running',
          type: 'concurrent_snapshot_execution_exception',
        },
        status: 503,
      },
    ])
    const report = await run()
    assert.equal(stepNamed(report, 'snapshot').status, 'failed')
    assert.equal(stepNamed(report, 'snapshot').diagnosis?.code, 'snapshot-running')
    assert.equal(cluster.repositories.size, 0)
    assert.deepEqual(s3.keys('migration-bucket'), [])
  })

  it('fails step 1 when nothing listens at the endpoint, and skips the rest', async () => {
    const endpoint = await closedPort()
    const journal = new Journal<JournalEntry>(
      path.join(mkdtempSync(path.join(tmpdir(), 'journal-')), 'verify-journal.json'),
    )
    try {
      const report = await runVerification(testVerifyRequest(s3Storage()), {
        cluster: createClusterClient({allowInsecure: false, auth: {kind: 'none'}, endpoint}, {retry: FAST_RETRY}),
        journal,
        locations: new Locations(() => createS3Client(s3Storage() as never)),
      })
      assert.deepEqual(statuses(report), [
        'cluster:failed',
        'plugin:skipped',
        'bucket:skipped',
        'fresh:skipped',
        'access:skipped',
        'index:skipped',
        'repository:skipped',
        'snapshot:skipped',
        'in-bucket:skipped',
        'read-back:skipped',
        'cleanup:passed',
      ])
      assert.equal(stepNamed(report, 'cluster').diagnosis?.code, 'cluster-refused')
    } finally {
      nock.disableNetConnect()
    }
  })

  it('records a cleanup it could not finish in the journal for `console repo clean`', async () => {
    const {cluster, journal, run, s3} = setup()
    s3.addBucket('migration-bucket')
    cluster.override('DELETE', /^\/_snapshot\/verify_test$/, [500, 'proxy error'])
    const report = await run()
    assert.equal(report.exitCode, 1)
    assert.equal(stepNamed(report, 'cleanup').status, 'failed')
    assert.equal(stepNamed(report, 'cleanup').diagnosis?.code, 'cleanup-incomplete')
    assert.ok(report.leftovers.some((leftover) => leftover.startsWith('repository verify_test')))
    const [entry] = await journal.entries()
    assert.equal(entry.repository, 'verify_test')
    assert.equal(entry.repositoryRegistered, true)
  })
})
