import nock from 'nock'
import {strict as assert} from 'node:assert'

import {stepNamed, verifyOnFakes} from '../helpers/domain.js'
import {FakeCluster} from '../helpers/fake-cluster.js'
import {FakeS3} from '../helpers/fake-s3.js'

const HELD = 60_000

/** A verify run whose cluster holds the requests `hold` sets up (registered before the fake's own answers). */
async function verifyWhile(hold: (endpoint: string) => void) {
  const s3 = new FakeS3().addBucket('migration-bucket')
  const cluster = new FakeCluster('http://source.test:9200', s3)
  hold(cluster.endpoint)
  const started = Date.now()
  const {report} = await verifyOnFakes(cluster, {name: 'silent', nodesStoreWaitMs: 300, s3})
  return {cluster, elapsedMs: Date.now() - started, report, s3}
}

describe('every wait ends naming the silent side', () => {
  it("a verification the nodes never answer names the nodes' route to S3, and cleanup unregisters without waiting on S3", async function () {
    this.timeout(20_000)
    const {cluster, elapsedMs, report, s3} = await verifyWhile((endpoint) => {
      nock(endpoint)
        .post(/\/_verify$/)
        .delay(HELD)
        .reply(200, {})
      // Listing the repository's snapshots needs the nodes to read S3: it is held too.
      nock(endpoint).get('/_snapshot/verify_silent/_all').delay(HELD).reply(200, {snapshots: []})
    })
    const step = stepNamed(report, 'repository')
    assert.equal(step.status, 'failed')
    assert.match(
      step.detail,
      /did not come back within 0 s, while the cluster still answers the console: the nodes' route to S3 at http:\/\/s3\.test:9000 \(bucket migration-bucket\) is silent/,
    )
    assert.equal(step.diagnosis?.code, 'nodes-store-silent')
    assert.match(step.diagnosis?.remediation ?? '', /VPC gateway endpoint for S3/)
    const cleanup = stepNamed(report, 'cleanup')
    assert.equal(cleanup.status, 'passed', cleanup.detail)
    assert.match(cleanup.detail, /repository verify_silent/)
    assert.equal(cluster.repositories.has('verify_silent'), false, 'the registration is gone')
    assert.deepEqual(s3.keys('migration-bucket'), [])
    assert.ok(elapsedMs < 5000, `the run took ${elapsedMs} ms`)
  })

  it("a cluster that stops answering during the verification names the console's route to the cluster", async function () {
    this.timeout(20_000)
    const {report} = await verifyWhile((endpoint) => {
      nock(endpoint)
        .get('/')
        .reply(200, {cluster_name: 'fake', version: {number: '7.10.2'}})
      nock(endpoint)
        .post(/\/_verify$/)
        .delay(HELD)
        .reply(200, {})
      nock(endpoint).get('/').delay(HELD).reply(200, {})
    })
    const step = stepNamed(report, 'repository')
    assert.equal(step.status, 'failed')
    assert.equal(step.diagnosis?.code, 'cluster-silent')
    assert.match(step.detail, /the console's route to the cluster is silent/)
  })
})
