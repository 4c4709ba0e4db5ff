import {strict as assert} from 'node:assert'

import {Locations} from '../../src/location/open.js'
import {deleteSnapshotsThroughCluster} from '../../src/repository/delete-snapshots.js'
import {fakeWorld, stepNamed} from '../helpers/domain.js'

async function setup(snapshots = ['rfs-snapshot']) {
  const world = fakeWorld()
  await world.repositoryWithSnapshots('migration_assistant_repo', 'migration-bucket', 'rfs-snapshot-repo', snapshots)
  world.cluster.requests.length = 0
  const asked: string[] = []
  const run = (names: string[], options: {answer?: boolean; dryRun?: boolean; repository?: string} = {}) =>
    deleteSnapshotsThroughCluster(
      {dryRun: options.dryRun ?? false, repository: options.repository ?? 'migration_assistant_repo', snapshots: names},
      {
        cluster: world.client,
        async confirm(message) {
          asked.push(message)
          return options.answer ?? true
        },
        locations: new Locations(world.s3Client),
        pollIntervalMs: 1,
      },
    )
  return {...world, asked, run}
}

const deletions = (requests: {method: string; path: string}[]) =>
  requests.filter((request) => request.method === 'DELETE').map((request) => request.path)

describe('snapshot delete', () => {
  it("deletes the migration's snapshot through the cluster and confirms the bucket no longer lists it", async () => {
    const {asked, cluster, run, s3} = await setup()
    const report = await run(['rfs-snapshot'])
    assert.equal(report.exitCode, 0, JSON.stringify(report.steps))
    assert.deepEqual(report.deleted, ['rfs-snapshot'])
    assert.deepEqual(deletions(cluster.requests), ['/_snapshot/migration_assistant_repo/rfs-snapshot'])
    assert.match(asked[0], /delete 1 snapshot\(s\) from migration_assistant_repo through the cluster: rfs-snapshot/)
    assert.deepEqual(report.plan, [
      'delete 1 snapshot(s) from migration_assistant_repo through the cluster: rfs-snapshot',
    ])
    assert.match(stepNamed(report, 'bucket').detail, /index-1 no longer lists rfs-snapshot/)
    assert.deepEqual(
      s3.keys('migration-bucket').filter((key) => /snap-|meta-/.test(key)),
      [],
      'its files are gone from the bucket',
    )
  })

  it('reports an absent snapshot as already gone, exit 0, and sends no DELETE', async () => {
    const {cluster, run} = await setup()
    const report = await run(['never-taken'])
    assert.equal(report.exitCode, 0)
    assert.deepEqual(report.alreadyGone, ['never-taken'])
    assert.deepEqual(deletions(cluster.requests), [])
  })

  it('reports the snapshots of a repository that is not registered as already gone, exit 0, sending no DELETE (as the console counts a 404)', async () => {
    const {asked, cluster, run} = await setup()
    for (const dryRun of [false, true]) {
      const report = await run(['rfs-snapshot', 'verify_*'], {dryRun, repository: 'nope'})
      assert.equal(report.exitCode, 0, JSON.stringify(report.steps))
      assert.deepEqual(report.alreadyGone, ['rfs-snapshot', 'verify_*'])
      assert.deepEqual(report.deleted, [])
      assert.match(
        stepNamed(report, 'plan').detail,
        /already gone: rfs-snapshot, verify_\* \(repository nope is not registered on the cluster; if you meant another one, GET _snapshot lists them\)/,
      )
      assert.deepEqual(
        report.steps.filter((step) => step.name !== 'plan').map((step) => step.status),
        ['skipped', 'skipped', 'skipped'],
      )
    }

    assert.deepEqual(deletions(cluster.requests), [])
    assert.deepEqual(asked, [], 'nothing to consent to')
    assert.ok(
      cluster.snapshots.get('migration_assistant_repo')?.has('rfs-snapshot'),
      'the other repository keeps its snapshot',
    )
  })

  it('ends 0 when run twice: the second run finds the snapshot already gone', async () => {
    const {run} = await setup()
    assert.deepEqual((await run(['rfs-snapshot'])).deleted, ['rfs-snapshot'])
    const again = await run(['rfs-snapshot'])
    assert.equal(again.exitCode, 0)
    assert.deepEqual(again.alreadyGone, ['rfs-snapshot'])
    assert.match(stepNamed(again, 'plan').detail, /already gone: rfs-snapshot/)
  })

  it('says that deleting a running snapshot aborts it, and deletes nothing when not confirmed', async () => {
    const {cluster, run} = await setup()
    cluster.running.add('rfs-snapshot')
    const declined = await run(['rfs-snapshot'], {answer: false})
    assert.equal(declined.exitCode, 2, 'a declined confirmation ends as every refusal does')
    assert.match(stepNamed(declined, 'plan').detail, /not confirmed: nothing was deleted/)
    assert.deepEqual(deletions(cluster.requests), [])
  })

  it('expands wildcards as the cluster does', async () => {
    const {cluster, run} = await setup(['verify_snapshot_a', 'verify_snapshot_b', 'rfs-snapshot'])
    const report = await run(['verify_snapshot_*'])
    assert.deepEqual(report.deleted.sort(), ['verify_snapshot_a', 'verify_snapshot_b'])
    assert.ok(cluster.snapshots.get('migration_assistant_repo')!.has('rfs-snapshot'))
  })

  it('deletes nothing with --dry-run', async () => {
    const {cluster, run} = await setup()
    const report = await run(['rfs-snapshot'], {dryRun: true})
    assert.equal(report.exitCode, 0)
    assert.equal(stepNamed(report, 'delete').status, 'skipped')
    assert.match(stepNamed(report, 'plan').detail, /dry run, nothing changed: .*would delete 1 snapshot\(s\)/)
    assert.deepEqual(deletions(cluster.requests), [])
    assert.ok(cluster.snapshots.get('migration_assistant_repo')!.has('rfs-snapshot'))
  })

  it('recovers when files were deleted behind the cluster: registers the repository again, and the name is free', async () => {
    const {cluster, run, s3} = await setup()
    for (const key of s3.keys('migration-bucket', 'rfs-snapshot-repo/'))
      s3.buckets.get('migration-bucket')!.objects.delete(key)
    const report = await run(['rfs-snapshot'])
    assert.equal(report.exitCode, 0, JSON.stringify(report.steps))
    assert.match(stepNamed(report, 'resync').detail, /registered again/)
    assert.deepEqual(report.alreadyGone, ['rfs-snapshot'])
    const again = await fetch(
      `${cluster.endpoint}/_snapshot/migration_assistant_repo/rfs-snapshot?wait_for_completion=true`,
      {body: '{}', headers: {'content-type': 'application/json'}, method: 'PUT'},
    )
    assert.equal(again.status, 200, 'no "already exists" after the recovery')
  })

  it('fails when the bucket still lists the snapshot the cluster deleted', async () => {
    const {cluster, run} = await setup()
    cluster.writesFiles = false
    const report = await run(['rfs-snapshot'])
    assert.equal(report.exitCode, 1)
    assert.equal(stepNamed(report, 'bucket').diagnosis?.code, 'snapshot-still-in-bucket')
  })

  it('names files of snapshots that no index lists', async () => {
    const {run, s3} = await setup()
    s3.put('migration-bucket', 'rfs-snapshot-repo/snap-orphaned-uuid.dat', 'x')
    const report = await run(['rfs-snapshot'])
    assert.equal(report.exitCode, 0)
    assert.match(
      stepNamed(report, 'bucket').detail,
      /1 file\(s\) no index names remain \(rfs-snapshot-repo\/snap-orphaned-uuid\.dat\)/,
    )
  })

  describe('when files changed behind the cluster', () => {
    async function outOfSync() {
      const world = await setup()
      for (const key of world.s3.keys('migration-bucket', 'rfs-snapshot-repo/'))
        world.s3.buckets.get('migration-bucket')!.objects.delete(key)
      world.cluster.requests.length = 0
      const changes = () =>
        world.cluster.requests
          .filter((request) => request.method !== 'GET')
          .map((request) => `${request.method} ${request.path}`)
      return {...world, changes}
    }

    it('refuses, never "already gone", when the cluster says out of sync and the files cannot be read from here', async () => {
      const {cluster, run} = await setup()
      await fetch(`${cluster.endpoint}/_snapshot/elsewhere_repo`, {
        body: JSON.stringify({settings: {location: '/not/under/path-repo'}, type: 'fs'}),
        headers: {'content-type': 'application/json'},
        method: 'PUT',
      })
      cluster.override('GET', /^\/_snapshot\/elsewhere_repo\/.+/, [
        500,
        {
          error: {
            reason: '[elsewhere_repo] concurrent modification of the index-N file, expected current generation [2]',
            type: 'repository_exception',
          },
          status: 500,
        },
      ])
      cluster.requests.length = 0
      const report = await run(['rfs-snapshot'], {repository: 'elsewhere_repo'})
      assert.equal(report.exitCode, 2, JSON.stringify(report.steps))
      assert.deepEqual(report.alreadyGone, [])
      assert.match(stepNamed(report, 'plan').detail, /cannot be read from the console .* nothing was deleted/)
      assert.deepEqual(deletions(cluster.requests), [])
    })

    it('a dry run names the re-registration and does not do it', async () => {
      const {changes, cluster, run} = await outOfSync()
      const report = await run(['rfs-snapshot'], {dryRun: true})
      assert.equal(report.exitCode, 0)
      assert.match(
        stepNamed(report, 'plan').detail,
        /would register migration_assistant_repo again .*files were changed outside the cluster/,
      )
      assert.deepEqual(changes(), [])
      assert.ok(cluster.repositories.has('migration_assistant_repo'))
    })

    it('asks before re-registering, and a "no" leaves the registration as it was', async () => {
      const {asked, changes, run} = await outOfSync()
      const report = await run(['rfs-snapshot'], {answer: false})
      assert.equal(report.exitCode, 2)
      assert.match(asked[0], /register migration_assistant_repo again with the same settings/)
      assert.deepEqual(changes(), [], 'nothing before the answer, nothing after a no')
    })

    it('restores the registration when registering again fails, and says so', async () => {
      const {cluster, run} = await outOfSync()
      cluster.override(
        'PUT',
        /^\/_snapshot\/migration_assistant_repo$/,
        [500, {error: {reason: 'store unreachable', type: 'repository_verification_exception'}, status: 500}],
        1,
      )
      const report = await run(['rfs-snapshot'])
      assert.equal(report.exitCode, 1)
      assert.match(
        stepNamed(report, 'resync').detail,
        /registering migration_assistant_repo again failed .*previous registration was restored/,
      )
      assert.ok(cluster.repositories.has('migration_assistant_repo'), 'still registered')
      const restore = cluster.requests.findLast((request) => request.method === 'PUT')
      assert.ok(restore)
    })
  })

  it('still deletes when the cluster refuses its state (403), reporting the generation check as skipped', async () => {
    const {cluster, run} = await setup()
    cluster.override('GET', /^\/_cluster\/state/, [
      403,
      {error: {reason: 'no permissions for [cluster:monitor/state]', type: 'security_exception'}, status: 403},
    ])
    const report = await run(['rfs-snapshot'])
    assert.equal(report.exitCode, 0, JSON.stringify(report.steps))
    assert.deepEqual(report.deleted, ['rfs-snapshot'])
    assert.ok(
      report.plan.some((line) =>
        /generation check skipped: the cluster refused GET \/_cluster\/state\/metadata \(403\)/.test(line),
      ),
    )
  })
})
