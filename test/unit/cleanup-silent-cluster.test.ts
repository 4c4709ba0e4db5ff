import {strict as assert} from 'node:assert'
import {mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'

import type {ClusterClient, ClusterRequest} from '../../src/cluster/client.js'
import type {JournalEntry} from '../../src/verify/journal.js'

import {boundedCluster} from '../../src/cluster/bounded.js'
import {createClusterClient} from '../../src/cluster/client.js'
import {Journal} from '../../src/journal.js'
import {Locations} from '../../src/location/open.js'
import {createS3Client} from '../../src/store/s3.js'
import {removeVerificationResources} from '../../src/verify/cleanup.js'
import {runVerification} from '../../src/verify/run.js'
import {FAST_RETRY, stepNamed, testVerifyRequest} from '../helpers/domain.js'
import {FakeCluster} from '../helpers/fake-cluster.js'
import {FakeS3} from '../helpers/fake-s3.js'
import {faultyServer} from '../helpers/faulty-server.js'

const storage = {
  basePath: 'base',
  bucket: 'migration-bucket',
  endpoint: 'http://s3.test:9000',
  kind: 's3' as const,
  region: 'us-east-1',
}
const clientOf = (endpoint: string) =>
  createClusterClient({allowInsecure: false, auth: {kind: 'none'}, endpoint}, {retry: FAST_RETRY})

describe('cleanup is bounded when the cluster goes silent', () => {
  it("a cleanup call the cluster never answers ends within its wait, names the console's route to the cluster, removes nothing and sends nothing more", async () => {
    const silent = await faultyServer(['hang'])
    try {
      const entry: JournalEntry = {
        clusterEndpoint: silent.url,
        repository: 'verify_silent',
        repositoryRegistered: true,
        runId: 'silent',
        snapshot: 'verify_snapshot_silent',
        snapshotStarted: true,
        startedAt: new Date().toISOString(),
        storage: {bucket: 'migration-bucket', kind: 's3', prefix: 'base/verify_silent', region: 'us-east-1'},
      }
      const started = Date.now()
      const result = await removeVerificationResources(entry, {
        cluster: boundedCluster(clientOf(silent.url), 400),
        locations: new Locations(() => createS3Client(storage)),
      })
      const elapsed = Date.now() - started
      // One call and its retry (400 ms each), then GET / (at most 400 ms): about 1.2 s; nothing waits after.
      assert.ok(elapsed < 3000, `cleanup took ${elapsed} ms`)
      assert.deepEqual(result.removed, [])
      assert.equal(result.leftovers.length, 1, result.leftovers.join('\n'))
      assert.match(
        result.leftovers[0],
        new RegExp(
          `got no answer within 400 ms, and the cluster at ${silent.url} no longer answers GET / either: the console's route to the cluster is silent`,
        ),
      )
      assert.equal(silent.connections(), 3, 'the call, its one retry and GET /: nothing more once silence is named')
    } finally {
      await silent.close()
    }
  })

  it('a cluster that goes silent after the snapshot: verify ends cleanup within its wait naming the route, and the journal keeps what is left for `console repo clean`', async () => {
    const s3 = new FakeS3()
    s3.addBucket('migration-bucket')
    const fake = new FakeCluster('http://source.test:9200', s3)
    const answering = clientOf(fake.endpoint)
    const silent = await faultyServer(['hang'])
    const hanging = clientOf(silent.url)
    let snapshotTaken = false
    // The cluster answers until the test snapshot is taken, then never again (its route from the console is cut).
    const cluster: ClusterClient = {
      endpoint: fake.endpoint,
      async send<T>(request: ClusterRequest, signal?: AbortSignal) {
        if (snapshotTaken) return hanging.send<T>(request, signal)
        const answer = await answering.send<T>(request, signal)
        if (request.method === 'PUT' && request.path.endsWith('/verify_snapshot_test')) snapshotTaken = true
        return answer
      },
    }
    const journal = new Journal<JournalEntry>(
      path.join(mkdtempSync(path.join(tmpdir(), 'journal-')), 'verify-journal.json'),
    )
    try {
      fake.install()
      s3.install()
      const report = await runVerification(testVerifyRequest({...storage, endpoint: s3.endpoint}), {
        cleanupCallWaitMs: 400,
        cluster,
        journal,
        locations: new Locations(() => createS3Client({...storage, endpoint: s3.endpoint})),
      })
      assert.equal(stepNamed(report, 'snapshot').status, 'passed')
      const cleanup = stepNamed(report, 'cleanup')
      assert.equal(cleanup.status, 'failed')
      assert.ok((cleanup.durationMs ?? 0) < 3000, `cleanup took ${cleanup.durationMs} ms`)
      assert.match(cleanup.detail, /the console's route to the cluster is silent/)
      assert.equal(cleanup.diagnosis?.code, 'cleanup-incomplete')
      assert.match(cleanup.diagnosis!.remediation, /console repo clean/)
      // The truth beside it: the cluster still holds the registration and the snapshot, and the journal says so.
      assert.ok(fake.repositories.has('verify_test'))
      const [entry] = await journal.entries()
      assert.equal(entry.repository, 'verify_test')
      assert.equal(entry.repositoryRegistered, true)
      assert.equal(entry.snapshotStarted, true)
    } finally {
      await silent.close()
    }
  })
})
