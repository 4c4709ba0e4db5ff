import nock from 'nock'
import {strict as assert} from 'node:assert'
import {mkdtempSync} from 'node:fs'
import {createServer} from 'node:https'
import {tmpdir} from 'node:os'
import path from 'node:path'

import type {RepositoryStorage} from '../../src/services/model.js'
import type {JournalEntry} from '../../src/verify/journal.js'

import {createClusterClient} from '../../src/cluster/client.js'
import {Journal} from '../../src/journal.js'
import {Locations} from '../../src/location/open.js'
import {createS3Client} from '../../src/store/s3.js'
import {cleanInterruptedRuns} from '../../src/verify/interrupted-runs.js'
import {runVerification} from '../../src/verify/run.js'
import {VERIFY_STEPS} from '../../src/verify/steps.js'
import {FAST_RETRY, stepNamed} from '../helpers/domain.js'
import {FakeCluster} from '../helpers/fake-cluster.js'
import {FakeS3} from '../helpers/fake-s3.js'
import {selfSignedCertificate} from '../helpers/tls.js'

const storage: RepositoryStorage = {
  basePath: 'rfs',
  bucket: 'migration-bucket',
  endpoint: 'http://s3.test:9000',
  kind: 's3',
  region: 'us-east-1',
}
const request = {
  createBucket: true,
  keep: false,
  repository: 'verify_fault',
  runId: 'fault',
  snapshot: 'verify_snapshot_fault',
  storage,
}

function world() {
  const s3 = new FakeS3()
  const cluster = new FakeCluster('http://source.test:9200', s3)
  cluster.install()
  s3.install()
  const journal = new Journal<JournalEntry>(
    path.join(mkdtempSync(path.join(tmpdir(), 'faults-')), 'verify-journal.json'),
  )
  const client = createClusterClient(
    {allowInsecure: false, auth: {kind: 'none'}, endpoint: cluster.endpoint},
    {retry: FAST_RETRY},
  )
  const s3Client = () => createS3Client(storage as Extract<RepositoryStorage, {kind: 's3'}>)
  return {client, cluster, journal, s3, s3Client}
}

/** Everything a verify run can create, as found in the fake cluster and store afterwards. */
function leftovers(s3: FakeS3, cluster: FakeCluster): string[] {
  return [
    ...[...cluster.repositories.keys()].map((name) => `repository ${name}`),
    ...[...s3.buckets.keys()].map((name) => `bucket ${name}`),
    ...[...s3.buckets.keys()].flatMap((name) => s3.keys(name).map((key) => `object ${name}/${key}`)),
  ]
}

describe('faults', () => {
  // The read-back needs real shard files, which the fake cluster does not write: that an interrupt ends
  // it with an error, never with a partial "pass", is tested on real shard files (shard-snapshot.test.ts).
  for (const step of VERIFY_STEPS.filter((candidate) => candidate.name !== 'read-back'))
    it(`Ctrl-C during step "${step.name}" ends with 130 and leaves nothing behind`, async () => {
      const {client, cluster, journal, s3, s3Client} = world()
      const controller = new AbortController()
      const report = await runVerification(
        request,
        {cluster: client, journal, locations: new Locations(s3Client), signal: controller.signal},
        {
          onStepStart: (started) => started.name === step.name && controller.abort(),
        },
      )
      assert.equal(report.exitCode, 130)
      assert.equal(report.interrupted, true)
      assert.deepEqual(leftovers(s3, cluster), [])
      assert.deepEqual(await journal.entries(), [])
    })

  it('the cluster going away between registration and snapshot: the journal keeps what was left, repo clean removes it later', async () => {
    const {client, cluster, journal, s3, s3Client} = world()
    s3.addBucket('migration-bucket')
    // Gone: every request after the registration fails as a dead proxy would answer.
    cluster.override('PUT', /verify_snapshot_fault$/, [503, 'upstream gone'])
    cluster.override('DELETE', /.*/, [503, 'upstream gone'])
    const report = await runVerification(
      {...request, createBucket: false},
      {cluster: client, journal, locations: new Locations(s3Client)},
    )
    assert.equal(report.exitCode, 1)
    assert.equal(stepNamed(report, 'snapshot').status, 'failed')
    assert.equal(stepNamed(report, 'cleanup').status, 'failed')
    assert.ok(
      report.leftovers.some((leftover) => leftover.startsWith('snapshot verify_snapshot_fault')),
      report.leftovers.join('; '),
    )
    assert.ok(
      report.leftovers.some((leftover) => leftover.startsWith('files of repository verify_fault')),
      report.leftovers.join('; '),
    )
    assert.equal((await journal.entries())[0]?.repository, 'verify_fault')

    cluster.overrides.length = 0
    const cleaned = await cleanInterruptedRuns(
      {deleteBucket: false, dryRun: false, force: false},
      {
        cleanJournal: new Journal(`${journal.file}.clean`),
        cluster: client,
        confirm: async () => true,
        locations: new Locations(s3Client),
        verifyJournal: journal,
      },
    )
    assert.equal(cleaned.exitCode, 0, JSON.stringify(cleaned.steps))
    assert.deepEqual(leftovers(s3, cluster), ['bucket migration-bucket'])
    assert.deepEqual(await journal.entries(), [])
  })

  it('503 from the cluster is retried with backoff, then reported with its diagnosis', async () => {
    const {client, cluster, journal, s3, s3Client} = world()
    s3.addBucket('migration-bucket')
    cluster.override('GET', /^\/_nodes\/plugins$/, [503, 'busy'], 2)
    const report = await runVerification(
      {...request, createBucket: false},
      {cluster: client, journal, locations: new Locations(s3Client)},
    )
    assert.equal(report.exitCode, 0, 'two 503s are absorbed by the retries')
    assert.equal(cluster.requestLines().filter((line) => line === 'GET /_nodes/plugins').length, 3)
  })

  it('S3 SlowDown on every attempt ends the bucket step with the throttling diagnosis', async () => {
    const {client, cluster, journal, s3} = world()
    s3.addBucket('migration-bucket')
    s3.faults.push((method, bucket, key) =>
      method === 'PUT' && key
        ? [503, '<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>']
        : undefined,
    )
    const report = await runVerification(
      {...request, createBucket: false},
      {
        cluster: client,
        journal,
        locations: new Locations(() => createS3Client({endpoint: s3.endpoint, region: 'us-east-1'}, {maxAttempts: 2})),
      },
    )
    assert.equal(stepNamed(report, 'access').status, 'failed')
    assert.equal(stepNamed(report, 'access').diagnosis?.code, 's3-slow-down')
    assert.deepEqual(leftovers(s3, cluster), ['bucket migration-bucket'])
  })

  it('a DNS failure is diagnosed as such', async () => {
    nock.enableNetConnect('no-such-host.invalid')
    try {
      const journal = new Journal<JournalEntry>(
        path.join(mkdtempSync(path.join(tmpdir(), 'faults-')), 'verify-journal.json'),
      )
      const client = createClusterClient(
        {allowInsecure: false, auth: {kind: 'none'}, endpoint: 'http://no-such-host.invalid:9200'},
        {retry: FAST_RETRY},
      )
      const report = await runVerification(request, {
        cluster: client,
        journal,
        locations: new Locations(() => createS3Client(storage as never)),
      })
      assert.equal(stepNamed(report, 'cluster').diagnosis?.code, 'cluster-dns')
    } finally {
      nock.disableNetConnect()
    }
  })

  describe('TLS', () => {
    let server: ReturnType<typeof createServer>
    let endpoint: string

    before(async function () {
      const certificate = selfSignedCertificate()
      if (!certificate) {
        console.log('      skipped: openssl is not available to make a self-signed certificate')
        this.skip()
      }

      server = createServer({cert: certificate!.cert, key: certificate!.key}, (incoming, answer) => {
        answer.setHeader('content-type', 'application/json')
        answer.end(JSON.stringify({version: {distribution: 'opensearch', number: '2.19.1'}}))
      })
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
      endpoint = `https://127.0.0.1:${(server.address() as {port: number}).port}`
    })

    beforeEach(() => nock.enableNetConnect('127.0.0.1'))

    after(() => {
      server?.close()
      nock.disableNetConnect()
    })

    it('refuses a self-signed certificate and suggests allow_insecure, saying what it means', async () => {
      const client = createClusterClient({allowInsecure: false, auth: {kind: 'none'}, endpoint}, {retry: FAST_RETRY})
      const journal = new Journal<JournalEntry>(
        path.join(mkdtempSync(path.join(tmpdir(), 'faults-')), 'verify-journal.json'),
      )
      const report = await runVerification(request, {
        cluster: client,
        journal,
        locations: new Locations(() => createS3Client(storage as never)),
      })
      assert.equal(stepNamed(report, 'cluster').diagnosis?.code, 'tls-untrusted')
      assert.match(stepNamed(report, 'cluster').diagnosis!.remediation, /allow_insecure: true.*impersonate/)
    })

    it('accepts it with allow_insecure', async () => {
      const client = createClusterClient({allowInsecure: true, auth: {kind: 'none'}, endpoint}, {retry: FAST_RETRY})
      const answer = await client.send({idempotent: true, method: 'GET', path: '/'})
      assert.equal(answer.status, 200)
    })
  })
})
