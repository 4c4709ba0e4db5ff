import {strict as assert} from 'node:assert'
import {existsSync, mkdirSync, mkdtempSync, readdirSync, realpathSync, symlinkSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'

import {Journal} from '../../src/journal.js'
import {Locations} from '../../src/location/open.js'
import {cleanEntryProblem} from '../../src/repository/clean-run.js'
import {cleanRepository} from '../../src/repository/clean.js'
import {cleanInterruptedRuns} from '../../src/verify/interrupted-runs.js'
import {fakeWorld, stepNamed} from '../helpers/domain.js'

const register = (endpoint: string, repository: string, body: unknown) =>
  fetch(`${endpoint}/_snapshot/${repository}`, {
    body: JSON.stringify(body),
    headers: {'content-type': 'application/json'},
    method: 'PUT',
  })

/** A verify run's journal entry for its test location rfs-snapshot-repo/verify_<id>/ in the fake bucket, as verify records it. */
const s3VerifyEntry = (
  cluster: {endpoint: string},
  s3: {endpoint: string},
  id: string,
  runId: string,
  extra: {snapshotStarted?: boolean} = {},
) => ({
  clusterEndpoint: cluster.endpoint,
  repository: `verify_${id}`,
  repositoryRegistered: true,
  runId,
  snapshot: `verify_snapshot_${id}`,
  startedAt: '2026-11-25T00:00:00Z',
  storage: {
    bucket: 'migration-bucket',
    endpoint: s3.endpoint,
    kind: 's3' as const,
    prefix: `rfs-snapshot-repo/verify_${id}/`,
    region: 'us-east-1',
  },
  ...extra,
})

async function setup(snapshots: string[] = ['verify_snapshot_1'], basePath = 'rfs-snapshot-repo/verify_1') {
  const world = fakeWorld()
  await world.repositoryWithSnapshots('verify_1', 'migration-bucket', basePath, snapshots)
  // Neighbours that must survive: the migration's own files, another repository, its hashed shard data.
  world.s3.put('migration-bucket', 'rfs-snapshot-repo/index-7', 'the migration repository')
  world.s3.put('migration-bucket', 'other-repo/index-0', 'x')
  world.s3.put('migration-bucket', 'K00011001010101/other-repo/indices/abc/0/__data', 'x')
  world.cluster.requests.length = 0
  const confirmations: {message: string; typed?: string}[] = []
  const run = (
    options: {
      answer?: boolean
      deleteBucket?: boolean
      dryRun?: boolean
      force?: boolean
      forget?: string[]
      repository?: string
    } = {},
  ) => {
    const request = {
      deleteBucket: options.deleteBucket ?? false,
      dryRun: options.dryRun ?? false,
      force: options.force ?? false,
    }
    const dependencies = {
      cleanJournal: world.cleanJournal,
      cluster: world.client,
      async confirm(message: string, typed?: string) {
        confirmations.push({message, typed})
        return options.answer ?? true
      },
      locations: new Locations(world.s3Client),
    }
    const repository = 'repository' in options ? options.repository : 'verify_1'
    // As `console repo clean` chooses: a named repository, or the interrupted verify runs.
    return repository === undefined
      ? cleanInterruptedRuns(
          {...request, forget: options.forget},
          {...dependencies, verifyJournal: world.verifyJournal},
        )
      : cleanRepository({...request, repository}, dependencies)
  }

  const neighbours = () => world.s3.keys('migration-bucket').filter((key) => !key.includes('verify_1'))
  const changes = () => [
    ...world.cluster.requestLines().filter((line) => !line.startsWith('GET')),
    ...world.s3.calls.filter((call) => !call.startsWith('GET') && !call.startsWith('HEAD')),
  ]
  return {...world, changes, confirmations, neighbours, run}
}

const NEIGHBOURS = [
  'K00011001010101/other-repo/indices/abc/0/__data',
  'other-repo/index-0',
  'rfs-snapshot-repo/index-7',
]

describe('repo clean', () => {
  it('deletes snapshots, then the registration, then the objects the repository owns and its hashed shard paths, and nothing else', async () => {
    const {cleanJournal, cluster, confirmations, neighbours, run, s3} = await setup()
    s3.put(
      'migration-bucket',
      'Z01110011001101/rfs-snapshot-repo/verify_1/indices/idx/0/__shard',
      'shard data of verify_1',
    )
    const report = await run()
    assert.equal(report.exitCode, 0, JSON.stringify(report.steps))
    assert.deepEqual(
      cluster.requestLines().filter((line) => line.startsWith('DELETE')),
      ['DELETE /_snapshot/verify_1/verify_snapshot_1', 'DELETE /_snapshot/verify_1'],
    )
    assert.equal(cluster.repositories.has('verify_1'), false)
    assert.deepEqual(s3.keys('migration-bucket', 'rfs-snapshot-repo/verify_1/'), [])
    assert.deepEqual(neighbours(), NEIGHBOURS)
    assert.ok(
      !s3.keys('migration-bucket').some((key) => key.startsWith('Z01110011001101/')),
      'hashed shard data of the repository is gone',
    )
    assert.ok(s3.buckets.has('migration-bucket'), 'the bucket stays without --delete-bucket')
    assert.deepEqual(await cleanJournal.entries(), [])
    assert.match(
      confirmations[0].message,
      /delete 1 snapshot\(s\) through the cluster: verify_snapshot_1/,
      'the confirmation shows the plan',
    )
    assert.match(confirmations[0].message, /unregister verify_1/)
    assert.deepEqual(report.plan, renderedPlanOf(confirmations[0].message))
  })

  it("refuses a repository with the migration's own snapshots without --force, before changing anything", async () => {
    const {changes, cleanJournal, run, s3} = await setup(['rfs-snapshot', 'verify_snapshot_1'])
    const report = await run()
    assert.equal(report.exitCode, 2)
    assert.match(stepNamed(report, 'plan').detail, /holds 1 snapshot\(s\) that verify did not make \(rfs-snapshot\)/)
    assert.deepEqual(changes(), [])
    assert.deepEqual(await cleanJournal.entries(), [], 'a refusal leaves no journal entry')
    assert.ok(s3.keys('migration-bucket', 'rfs-snapshot-repo/verify_1/').length > 0)
  })

  it('a refused clean stays refused after the repository is unregistered by hand: nothing is deleted', async () => {
    const {cleanJournal, cluster, run, s3} = await setup(['rfs-snapshot'])
    assert.equal((await run()).exitCode, 2)
    await fetch(`${cluster.endpoint}/_snapshot/verify_1`, {method: 'DELETE'})
    const before = s3.keys('migration-bucket')
    const again = await run()
    assert.equal(again.exitCode, 2)
    assert.match(
      stepNamed(again, 'plan').detail,
      /verify_1 is not registered .* no interrupted clean of it is recorded/,
    )
    assert.deepEqual(s3.keys('migration-bucket'), before)
    assert.deepEqual(await cleanJournal.entries(), [])
  })

  it('with --force asks for the repository name typed back, and a "no" changes nothing', async () => {
    const {changes, cleanJournal, cluster, confirmations, run} = await setup(['rfs-snapshot'])
    const declined = await run({answer: false, force: true})
    assert.equal(declined.exitCode, 2)
    assert.match(stepNamed(declined, 'plan').detail, /not confirmed: nothing was deleted/)
    assert.deepEqual(changes(), [])
    assert.deepEqual(await cleanJournal.entries(), [], 'a "no" leaves no journal entry')
    const report = await run({force: true})
    assert.equal(report.exitCode, 0)
    assert.equal(confirmations[1].typed, 'verify_1')
    assert.equal(cluster.repositories.has('verify_1'), false)
  })

  it('refuses a repository at the bucket root without --force', async () => {
    const {changes, run, s3} = await setup(['verify_snapshot_1'], '')
    const report = await run()
    assert.equal(report.exitCode, 2)
    assert.match(stepNamed(report, 'plan').detail, /sits at the root of s3:\/\/migration-bucket/)
    assert.deepEqual(changes(), [])
    assert.ok(s3.keys('migration-bucket').length > 3)
  })

  it('refuses when another registered repository is nested below, naming it, and both stay readable', async () => {
    const {changes, cluster, run, s3} = await setup(['verify_snapshot_1'], 'nest')
    await register(cluster.endpoint, 'inner', {
      settings: {base_path: 'nest/inner', bucket: 'migration-bucket', endpoint: s3.endpoint, region: 'us-east-1'},
      type: 's3',
    })
    await fetch(`${cluster.endpoint}/_snapshot/inner/inner-snap?wait_for_completion=true`, {
      body: '{}',
      headers: {'content-type': 'application/json'},
      method: 'PUT',
    })
    cluster.requests.length = 0
    const report = await run()
    assert.equal(report.exitCode, 2)
    assert.match(
      stepNamed(report, 'plan').detail,
      /shares its location with other registered repositories: inner \(s3:\/\/migration-bucket\/nest\/inner, nested below\)/,
    )
    assert.deepEqual(changes(), [])
    const listed = (await (await fetch(`${cluster.endpoint}/_snapshot/inner/inner-snap`)).json()) as {
      snapshots: {snapshot: string}[]
    }
    assert.equal(listed.snapshots[0].snapshot, 'inner-snap')
  })

  it('counts an Elasticsearch source-only repository where its delegate writes: nested below, it is refused', async () => {
    const {changes, cluster, run, s3} = await setup(['verify_snapshot_1'], 'nest')
    await register(cluster.endpoint, 'source_only', {
      settings: {
        base_path: 'nest/source',
        bucket: 'migration-bucket',
        delegate_type: 's3',
        endpoint: s3.endpoint,
        region: 'us-east-1',
      },
      type: 'source',
    })
    cluster.requests.length = 0
    const report = await run()
    assert.equal(report.exitCode, 2, JSON.stringify(report.steps))
    assert.match(
      stepNamed(report, 'plan').detail,
      /source_only \(s3:\/\/migration-bucket\/nest\/source, nested below\)/,
    )
    assert.deepEqual(changes(), [])
  })

  it('refuses to clean a repository that sits inside another one’s layout (base path mig/indices)', async () => {
    const world = await setup(['verify_snapshot_1'], 'mig/indices')
    await register(world.cluster.endpoint, 'migration', {
      settings: {base_path: 'mig', bucket: 'migration-bucket', endpoint: world.s3.endpoint, region: 'us-east-1'},
      type: 's3',
    })
    const report = await world.run()
    assert.equal(report.exitCode, 2)
    assert.match(
      stepNamed(report, 'plan').detail,
      /migration \(s3:\/\/migration-bucket\/mig: verify_1 lies inside its layout\)/,
    )
  })

  it('deletes only real hashed shard prefixes that continue with the exact base path; look-alikes are kept', async () => {
    const {cluster, run, s3} = await setup(['verify_snapshot_1'], 'logs')
    const lookAlikes = [
      '20110101/logs/indices/abc/0/__data',
      'a000000/logs/indices/abc/0/__data',
      'K0001100101010/logs/indices/abc/0/__data',
      'K00011001010101/logsX/indices/abc/0/__data',
      'K00011001010101/other/logs/indices/abc/0/__data',
      'logs2/index-0',
      'logs/someone-elses-notes.txt',
      'logs/inner/index-0',
    ]
    for (const key of lookAlikes) s3.put('migration-bucket', key, 'not the repository’s')
    s3.put('migration-bucket', 'K00011001010101/logs/indices/abc/0/__data', 'the repository’s shard')
    s3.put('migration-bucket', 'logs/indices/abc/0/__data', 'the repository’s shard, fixed path')
    const report = await run()
    assert.equal(report.exitCode, 0, JSON.stringify(report.steps))
    for (const key of lookAlikes) assert.ok(s3.keys('migration-bucket').includes(key), `${key} survives`)
    assert.ok(!s3.keys('migration-bucket').includes('K00011001010101/logs/indices/abc/0/__data'))
    assert.ok(!s3.keys('migration-bucket').includes('logs/indices/abc/0/__data'))
    assert.match(stepNamed(report, 'objects').detail, /kept 2 object\(s\) that are not the repository's/)
    assert.deepEqual(report.kept.map((kept) => kept.key).sort(), ['logs/inner/index-0', 'logs/someone-elses-notes.txt'])
    assert.equal(cluster.repositories.has('verify_1'), false)
  })

  it('keeps a leading slash of the base path byte for byte: deletes /data/…, never data/…', async () => {
    const {run, s3} = await setup(['verify_snapshot_1'], '/data')
    s3.put('migration-bucket', 'data/index-0', 'someone else’s repository')
    s3.put('migration-bucket', 'data/snap-x.dat', 'someone else’s snapshot')
    assert.ok(s3.keys('migration-bucket', '/data/').length > 0, 'the cluster wrote under /data/')
    const report = await run()
    assert.equal(report.exitCode, 0, JSON.stringify(report.steps))
    assert.deepEqual(s3.keys('migration-bucket', '/data/'), [])
    assert.deepEqual(s3.keys('migration-bucket', 'data/'), ['data/index-0', 'data/snap-x.dat'])
  })

  for (const type of ['gcs', 'url', 'azure'])
    it(`refuses a ${type} repository naming its type, and touches no bucket`, async () => {
      const {changes, cluster, run, s3} = await setup()
      await register(cluster.endpoint, `the_${type}`, {
        settings: type === 'url' ? {url: 'http://x/'} : {base_path: 'rfs-snapshot-repo', bucket: 'migration-bucket'},
        type,
      })
      cluster.requests.length = 0
      s3.calls.length = 0
      const report = await run({repository: `the_${type}`})
      assert.equal(report.exitCode, 2)
      assert.match(
        stepNamed(report, 'plan').detail,
        new RegExp(`is of type ${type}: repo clean removes only s3 and fs repositories`),
      )
      assert.deepEqual(changes(), [])
      assert.deepEqual(s3.calls, [], 'no S3 request at all')
    })

  describe('fs repositories', () => {
    function fsWorld() {
      const root = mkdtempSync(path.join(tmpdir(), 'path-repo-'))
      return {root}
    }

    it('resolves a relative location against path.repo, as the cluster does, and deletes only the repository’s files there', async () => {
      const world = await setup()
      const {root} = fsWorld()
      world.cluster.pathRepo = [root]
      mkdirSync(path.join(root, 'rel', 'indices', 'x'), {recursive: true})
      writeFileSync(path.join(root, 'rel', 'index-0'), '{"snapshots":[]}')
      writeFileSync(path.join(root, 'rel', 'indices', 'x', 'meta-1.dat'), 'x')
      writeFileSync(path.join(root, 'rel', 'README'), 'someone’s notes')
      const cwdTrap = path.join(process.cwd(), 'rel')
      await register(world.cluster.endpoint, 'fsrel', {settings: {location: 'rel'}, type: 'fs'})
      const report = await world.run({repository: 'fsrel'})
      assert.equal(report.exitCode, 0, JSON.stringify(report.steps))
      assert.deepEqual(readdirSync(path.join(root, 'rel')), ['README'])
      assert.equal(existsSync(cwdTrap), false, 'nothing was resolved against the console’s working directory')
    })

    for (const location of ['/', '..', '../..'])
      it(`refuses the location "${location}" (not strictly below path.repo)`, async () => {
        const world = await setup()
        const {root} = fsWorld()
        world.cluster.pathRepo = [path.join(root, 'snapshots')]
        await register(world.cluster.endpoint, 'fsbad', {settings: {location}, type: 'fs'})
        world.cluster.requests.length = 0
        const report = await world.run({repository: 'fsbad'})
        assert.equal(report.exitCode, 2)
        assert.match(
          stepNamed(report, 'plan').detail,
          /not strictly below a path\.repo entry|is the root of the filesystem or of path\.repo/,
        )
        assert.deepEqual(world.changes(), [])
      })

    /** A clean of an fs repository accepted by the release before the one record form: its directory as resolved. */
    async function earlierFsEntry(recorded: (root: string) => string) {
      const world = await setup()
      const root = realpathSync(fsWorld().root)
      world.cluster.pathRepo = [root]
      mkdirSync(path.join(root, 'old', 'indices', 'x'), {recursive: true})
      writeFileSync(path.join(root, 'old', 'index-0'), '{"snapshots":[]}')
      writeFileSync(path.join(root, 'old', 'indices', 'x', 'meta-1.dat'), 'x')
      writeFileSync(path.join(root, 'old', 'README'), 'someone’s notes')
      await register(world.cluster.endpoint, 'fsold', {settings: {location: 'old'}, type: 'fs'})
      await world.cleanJournal.record({
        body: {settings: {location: 'old'}, type: 'fs'},
        identity: {directory: recorded(root), kind: 'fs'},
        repository: 'fsold',
        runId: 'clean_fsold',
        startedAt: '2026-12-01T00:00:00Z',
      } as never)
      return {root, world}
    }

    it('finishes an fs clean the earlier release accepted (its entry records {kind: fs, directory}) at that directory', async () => {
      const {root, world} = await earlierFsEntry((at) => path.join(at, 'old'))
      // As `console repo clean` reads its journal: the entry is one the console wrote.
      const asTheCommandReadsIt = new Journal(world.cleanJournal.file, cleanEntryProblem)
      assert.equal((await asTheCommandReadsIt.entries()).length, 1)
      const report = await world.run({repository: 'fsold'})
      assert.equal(report.exitCode, 0, JSON.stringify(report.steps))
      assert.deepEqual(readdirSync(path.join(root, 'old')), ['README'])
      assert.deepEqual(await world.cleanJournal.entries(), [], 'the finished entry is forgotten')
    })

    it('an fs clean entry of the earlier release licenses nothing at another directory: refused, nothing deleted', async () => {
      const {root, world} = await earlierFsEntry((at) => path.join(at, 'elsewhere'))
      const report = await world.run({repository: 'fsold'})
      assert.equal(report.exitCode, 2)
      assert.match(
        stepNamed(report, 'plan').detail,
        /was for \S+\/elsewhere, but fsold is now registered at \S+\/old; the entry licenses nothing there/,
      )
      assert.deepEqual(readdirSync(path.join(root, 'old')).sort(), ['README', 'index-0', 'indices'])
      assert.equal((await world.cleanJournal.entries()).length, 1)
    })

    it('refuses an fs repository when the cluster will not tell its path.repo', async () => {
      const world = await setup()
      world.cluster.pathRepo = undefined
      await register(world.cluster.endpoint, 'fsx', {settings: {location: '/var/snapshots/x'}, type: 'fs'})
      const report = await world.run({repository: 'fsx'})
      assert.equal(report.exitCode, 2)
      assert.match(stepNamed(report, 'plan').detail, /did not tell its path\.repo/)
    })
  })

  it('empties thousands of objects page by page in 1,000-key batches', async () => {
    const {neighbours, run, s3} = await setup()
    s3.pageSize = 1000
    for (let index = 0; index < 2500; index++)
      s3.put('migration-bucket', `rfs-snapshot-repo/verify_1/indices/i/${index}`, 'x')
    const report = await run()
    assert.equal(report.exitCode, 0)
    assert.match(stepNamed(report, 'objects').detail, /deleted 250\d object\(s\)/)
    const batches = s3.calls.filter((call) => call.startsWith('POST migration-bucket?delete'))
    assert.equal(batches.length, 3)
    assert.ok(
      s3.calls.filter((call) => call.includes('list-type=2') && call.includes('continuation-token')).length >= 2,
      'paginated',
    )
    assert.deepEqual(neighbours(), NEIGHBOURS)
  })

  it('retries keys a DeleteObjects batch reported as failed', async () => {
    const {run, s3} = await setup()
    let failures = 0
    s3.faults.push((method, bucket, key) =>
      method === 'DELETE-KEY' && key.endsWith('verify_1/index-1') && failures++ < 1 ? [500, 'injected'] : undefined,
    )
    const report = await run()
    assert.equal(report.exitCode, 0, JSON.stringify(report.steps))
    assert.equal(failures, 2, 'failed once, then succeeded on retry')
    assert.deepEqual(s3.keys('migration-bucket', 'rfs-snapshot-repo/verify_1/'), [])
  })

  it('finishes after a crash between steps: a second run completes from the journal of the accepted plan', async () => {
    const {cleanJournal, cluster, run, s3} = await setup()
    s3.faults.push((method, bucket, key) =>
      method === 'DELETE-KEY' && key.endsWith('verify_1/index-1') ? [500, 'injected'] : undefined,
    )
    const first = await run()
    assert.equal(first.exitCode, 1)
    assert.equal(stepNamed(first, 'objects').status, 'failed')
    assert.match(
      stepNamed(first, 'objects').detail,
      /could not be deleted after 3 attempts, e\.g\. rfs-snapshot-repo\/verify_1\/index-1/,
    )
    assert.equal(cluster.repositories.has('verify_1'), false, 'the registration was already removed')
    assert.equal((await cleanJournal.entries()).length, 1)

    s3.faults.length = 0
    const second = await run()
    assert.equal(second.exitCode, 0, JSON.stringify(second.steps))
    assert.match(
      stepNamed(second, 'plan').detail,
      /already unregistered by an accepted clean that stopped, finishing it/,
    )
    assert.deepEqual(s3.keys('migration-bucket', 'rfs-snapshot-repo/verify_1/'), [])
    assert.deepEqual(await cleanJournal.entries(), [])
  })

  it('empties a versioned bucket of the repository’s old versions and delete markers too', async () => {
    const {run, s3} = await setup()
    s3.addHistory('migration-bucket', ['rfs-snapshot-repo/verify_1/indices/old/0/__x', 'rfs-snapshot-repo/index-7'])
    const report = await run()
    assert.equal(report.exitCode, 0)
    assert.match(stepNamed(report, 'objects').detail, /\(2 old versions and delete markers\)/)
    assert.equal(s3.historyCount('migration-bucket'), 2, "only the history of the migration's own key remains")
  })

  it('prints the plan with counts and sizes with --dry-run, in one listing, and changes nothing', async () => {
    const {changes, cleanJournal, cluster, run, s3} = await setup()
    s3.put('migration-bucket', 'rfs-snapshot-repo/verify_1/stranger.txt', 'not the repository’s')
    const before = s3.keys('migration-bucket')
    const report = await run({dryRun: true})
    assert.equal(report.exitCode, 0)
    const plan = stepNamed(report, 'plan').detail
    assert.match(plan, /would .*delete 1 snapshot\(s\) through the cluster: verify_snapshot_1/)
    assert.match(
      plan,
      /delete the repository's own objects under s3:\/\/migration-bucket\/rfs-snapshot-repo\/verify_1\/ .*: \d+ object\(s\), [\d.]+ KiB/,
    )
    assert.match(plan, /keep 1 other object\(s\)/)
    assert.deepEqual(s3.keys('migration-bucket'), before)
    assert.ok(cluster.repositories.has('verify_1'))
    assert.deepEqual(changes(), [])
    assert.deepEqual(await cleanJournal.entries(), [], 'a dry run leaves no journal entry')
    const listings = s3.calls.filter(
      (call) => call.includes('list-type=2') && call.includes('prefix=rfs-snapshot-repo'),
    )
    assert.equal(listings.length, 1, 'one listing of the prefix')
  })

  it('deletes the bucket with --delete-bucket once it is empty, and keeps it while other data is there', async () => {
    const {run, s3} = await setup()
    const report = await run({deleteBucket: true})
    assert.equal(stepNamed(report, 'bucket').status, 'failed', 'the neighbours keep the bucket')
    assert.match(stepNamed(report, 'bucket').detail, /BucketNotEmpty/)
    assert.ok(s3.buckets.has('migration-bucket'))
  })

  it("finishing a verify run keeps another registration's files that the test location's hashed footprint would reach", async () => {
    const {cluster, run, s3, verifyJournal} = await setup()
    // H's base path is exactly the hashed shard prefix of verify_1's location: <hash>/<test location>.
    const hBase = 'A00000000000000/rfs-snapshot-repo/verify_1'
    await cluster.seedS3Repository('h_repo', {basePath: hBase, bucket: 'migration-bucket'}, ['h_snapshot'])
    s3.put('migration-bucket', `${hBase}/indices/h-index/meta-h.dat`, 'H index metadata')
    await verifyJournal.record(s3VerifyEntry(cluster, s3, '1', 'r-hashed'))
    const hFiles = () => s3.keys('migration-bucket', `${hBase}/`)
    const before = hFiles()
    assert.ok(before.includes(`${hBase}/indices/h-index/meta-h.dat`), before.join(', '))
    const report = await run({repository: undefined})
    // The run's own files go; the other registration's are named, left in place, and the entry stays for --forget.
    assert.equal(report.exitCode, 1, JSON.stringify(report.steps))
    assert.match(
      stepNamed(report, 'journal').detail,
      /A00000000000000\/rfs-snapshot-repo\/verify_1\/indices\/h-index\/meta-h\.dat: left in place/,
    )
    assert.equal((await verifyJournal.entries()).length, 1)
    assert.deepEqual(hFiles(), before, "h_repo's files are all still there")
    assert.ok(cluster.repositories.has('h_repo'))
    assert.ok(cluster.snapshots.get('h_repo')?.has('h_snapshot'), "h_repo's snapshot is still listed")
  })

  it('finishing a verify run never follows a symlink out of path.repo, even for a location read as spelled', async () => {
    const {cluster, run, verifyJournal} = await setup()
    const root = mkdtempSync(path.join(tmpdir(), 'linked-'))
    const repo = path.join(root, 'repo')
    const outside = path.join(root, 'outside', 'verify_x')
    mkdirSync(repo, {recursive: true})
    mkdirSync(outside, {recursive: true})
    writeFileSync(path.join(outside, 'index-0'), '{}')
    writeFileSync(path.join(outside, 'snap-x.dat'), 'someone else')
    symlinkSync(path.join(root, 'outside'), path.join(repo, 'link'))
    cluster.pathRepo = [repo]
    await verifyJournal.record({
      clusterEndpoint: cluster.endpoint,
      repository: 'verify_x',
      repositoryRegistered: true,
      runId: 'r-link',
      snapshot: 'verify_snapshot_x',
      startedAt: '2026-11-25T00:00:00Z',
      storage: {kind: 'fs', location: path.join(repo, 'link', 'verify_x')},
    })
    const report = await run({repository: undefined})
    assert.notEqual(report.exitCode, 0, JSON.stringify(report.steps))
    assert.deepEqual(readdirSync(outside).sort(), ['index-0', 'snap-x.dat'], 'nothing behind the link was touched')
    assert.equal((await verifyJournal.entries()).length, 1)
  })

  it('with no repository finishes interrupted verify runs from the journal and lists other test repositories', async () => {
    const {cluster, run, s3, verifyJournal} = await setup()
    await verifyJournal.record(s3VerifyEntry(cluster, s3, '1', 'r1', {snapshotStarted: true}))
    await register(cluster.endpoint, 'verify_other', {settings: {location: '/tmp/x'}, type: 'fs'})
    const report = await run({repository: undefined})
    assert.equal(report.exitCode, 0, JSON.stringify(report.steps))
    assert.match(stepNamed(report, 'journal').detail, /finished 1 run\(s\): verify_1/)
    assert.match(stepNamed(report, 'test-repositories').detail, /still registered .*: verify_other/)
    assert.equal(cluster.repositories.has('verify_1'), false)
    assert.deepEqual(s3.keys('migration-bucket', 'rfs-snapshot-repo/verify_1/'), [])
    assert.deepEqual(await verifyJournal.entries(), [])
  })

  it('finishes a verify run killed after its journal named the registration but before the cluster had it', async () => {
    const {cluster, run, s3, verifyJournal} = await setup()
    s3.put('migration-bucket', 'rfs-snapshot-repo/verify_k/verify-probe', 'probe')
    await verifyJournal.record(s3VerifyEntry(cluster, s3, 'k', 'killed', {snapshotStarted: true}))
    assert.equal(cluster.repositories.has('verify_k'), false)
    const report = await run({repository: undefined})
    assert.equal(report.exitCode, 0, JSON.stringify(report.steps))
    assert.deepEqual(s3.keys('migration-bucket', 'rfs-snapshot-repo/verify_k/'), [])
    assert.deepEqual(await verifyJournal.entries(), [])
    assert.ok(s3.keys('migration-bucket', 'rfs-snapshot-repo/').includes('rfs-snapshot-repo/index-7'), 'nothing else')
  })

  it('says how to drop a journal entry of another cluster, and --forget drops it without touching anything', async () => {
    const {changes, run, verifyJournal} = await setup()
    await verifyJournal.record({
      clusterEndpoint: 'http://gone.example:9200',
      repository: 'verify_9',
      repositoryRegistered: true,
      runId: 'elsewhere',
      snapshot: 'verify_snapshot_9',
      startedAt: '2026-11-25T00:00:00Z',
      storage: {bucket: 'migration-bucket', kind: 's3', prefix: 'rfs-snapshot-repo/verify_9/', region: 'us-east-1'},
    })
    const report = await run({repository: undefined})
    assert.match(
      stepNamed(report, 'journal').detail,
      /verify_9 was created on http:\/\/gone\.example:9200.*--endpoint http:\/\/gone\.example:9200.*console repo clean --forget elsewhere/,
    )
    assert.equal((await verifyJournal.entries()).length, 1)
    const partly = await run({forget: ['elsewhere', 'nope'], repository: undefined})
    assert.equal(partly.exitCode, 2)
    assert.match(stepNamed(partly, 'forget').detail, /no journal entry nope.*nothing was dropped/)
    assert.equal((await verifyJournal.entries()).length, 1, 'one unknown id drops none')
    const forgotten = await run({forget: ['elsewhere'], repository: undefined})
    assert.equal(forgotten.exitCode, 0, JSON.stringify(forgotten.steps))
    assert.deepEqual(await verifyJournal.entries(), [])
    assert.deepEqual(changes(), [])
    const unknown = await run({forget: ['nope'], repository: undefined})
    assert.equal(unknown.exitCode, 2)
  })
})

/** The plan lines as the confirmation showed them ("  - line"). */
function renderedPlanOf(message: string): string[] {
  return message
    .split('\n')
    .filter((line) => line.startsWith('  - '))
    .map((line) => line.slice(4))
}
