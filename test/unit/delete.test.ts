import {strict as assert} from 'node:assert'

import {deleteSnapshotsThroughCluster} from '../../src/repository/delete-snapshots.js'
import {fakeWorld} from '../helpers/domain.js'

async function setup(snapshots = ['rfs-snapshot']) {
  const world = fakeWorld()
  await world.repositoryWithSnapshots('migration_assistant_repo', 'migration-bucket', 'rfs-snapshot-repo', snapshots)
  world.cluster.requests.length = 0
  const asked: string[] = []
  const run = (names: string[], options: {dryRun?: boolean; answer?: boolean; repository?: string} = {}) =>
    deleteSnapshotsThroughCluster(
      {repository: options.repository ?? 'migration_assistant_repo', snapshots: names, dryRun: options.dryRun ?? false},
      {
        cluster: world.client,
        s3: world.s3Client,
        confirm: async (message) => {
          asked.push(message)
          return options.answer ?? true
        },
        pollIntervalMs: 1,
      },
    )
  return {...world, asked, run}
}

const deletions = (requests: {method: string; path: string}[]) => requests.filter((request) => request.method === 'DELETE').map((request) => request.path)

describe('snapshot delete', () => {
  it("deletes the migration's snapshot through the cluster and confirms the bucket no longer lists it", async () => {
    const {run, cluster, s3, asked} = await setup()
    const report = await run(['rfs-snapshot'])
    assert.equal(report.exitCode, 0, JSON.stringify(report.steps))
    assert.deepEqual(report.deleted, ['rfs-snapshot'])
    assert.deepEqual(deletions(cluster.requests), ['/_snapshot/migration_assistant_repo/rfs-snapshot'])
    assert.match(asked[0], /Delete 1 snapshot\(s\) from migration_assistant_repo: rfs-snapshot\?/)
    assert.match(report.steps[3].detail, /index-1 no longer lists rfs-snapshot/)
    assert.deepEqual(s3.keys('migration-bucket').filter((key) => /snap-|meta-/.test(key)), [], 'its files are gone from the bucket')
  })

  it('reports an absent snapshot as already gone, exit 0, and sends no DELETE', async () => {
    const {run, cluster} = await setup()
    const report = await run(['never-taken'])
    assert.equal(report.exitCode, 0)
    assert.deepEqual(report.alreadyGone, ['never-taken'])
    assert.deepEqual(deletions(cluster.requests), [])
  })

  it('is a clear error for a repository that is not registered', async () => {
    const {run} = await setup()
    const report = await run(['rfs-snapshot'], {repository: 'nope'})
    assert.equal(report.exitCode, 1)
    assert.equal(report.steps[0].diagnosis?.code, 'repository-missing')
    assert.match(report.steps[0].diagnosis!.cause, /nope is not registered/)
  })

  it('says that deleting a running snapshot aborts it, and deletes nothing when not confirmed', async () => {
    const {run, cluster} = await setup()
    cluster.running.add('rfs-snapshot')
    const declined = await run(['rfs-snapshot'], {answer: false})
    assert.equal(declined.exitCode, 1)
    assert.match(declined.steps[1].detail, /still running \(deleting aborts it\): rfs-snapshot/)
    assert.equal(declined.steps[2].diagnosis?.code, 'not-confirmed')
    assert.deepEqual(deletions(cluster.requests), [])
  })

  it('expands wildcards as the cluster does', async () => {
    const {run, cluster} = await setup(['verify_snapshot_a', 'verify_snapshot_b', 'rfs-snapshot'])
    const report = await run(['verify_snapshot_*'])
    assert.deepEqual(report.deleted.sort(), ['verify_snapshot_a', 'verify_snapshot_b'])
    assert.ok(cluster.snapshots.get('migration_assistant_repo')!.has('rfs-snapshot'))
  })

  it('deletes nothing with --dry-run', async () => {
    const {run, cluster} = await setup()
    const report = await run(['rfs-snapshot'], {dryRun: true})
    assert.equal(report.exitCode, 0)
    assert.equal(report.steps[2].status, 'skipped')
    assert.deepEqual(deletions(cluster.requests), [])
    assert.ok(cluster.snapshots.get('migration_assistant_repo')!.has('rfs-snapshot'))
  })

  it('recovers when files were deleted behind the cluster: registers the repository again, and the name is free', async () => {
    const {run, cluster, s3} = await setup()
    for (const key of s3.keys('migration-bucket', 'rfs-snapshot-repo/')) s3.buckets.get('migration-bucket')!.objects.delete(key)
    const report = await run(['rfs-snapshot'])
    assert.equal(report.exitCode, 0, JSON.stringify(report.steps))
    assert.match(report.steps[1].detail, /registered again/)
    assert.deepEqual(report.alreadyGone, ['rfs-snapshot'])
    const again = await fetch(`${cluster.endpoint}/_snapshot/migration_assistant_repo/rfs-snapshot?wait_for_completion=true`, {method: 'PUT', body: '{}', headers: {'content-type': 'application/json'}})
    assert.equal(again.status, 200, 'no "already exists" after the recovery')
  })

  it('fails when the bucket still lists the snapshot the cluster deleted', async () => {
    const {run, cluster} = await setup()
    cluster.writesFiles = false
    const report = await run(['rfs-snapshot'])
    assert.equal(report.exitCode, 1)
    assert.equal(report.steps[3].diagnosis?.code, 'snapshot-still-in-bucket')
  })

  it('names files of snapshots that no index lists', async () => {
    const {run, s3} = await setup()
    s3.put('migration-bucket', 'rfs-snapshot-repo/snap-orphaned-uuid.dat', 'x')
    const report = await run(['rfs-snapshot'])
    assert.equal(report.exitCode, 0)
    assert.match(report.steps[3].detail, /1 file\(s\) no index names remain \(rfs-snapshot-repo\/snap-orphaned-uuid\.dat\)/)
  })
})
