import {strict as assert} from 'node:assert'

import {Locations} from '../../src/location/open.js'
import {cleanRepository} from '../../src/repository/clean.js'
import {cleanInterruptedRuns} from '../../src/verify/interrupted-runs.js'
import {fakeWorld, stepNamed} from '../helpers/domain.js'

const BUCKET = 'migration-bucket'

async function world() {
  const built = fakeWorld()
  await built.repositoryWithSnapshots('verify_1', BUCKET, 'rfs/verify_1', ['verify_snapshot_1'])
  const dependencies = {
    cleanJournal: built.cleanJournal,
    cluster: built.client,
    confirm: async () => true,
    locations: new Locations(built.s3Client),
  }
  const request = {deleteBucket: false, dryRun: false, force: false}
  const clean = (repository: string, force = false) => cleanRepository({...request, force, repository}, dependencies)
  const finishRuns = () => cleanInterruptedRuns(request, {...dependencies, verifyJournal: built.verifyJournal})
  const send = (method: string, url: string, body?: unknown) =>
    fetch(`${built.cluster.endpoint}${url}`, {
      body: body === undefined ? undefined : JSON.stringify(body),
      headers: {'content-type': 'application/json'},
      method,
    })
  const entry = (overrides: Record<string, unknown> = {}) => ({
    clusterEndpoint: built.cluster.endpoint,
    repository: 'verify_1',
    repositoryRegistered: true,
    runId: 'r1',
    snapshot: 'verify_snapshot_1',
    snapshotStarted: true,
    startedAt: '2026-12-01T00:00:00Z',
    storage: {
      bucket: BUCKET,
      endpoint: built.s3.endpoint,
      kind: 's3' as const,
      prefix: 'rfs/verify_1/',
      region: 'us-east-1',
    },
    ...overrides,
  })
  return {...built, clean, entry, finishRuns, send}
}

describe('deleting commands re-read the journal and the store before they finish anything', () => {
  describe('the journal licenses only what it recorded, re-read before it is finished', () => {
    it('a clean entry recorded for another location licenses nothing at the registration’s location now', async () => {
      const {clean, cleanJournal, cluster, s3} = await world()
      await cleanJournal.record({
        body: {settings: {base_path: 'elsewhere', bucket: BUCKET}, type: 's3'},
        identity: {bucket: BUCKET, kind: 's3', prefix: 'elsewhere/'},
        repository: 'verify_1',
        runId: 'clean_verify_1',
        startedAt: '2026-12-01T00:00:00Z',
      } as never)
      const before = s3.keys(BUCKET)
      const report = await clean('verify_1')
      assert.equal(report.exitCode, 2)
      assert.match(
        stepNamed(report, 'plan').detail,
        /was for s3:\/\/migration-bucket\/elsewhere\/.*licenses nothing there/,
      )
      assert.deepEqual(s3.keys(BUCKET), before)
      assert.ok(cluster.repositories.has('verify_1'))
    })

    it('an unregistered clean entry is not finished while index-N lists a snapshot: never removed as files', async () => {
      const {clean, cleanJournal, s3, send} = await world()
      await cleanJournal.record({
        body: {settings: {base_path: 'rfs/verify_1', bucket: BUCKET, endpoint: s3.endpoint}, type: 's3'},
        repository: 'verify_1',
        runId: 'clean_verify_1',
        startedAt: '2026-12-01T00:00:00Z',
      })
      await send('DELETE', '/_snapshot/verify_1')
      const before = s3.keys(BUCKET)
      const report = await clean('verify_1', true)
      assert.equal(report.exitCode, 2)
      assert.match(
        stepNamed(report, 'plan').detail,
        /lists 1 snapshot\(s\) \(verify_snapshot_1\); snapshots are deleted only through the cluster/,
      )
      assert.deepEqual(s3.keys(BUCKET), before)
      assert.equal((await cleanJournal.entries()).length, 1, 'left for --forget')
    })

    it('a verify entry whose name is registered elsewhere now: that registration is not DELETEd, nothing is', async () => {
      const {cluster, entry, finishRuns, s3, send, verifyJournal} = await world()
      await send('DELETE', '/_snapshot/verify_1/verify_snapshot_1')
      await send('DELETE', '/_snapshot/verify_1')
      await send('PUT', '/_snapshot/verify_1', {settings: {base_path: 'migration', bucket: BUCKET}, type: 's3'})
      await verifyJournal.record(entry())
      const before = s3.keys(BUCKET)
      const report = await finishRuns()
      assert.notEqual(report.exitCode, 0)
      assert.match(
        stepNamed(report, 'journal').detail,
        /verify_1 is now registered at s3:\/\/migration-bucket\/migration\/, not at the run's test location/,
      )
      assert.ok(cluster.repositories.has('verify_1'), 'still registered')
      assert.deepEqual(s3.keys(BUCKET), before)
      assert.equal((await verifyJournal.entries()).length, 1)
    })

    it('a kept verify repository that now holds a real snapshot is left alone', async () => {
      const {entry, finishRuns, s3, send, verifyJournal} = await world()
      await send('PUT', '/_snapshot/verify_1/real-migration?wait_for_completion=true', {indices: ''})
      await verifyJournal.record(entry({kept: true}))
      const before = s3.keys(BUCKET)
      const report = await finishRuns()
      assert.notEqual(report.exitCode, 0)
      assert.match(
        stepNamed(report, 'journal').detail,
        /holds snapshot\(s\) the verify run did not take \(real-migration\)/,
      )
      assert.deepEqual(s3.keys(BUCKET), before)
    })

    it('a test location another run’s marker claims is not touched', async () => {
      const {entry, finishRuns, s3, verifyJournal} = await world()
      s3.put(BUCKET, 'rfs/verify_1/verify-owner', 'console snapshot verify run someone-else\n')
      await verifyJournal.record(entry({ownerMarker: true}))
      const before = s3.keys(BUCKET)
      const report = await finishRuns()
      assert.notEqual(report.exitCode, 0)
      assert.match(stepNamed(report, 'journal').detail, /verify-owner names another run/)
      assert.deepEqual(s3.keys(BUCKET), before)
    })
  })

  describe('success only when the store agrees', () => {
    it('a deletion the store acknowledges but does not do fails the step, naming what remains', async () => {
      const {clean, s3} = await world()
      s3.retained.add('rfs/verify_1/index-1')
      const report = await clean('verify_1')
      assert.equal(report.exitCode, 1)
      assert.equal(stepNamed(report, 'objects').status, 'failed')
      assert.match(
        stepNamed(report, 'objects').detail,
        /still stored under s3:\/\/migration-bucket\/rfs\/verify_1\/ \(e\.g\. rfs\/verify_1\/index-1\)/,
      )
    })

    it('per-key errors without a VersionId in a versioned bucket are failures, not deletions', async () => {
      const {clean, s3} = await world()
      s3.addHistory(BUCKET, ['rfs/verify_1/index-1'])
      s3.faults.push((method, bucket, key) =>
        method === 'DELETE-KEY' && key === 'rfs/verify_1/index-1' ? [403, 'locked'] : undefined,
      )
      const report = await clean('verify_1')
      assert.equal(report.exitCode, 1)
      assert.match(
        stepNamed(report, 'objects').detail,
        /could not be deleted after 3 attempts, e\.g\. rfs\/verify_1\/index-1 version/,
      )
      assert.doesNotMatch(stepNamed(report, 'objects').detail, /deleted \d+ object/)
    })
  })
})
