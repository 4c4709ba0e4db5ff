import {strict as assert} from 'node:assert'

import {cleanRepository} from '../../src/repository/clean.js'
import {fakeWorld} from '../helpers/domain.js'

async function setup(snapshots: string[] = ['verify_snapshot_1'], basePath = 'rfs-snapshot-repo/verify_1') {
  const world = fakeWorld()
  await world.repositoryWithSnapshots('verify_1', 'migration-bucket', basePath, snapshots)
  // Neighbours that must survive: the migration's own files, another repository, its hashed shard data.
  world.s3.put('migration-bucket', 'rfs-snapshot-repo/index-7', 'the migration repository')
  world.s3.put('migration-bucket', 'other-repo/index-0', 'x')
  world.s3.put('migration-bucket', 'K00011001010101/other-repo/indices/abc/0/__data', 'x')
  world.cluster.requests.length = 0
  const confirmations: {message: string; typed?: string}[] = []
  const run = (options: {repository?: string; force?: boolean; dryRun?: boolean; deleteBucket?: boolean; answer?: boolean} = {}) =>
    cleanRepository(
      {repository: 'repository' in options ? options.repository : 'verify_1', force: options.force ?? false, dryRun: options.dryRun ?? false, deleteBucket: options.deleteBucket ?? false},
      {
        cluster: world.client,
        s3: world.s3Client,
        confirm: async (message, typed) => {
          confirmations.push({message, typed})
          return options.answer ?? true
        },
        verifyJournal: world.verifyJournal,
        cleanJournal: world.cleanJournal,
      },
    )
  const neighbours = () => world.s3.keys('migration-bucket').filter((key) => !key.includes('verify_1'))
  return {...world, confirmations, run, neighbours}
}

const NEIGHBOURS = ['K00011001010101/other-repo/indices/abc/0/__data', 'other-repo/index-0', 'rfs-snapshot-repo/index-7']

describe('repo clean', () => {
  it('deletes snapshots, then the registration, then the objects under the path and its hashed shard paths, and nothing else', async () => {
    const {run, cluster, s3, neighbours, cleanJournal} = await setup()
    s3.put('migration-bucket', 'Z01110011001101/rfs-snapshot-repo/verify_1/indices/idx/0/__shard', 'shard data of verify_1')
    const report = await run()
    assert.equal(report.exitCode, 0, JSON.stringify(report.steps))
    assert.deepEqual(cluster.requestLines().filter((line) => line.startsWith('DELETE')), ['DELETE /_snapshot/verify_1/verify_snapshot_1', 'DELETE /_snapshot/verify_1'])
    assert.equal(cluster.repositories.has('verify_1'), false)
    assert.deepEqual(s3.keys('migration-bucket', 'rfs-snapshot-repo/verify_1/'), [])
    assert.deepEqual(neighbours(), NEIGHBOURS)
    assert.ok(!s3.keys('migration-bucket').some((key) => key.startsWith('Z01110011001101/')), 'hashed shard data of the repository is gone')
    assert.ok(s3.buckets.has('migration-bucket'), 'the bucket stays without --delete-bucket')
    assert.deepEqual(await cleanJournal.entries(), [])
  })

  it("refuses a repository with the migration's own snapshots without --force, before deleting anything", async () => {
    const {run, cluster, s3} = await setup(['rfs-snapshot', 'verify_snapshot_1'])
    const report = await run()
    assert.equal(report.exitCode, 2)
    assert.match(report.steps[1].detail, /holds 1 snapshot\(s\) that verify did not make \(rfs-snapshot\)/)
    assert.deepEqual(cluster.requestLines().filter((line) => line.startsWith('DELETE')), [])
    assert.ok(s3.keys('migration-bucket', 'rfs-snapshot-repo/verify_1/').length > 0)
  })

  it('with --force asks for the repository name typed back', async () => {
    const {run, confirmations, cluster} = await setup(['rfs-snapshot'])
    const report = await run({force: true})
    assert.equal(report.exitCode, 0)
    assert.equal(confirmations[0].typed, 'verify_1')
    assert.equal(cluster.repositories.has('verify_1'), false)
  })

  it('refuses a repository at the bucket root without --force', async () => {
    const {run, s3} = await setup(['verify_snapshot_1'], '')
    const report = await run()
    assert.equal(report.exitCode, 2)
    assert.match(report.steps[0].detail, /sits at the root of s3:\/\/migration-bucket/)
    assert.ok(s3.keys('migration-bucket').length > 3)
  })

  it('empties thousands of objects page by page in 1,000-key batches', async () => {
    const {run, s3, neighbours} = await setup()
    s3.pageSize = 1000
    for (let index = 0; index < 2500; index++) s3.put('migration-bucket', `rfs-snapshot-repo/verify_1/indices/i/${index}`, 'x')
    const report = await run()
    assert.equal(report.exitCode, 0)
    assert.match(report.steps[3].detail, /deleted 250\d object\(s\)/)
    const batches = s3.calls.filter((call) => call.startsWith('POST migration-bucket?delete'))
    assert.equal(batches.length, 3)
    assert.ok(s3.calls.filter((call) => call.includes('list-type=2') && call.includes('continuation-token')).length >= 2, 'paginated')
    assert.deepEqual(neighbours(), NEIGHBOURS)
  })

  it('retries keys a DeleteObjects batch reported as failed', async () => {
    const {run, s3} = await setup()
    let failures = 0
    s3.faults.push((method, bucket, key) => (method === 'DELETE-KEY' && key.endsWith('verify_1/index-1') && failures++ < 1 ? [500, 'injected'] : undefined))
    const report = await run()
    assert.equal(report.exitCode, 0, JSON.stringify(report.steps))
    assert.equal(failures, 2, 'failed once, then succeeded on retry')
    assert.deepEqual(s3.keys('migration-bucket', 'rfs-snapshot-repo/verify_1/'), [])
  })

  it('finishes after a crash between steps: a second run completes from the journal', async () => {
    const {run, s3, cluster, cleanJournal} = await setup()
    s3.faults.push((method, bucket, key) => (method === 'DELETE-KEY' && key.endsWith('verify_1/index-1') ? [500, 'injected'] : undefined))
    const first = await run()
    assert.equal(first.exitCode, 1)
    assert.equal(first.steps[3].status, 'failed')
    assert.match(first.steps[3].detail, /could not be deleted after 3 attempts, e\.g\. rfs-snapshot-repo\/verify_1\/index-1/)
    assert.equal(cluster.repositories.has('verify_1'), false, 'the registration was already removed')
    assert.equal((await cleanJournal.entries()).length, 1)

    s3.faults.length = 0
    const second = await run()
    assert.equal(second.exitCode, 0, JSON.stringify(second.steps))
    assert.match(second.steps[0].detail, /already unregistered by an earlier run, finishing it/)
    assert.deepEqual(s3.keys('migration-bucket', 'rfs-snapshot-repo/verify_1/'), [])
    assert.deepEqual(await cleanJournal.entries(), [])
  })

  it('empties a versioned bucket of old versions and delete markers too', async () => {
    const {run, s3} = await setup()
    s3.addHistory('migration-bucket', ['rfs-snapshot-repo/verify_1/old-object', 'rfs-snapshot-repo/index-7'])
    const report = await run()
    assert.equal(report.exitCode, 0)
    assert.match(report.steps[3].detail, /\(2 old versions and delete markers\)/)
    assert.equal(s3.historyCount('migration-bucket'), 2, "only the history of the migration's own key remains")
  })

  it('lists counts and sizes with --dry-run and touches nothing', async () => {
    const {run, s3, cluster} = await setup()
    const before = s3.keys('migration-bucket')
    const report = await run({dryRun: true})
    assert.equal(report.exitCode, 0)
    assert.match(report.steps[1].detail, /would delete 1 snapshot\(s\): verify_snapshot_1/)
    assert.match(report.steps[3].detail, /would delete \d+ object\(s\), [\d.]+ KiB under s3:\/\/migration-bucket\/rfs-snapshot-repo\/verify_1\//)
    assert.deepEqual(s3.keys('migration-bucket'), before)
    assert.ok(cluster.repositories.has('verify_1'))
    assert.ok(!s3.calls.some((call) => call.startsWith('POST') || call.startsWith('DELETE')))
  })

  it('deletes the bucket with --delete-bucket once it is empty, and keeps it while other data is there', async () => {
    const {run, s3} = await setup()
    const report = await run({deleteBucket: true})
    assert.equal(report.steps[4].status, 'failed', 'the neighbours keep the bucket')
    assert.match(report.steps[4].detail, /BucketNotEmpty/)
    assert.ok(s3.buckets.has('migration-bucket'))
  })

  it('with no repository finishes interrupted verify runs from the journal and lists other test repositories', async () => {
    const {run, verifyJournal, cluster, s3} = await setup()
    await verifyJournal.record({
      runId: 'r1', startedAt: '2026-11-25T00:00:00Z', clusterEndpoint: cluster.endpoint, repository: 'verify_1', snapshot: 'verify_snapshot_1',
      storage: {kind: 's3', bucket: 'migration-bucket', region: 'us-east-1', endpoint: s3.endpoint, prefix: 'rfs-snapshot-repo/verify_1/'},
      repositoryRegistered: true, snapshotStarted: true,
    })
    await fetch(`${cluster.endpoint}/_snapshot/verify_other`, {method: 'PUT', body: JSON.stringify({type: 'fs', settings: {location: '/tmp/x'}}), headers: {'content-type': 'application/json'}})
    const report = await run({repository: undefined})
    assert.equal(report.exitCode, 0, JSON.stringify(report.steps))
    assert.match(report.steps[0].detail, /finished 1 run\(s\): verify_1/)
    assert.match(report.steps[1].detail, /still registered .*: verify_other/)
    assert.equal(cluster.repositories.has('verify_1'), false)
    assert.deepEqual(s3.keys('migration-bucket', 'rfs-snapshot-repo/verify_1/'), [])
    assert.deepEqual(await verifyJournal.entries(), [])
  })
})
