import nock from 'nock'
import {strict as assert} from 'node:assert'

import {Locations} from '../../src/location/open.js'
import {createS3Client} from '../../src/store/s3.js'
import {removeVerificationResources} from '../../src/verify/cleanup.js'
import {stepNamed, verifyOnFakes} from '../helpers/domain.js'
import {FakeCluster} from '../helpers/fake-cluster.js'
import {FakeS3} from '../helpers/fake-s3.js'

function registerOn(cluster: FakeCluster) {
  cluster.repositories.set('verify_late', {
    settings: {base_path: 'base/verify_late', bucket: 'migration-bucket'},
    type: 's3',
  })
  cluster.snapshots.set('verify_late', new Map())
}

/** A run whose registration request never gets an answer (the connection is cut on every attempt). */
async function runWithUnansweredRegistration(carriedOutLater: boolean) {
  const s3 = new FakeS3().addBucket('migration-bucket')
  const cluster = new FakeCluster('http://source.test:9200', s3)
  nock(cluster.endpoint)
    .persist()
    .put('/_snapshot/verify_late')
    .query(true)
    .reply((uri, body, callback) => {
      // The cluster carries out the request whose answer is then cut.
      if (carriedOutLater) registerOn(cluster)
      callback!(Object.assign(new Error('socket hang up'), {code: 'ECONNRESET'}), [0, ''])
    })
  const {client, journal, report} = await verifyOnFakes(cluster, {name: 'late', s3})
  return {client, cluster, journal, report, s3}
}

describe('a registration sent and never answered is not called removed', () => {
  it('cleanup names it as possibly carried out later, keeps the journal entry, and a later repo clean of the entry finishes', async () => {
    const {client, cluster, journal, report, s3} = await runWithUnansweredRegistration(false)
    assert.equal(stepNamed(report, 'repository').status, 'failed')
    const cleanup = stepNamed(report, 'cleanup')
    assert.equal(cleanup.status, 'failed')
    assert.match(cleanup.detail, /repository verify_late: its registration was sent and never answered/)
    assert.match(cleanup.detail, /console repo clean/)
    assert.doesNotMatch(cleanup.detail, /removed .*repository verify_late/)
    const [entry] = await journal.entries()
    assert.equal(entry.runId, 'late', 'the journal entry is kept for repo clean')
    assert.equal(entry.registrationAnswered, false)

    // Later, the registration the cluster carried out after the run is found and taken back.
    registerOn(cluster)
    const later = await removeVerificationResources(entry, {
      cluster: client,
      locations: new Locations(() => createS3Client({endpoint: s3.endpoint, region: 'us-east-1'})),
    })
    assert.deepEqual(later.leftovers, [])
    assert.ok(later.removed.includes('repository verify_late'), later.removed.join('; '))
    assert.equal(cluster.repositories.has('verify_late'), false)
  })

  it('when the cluster did carry it out, cleanup removes it and says so', async () => {
    const {cluster, report} = await runWithUnansweredRegistration(true)
    const cleanup = stepNamed(report, 'cleanup')
    assert.equal(cleanup.status, 'passed', cleanup.detail)
    assert.match(cleanup.detail, /repository verify_late/)
    assert.equal(cluster.repositories.has('verify_late'), false)
  })
})
