import nock from 'nock'
import {strict as assert} from 'node:assert'

import {stepNamed, verifyOnFakes} from '../helpers/domain.js'
import {FakeCluster} from '../helpers/fake-cluster.js'
import {FakeS3} from '../helpers/fake-s3.js'

const row = (index: string, status: string, health: string) => ({
  'docs.count': '5',
  health,
  index,
  pri: '1',
  'pri.store.size': '1000',
  status,
})

async function verifyWith(indices: ReturnType<typeof row>[], healthAfterWait: Record<string, string> = {}) {
  const s3 = new FakeS3().addBucket('migration-bucket')
  const cluster = new FakeCluster('http://source.test:9200', s3)
  cluster.indices = indices
  // What the cluster's health says after waiting a few seconds for red indices to get their primaries.
  nock(cluster.endpoint)
    .persist()
    .get(/^\/_cluster\/health\//)
    .query(true)
    .reply(200, {
      indices: Object.fromEntries(Object.entries(healthAfterWait).map(([name, status]) => [name, {status}])),
    })
  const {report} = await verifyOnFakes(cluster, {name: 'scope', s3})
  return {cluster, report, s3}
}

describe("verify checks the migration's snapshot scope (_all, not partial)", () => {
  it('an open index without an allocated primary fails step 1 naming it, before anything is written', async () => {
    const {cluster, report, s3} = await verifyWith(
      [row('healthy', 'open', 'green'), row('orders-2021', 'open', 'red')],
      {'orders-2021': 'red'},
    )
    const step = stepNamed(report, 'cluster')
    assert.equal(step.status, 'failed')
    assert.match(step.detail, /would fail at once: index orders-2021 has no allocated primary shard \(red\)/)
    assert.equal(step.diagnosis?.code, 'scope-primary-unallocated')
    assert.match(step.diagnosis?.cause ?? '', /Indices don't have primary shards \[orders-2021\]/)
    assert.match(step.diagnosis?.remediation ?? '', /_cluster\/allocation\/explain.*orders-2021/)
    assert.deepEqual(
      cluster.requests
        .filter((request) => request.method !== 'GET')
        .map((request) => `${request.method} ${request.path}`),
      [],
    )
    assert.deepEqual(s3.keys('migration-bucket'), [])
  })

  it('a yellow index (replica unassigned) passes: the snapshot needs primaries only', async () => {
    const {report} = await verifyWith([row('replicated', 'open', 'yellow')])
    assert.equal(stepNamed(report, 'cluster').status, 'passed')
    assert.match(stepNamed(report, 'cluster').detail, /covers 1 open index, each with its primaries allocated/)
  })

  it('a closed index is named as left out of the migration (the real snapshot skips it silently)', async () => {
    const {report} = await verifyWith([row('live', 'open', 'green'), row('archive-2019', 'close', 'green')])
    const step = stepNamed(report, 'cluster')
    assert.equal(step.status, 'passed')
    assert.match(step.detail, /closed, so left out of it \(not migrated\): archive-2019/)
  })

  it('an index red for a moment (just created, its primary starting) is not blamed: it is looked at again after a short wait', async () => {
    const {report} = await verifyWith([row('just-created', 'open', 'red')], {'just-created': 'green'})
    assert.equal(stepNamed(report, 'cluster').status, 'passed', stepNamed(report, 'cluster').detail)
  })
})
