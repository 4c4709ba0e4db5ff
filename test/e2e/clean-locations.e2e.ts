import {PutObjectCommand} from '@aws-sdk/client-s3'
import {strict as assert} from 'node:assert'
import {existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'

import {
  cleanArgs,
  forcedCleanArgs,
  indexBooks,
  removeRepositories,
  servicesPerBasePath,
  takeSnapshot,
  verifyArgs,
} from '../helpers/e2e-setup.js'
import {
  assertSnapshotReadable,
  clusterCaller,
  console_,
  createBucket,
  emptyAndDeleteBucket,
  engines,
  keysUnder,
  s3Client,
  scratch,
  uniqueSuffix,
  writeServices,
} from '../helpers/e2e.js'
import {killedAt, seeded, unkilledDuration} from '../helpers/kill.js'

/**
 * One location spelled several ways, nested, kept or interrupted, on the real OpenSearch + S3 store and fs
 * repositories: what must survive is read back through the cluster, and the report must say what really happened.
 */
const local = engines()
const suffix = uniqueSuffix()
const bucket = `e2e-locations-${suffix}`
const index = `locations-books-${suffix}`
const cluster = clusterCaller(local.opensearch)
const registered: string[] = []
const fsFolders: string[] = []

async function register(repository: string, body: {settings: Record<string, unknown>; type: string}) {
  const answer = await cluster('PUT', `/_snapshot/${repository}`, body)
  assert.equal(answer.status, 200, JSON.stringify(answer.body))
  if (!registered.includes(repository)) registered.push(repository)
}

const s3Body = (basePath: string, extra: Record<string, unknown> = {}) => ({
  settings: {base_path: basePath, bucket, region: local.region, ...extra},
  type: 's3',
})

function fsFolder(name: string): string {
  const folder = path.join(local.fsRepo, `${name}-${suffix}`)
  fsFolders.push(folder)
  return folder
}

const snapshot = (repository: string, name: string) => takeSnapshot(cluster, repository, name, index)

/** Readable through the cluster: the snapshot's status reads its files in the store (shard level included). */
const assertReadable = (repository: string, name: string) =>
  assertSnapshotReadable(cluster, repository, name, {withShards: true})

const services = servicesPerBasePath(`locations-${suffix}`, bucket, local.s3Endpoint)

const json = (outcome: {stdout: string}) => JSON.parse(outcome.stdout)
const stepOf = (outcome: {stdout: string}, name: string) =>
  (json(outcome).result?.steps ?? []).find((step: {name: string}) => step.name === name)

/** Every version of a bucket with Object Lock removed (governance bypassed), then the bucket. */
async function removeLockedBucket(name: string) {
  const {DeleteBucketCommand, DeleteObjectCommand, ListObjectVersionsCommand} = await import('@aws-sdk/client-s3')
  const s3 = s3Client()
  const listed = await s3.send(new ListObjectVersionsCommand({Bucket: name}))
  for (const version of [...(listed.Versions ?? []), ...(listed.DeleteMarkers ?? [])])
    await s3.send(
      new DeleteObjectCommand({
        Bucket: name,
        BypassGovernanceRetention: true,
        Key: version.Key,
        VersionId: version.VersionId,
      }),
    )
  await s3.send(new DeleteBucketCommand({Bucket: name}))
}

describe('repo clean and verify tell locations apart and finish only what they recorded (real engines)', function () {
  this.timeout(180_000)

  before(async () => {
    await createBucket(bucket)
    await indexBooks(cluster, index)
  })

  afterEach(async () => {
    await removeRepositories(cluster, registered.splice(0))

    for (const folder of fsFolders.splice(0)) rmSync(folder, {force: true, recursive: true})
  })

  after(async () => {
    await cluster('DELETE', `/${index}`)
    await emptyAndDeleteBucket(bucket)
  })

  it('cleaning an empty repository at logs leaves a registered one at A00000000000000/logs readable', async () => {
    await register(`a_${suffix}`, s3Body(`c1${suffix}/logs`))
    await register(`h_${suffix}`, s3Body(`A00000000000000/c1${suffix}/logs`))
    await snapshot(`h_${suffix}`, 'h-snap')
    const before = await keysUnder(bucket, 'A00000000000000/')
    const cleaned = await console_(cleanArgs(services('x'), `a_${suffix}`, '--yes', '--json'))
    assert.equal(cleaned.exitCode, 0, cleaned.stdout + cleaned.stderr)
    assert.deepEqual(await keysUnder(bucket, 'A00000000000000/'), before, 'not one of H’s objects changed')
    await assertReadable(`h_${suffix}`, 'h-snap')
  })

  it('an interrupted clean of a readonly registration is not finished around the cluster', async () => {
    const writer = `w_${suffix}`
    const readonly = `ro_${suffix}`
    await register(writer, s3Body(`c2${suffix}`))
    await snapshot(writer, 'first')
    await cluster('DELETE', `/_snapshot/${writer}`)
    await register(readonly, s3Body(`c2${suffix}`, {readonly: true}))
    const first = await console_(forcedCleanArgs(services('x'), readonly, '--json'))
    assert.notEqual(first.exitCode, 0, 'the cluster refuses to delete from a readonly repository')
    await cluster('DELETE', `/_snapshot/${readonly}`)
    await register(writer, s3Body(`c2${suffix}`))
    await snapshot(writer, 'second')
    const again = await console_(cleanArgs(services('x'), readonly, '--yes', '--json'))
    assert.equal(again.exitCode, 2, again.stdout + again.stderr)
    assert.match(json(again).error?.message ?? stepOf(again, 'plan').detail, new RegExp(`${writer}.*the same location`))
    await assertReadable(writer, 'first')
    await assertReadable(writer, 'second')
    // Without the writer registered, the location's index-N still lists snapshots: refused, never removed as files.
    await cluster('DELETE', `/_snapshot/${writer}`)
    const unregistered = await console_(cleanArgs(services('x'), readonly, '--yes', '--json'))
    assert.equal(unregistered.exitCode, 2, unregistered.stdout + unregistered.stderr)
    assert.match(stepOf(unregistered, 'plan').detail, /snapshots are deleted only through the cluster/)
    await register(writer, s3Body(`c2${suffix}`))
    await assertReadable(writer, 'first')
    await assertReadable(writer, 'second')
    const forgot = await console_([
      'repo',
      'clean',
      '--endpoint',
      local.opensearch,
      '--forget',
      `clean_${readonly}`,
      '--yes',
      '--json',
    ])
    assert.equal(forgot.exitCode, 0, forgot.stdout + forgot.stderr)
  })

  it('fs, the same directory spelled with a trailing slash is the same location', async () => {
    const folder = fsFolder('c3')
    await register(`x3_${suffix}`, {settings: {location: folder}, type: 'fs'})
    await snapshot(`x3_${suffix}`, 'x-snap')
    await register(`y3_${suffix}`, {settings: {location: `${folder}/`}, type: 'fs'})
    const refused = await console_(forcedCleanArgs(local.opensearch, `y3_${suffix}`, '--json'))
    assert.equal(refused.exitCode, 2, refused.stdout + refused.stderr)
    assert.match(stepOf(refused, 'plan')?.detail ?? refused.stdout, /the same location/)
    await assertReadable(`x3_${suffix}`, 'x-snap')
  })

  it('S3, one bucket and base path with the endpoint spelled with and without a slash is one location', async () => {
    await register(`x4_${suffix}`, s3Body(`c4${suffix}`, {endpoint: local.s3Endpoint}))
    await snapshot(`x4_${suffix}`, 'x-snap')
    await register(`y4_${suffix}`, s3Body(`c4${suffix}`, {endpoint: `${local.s3Endpoint}/`}))
    const refused = await console_(forcedCleanArgs(services('x'), `y4_${suffix}`, '--json'))
    assert.equal(refused.exitCode, 2, refused.stdout + refused.stderr)
    assert.match(stepOf(refused, 'plan').detail, new RegExp(`x4_${suffix} .*the same location`))
    await assertReadable(`x4_${suffix}`, 'x-snap')
  })

  it('verify --fs-path / is refused before anything is created, with or without --repository', async () => {
    const folder = fsFolder('c5')
    await register(`other5_${suffix}`, {settings: {location: folder}, type: 'fs'})
    await snapshot(`other5_${suffix}`, 'o-snap')
    // Other sessions share the cluster (and register verify_… names of their own): refused before any step
    // ran, the command sent nothing; the name given with --repository is not registered.
    const ours = async () =>
      Object.keys((await cluster('GET', '/_snapshot')).body).filter((name) => name === path.basename(folder))
    const repositoriesBefore = await ours()
    for (const extra of [[], ['--repository', path.basename(folder)]]) {
      const refused = await console_(verifyArgs(local.opensearch, '--fs-path', '/', ...extra, '--json'))
      assert.equal(refused.exitCode, 2, refused.stdout + refused.stderr)
      assert.match(json(refused).error.message, /--fs-path "\/": must be a directory below the nodes' path\.repo/)
      assert.equal(json(refused).result, undefined, 'no step ran')
    }

    assert.deepEqual(await ours(), repositoriesBefore)
    await assertReadable(`other5_${suffix}`, 'o-snap')
  })

  it('a kept verify repository reused for the migration is not cleaned by the journal, nor a name registered elsewhere', async () => {
    const reused = `r6_${suffix}`
    const kept = await console_(
      verifyArgs(services(`c6${suffix}`), '--repository', reused, '--keep', '--shard-path-type', 'FIXED', '--json'),
    )
    assert.equal(kept.exitCode, 0, kept.stdout + kept.stderr)
    registered.push(reused)
    await snapshot(reused, 'real-snap')
    const moved = `m6_${suffix}`
    const keptMoved = await console_(
      verifyArgs(services(`c6${suffix}`), '--repository', moved, '--keep', '--shard-path-type', 'FIXED', '--json'),
    )
    assert.equal(keptMoved.exitCode, 0, keptMoved.stdout + keptMoved.stderr)
    await cluster('DELETE', `/_snapshot/${moved}/${json(keptMoved).result.snapshot}`)
    await cluster('DELETE', `/_snapshot/${moved}`)
    await register(moved, s3Body(`elsewhere6${suffix}`))
    await snapshot(moved, 'moved-snap')
    const routine = await console_(['repo', 'clean', '--endpoint', local.opensearch, '--yes', '--json'])
    assert.notEqual(routine.exitCode, 0, 'the entries that no longer match are refused, not finished')
    const {detail} = stepOf(routine, 'journal')
    assert.match(detail, new RegExp(`${reused} holds snapshot\\(s\\) the verify run did not take \\(real-snap\\)`))
    assert.match(detail, new RegExp(`${moved} is now registered at s3://${bucket}/elsewhere6${suffix}/`))
    assert.match(detail, /--forget/)
    await assertReadable(reused, 'real-snap')
    await assertReadable(moved, 'moved-snap')
  })

  it('a base path with a trailing slash is cleaned where the cluster writes (trail/index-N), and the report says so', async () => {
    await register(`t8_${suffix}`, s3Body(`trail${suffix}/`))
    await snapshot(`t8_${suffix}`, 't-snap')
    await register(`n8_${suffix}`, s3Body(`trail${suffix}x`))
    await snapshot(`n8_${suffix}`, 'n-snap')
    assert.ok((await keysUnder(bucket, `trail${suffix}/index-`)).length > 0, 'the cluster writes trail/index-N')
    const cleaned = await console_(forcedCleanArgs(services('x'), `t8_${suffix}`, '--json'))
    assert.equal(cleaned.exitCode, 0, cleaned.stdout + cleaned.stderr)
    registered.splice(registered.indexOf(`t8_${suffix}`), 1)
    assert.deepEqual(await keysUnder(bucket, `trail${suffix}/`), [])
    assert.match(stepOf(cleaned, 'objects').detail, /deleted [1-9]\d* object/)
    await assertReadable(`n8_${suffix}`, 'n-snap')
  })

  it('fs clean removes only layout folders, names the others, and refuses a location that is a symlink out of path.repo', async () => {
    const folder = fsFolder('c9')
    const neighbour = fsFolder('c9n')
    await register(`n9_${suffix}`, {settings: {location: neighbour}, type: 'fs'})
    await snapshot(`n9_${suffix}`, 'n-snap')
    await register(`f9_${suffix}`, {settings: {location: folder}, type: 'fs'})
    await snapshot(`f9_${suffix}`, 'f-snap')
    mkdirSync(path.join(folder, 'keep-me'))
    mkdirSync(path.join(folder, 'docs', 'drafts'), {recursive: true})
    const cleaned = await console_(forcedCleanArgs(local.opensearch, `f9_${suffix}`, '--json'))
    assert.equal(cleaned.exitCode, 0, cleaned.stdout + cleaned.stderr)
    registered.splice(registered.indexOf(`f9_${suffix}`), 1)
    assert.ok(existsSync(path.join(folder, 'keep-me')), 'keep-me/ stays')
    assert.ok(existsSync(path.join(folder, 'docs', 'drafts')), 'docs/drafts/ stays')
    assert.ok(!existsSync(path.join(folder, 'indices')), 'the layout’s own folders are gone')
    const kept = json(cleaned).result.kept.map((entry: {key: string}) => entry.key)
    assert.ok(kept.includes(path.join(folder, 'keep-me/')), kept.join(','))
    assert.ok(kept.includes(path.join(folder, 'docs/drafts/')), kept.join(','))

    // Registered while it is a real directory under path.repo, then turned into a symlink leading out of it.
    const outside = mkdtempSync(path.join(tmpdir(), 'outside-path-repo-'))
    const link = fsFolder('c9link')
    await register(`l9_${suffix}`, {settings: {location: link}, type: 'fs'})
    rmSync(link, {force: true, recursive: true})
    symlinkSync(outside, link)
    const refused = await console_(cleanArgs(local.opensearch, `l9_${suffix}`, '--yes', '--json'))
    assert.equal(refused.exitCode, 2, refused.stdout + refused.stderr)
    assert.match(stepOf(refused, 'plan').detail, /symlinks resolved.*not strictly below a path\.repo entry/)
    rmSync(link, {force: true})
    rmSync(outside, {force: true, recursive: true})
    await assertReadable(`n9_${suffix}`, 'n-snap')
  })

  it('kill -9 at seeded moments mid-clean, then reruns: the journal resumes and nothing outside the plan is lost', async () => {
    const neighbour = `kn_${suffix}`
    await register(neighbour, s3Body(`k9n${suffix}`))
    await snapshot(neighbour, 'n-snap')
    const victimAt = async (label: string) => {
      const victim = `k9_${suffix}_${label}`
      await register(victim, s3Body(`k9${suffix}/${label}`))
      await snapshot(victim, 'doomed')
      return {
        args: forcedCleanArgs(services('x'), victim),
        label,
      }
    }

    const dataDir = path.join(scratch, `kill-${suffix}`)
    // The moments fall between a fifth and a half of an unkilled clean's time here, so that they land mid-run
    // on a slow machine and a fast one alike; KILL_SEED repeats a run's moments.
    const duration = await unkilledDuration((await victimAt('calibration')).args, dataDir)
    const random = seeded(Number(process.env.KILL_SEED ?? 9))
    for (const point of [1, 2]) {
      const afterMs = Math.round(duration * (0.2 + 0.3 * random()))
      const {args, label} = await victimAt(String(point))
      const first = await killedAt(args, dataDir, afterMs)
      assert.ok(first.killed, `the kill ${afterMs} ms after the start (of an unkilled ${duration} ms) landed mid-run`)
      // moto answers 500 now and then while keys are deleted under a listing: a further rerun then finishes.
      const rerun = () => console_([...args, '--json'], {CONSOLE_DATA_DIR: dataDir})
      let outcome = await rerun()
      for (let again = 1; again < 3 && outcome.exitCode === 1; again++) outcome = await rerun()
      assert.equal(outcome.exitCode, 0, `killed after ${afterMs} ms, the rerun did not finish: ${outcome.stdout}`)
      assert.deepEqual(await keysUnder(bucket, `k9${suffix}/${label}/`), [])
      await assertReadable(neighbour, 'n-snap')
    }
  })

  it('a password YAML reads as a number is not printed', async () => {
    const file = writeServices(
      `secret-${suffix}.yaml`,
      `source_cluster:\n  endpoint: ${local.opensearch}\n  basic_auth:\n    username: admin\n    password: 987654321\n`,
    )
    const outcome = await console_(verifyArgs(file, '--fs-path', local.fsRepo, '--json'))
    assert.equal(outcome.exitCode, 2, outcome.stdout + outcome.stderr)
    assert.match(outcome.stdout, /password: must be a string, not a number \(its value is not shown\)/)
    assert.doesNotMatch(outcome.stdout + outcome.stderr, /987654321/)
  })

  it('objects a retention keeps are not reported as deleted; the step fails naming them', async function () {
    const locked = `e2e-lock-${suffix}`
    try {
      await s3Client().send(
        new (await import('@aws-sdk/client-s3')).CreateBucketCommand({
          Bucket: locked,
          ObjectLockEnabledForBucket: true,
        }),
      )
    } catch (error) {
      console.log(`      (skipped: the store cannot create an Object Lock bucket: ${(error as Error).message})`)
      this.skip()
    }

    try {
      const {PutObjectRetentionCommand} = await import('@aws-sdk/client-s3')
      await register(`l7_${suffix}`, {
        settings: {base_path: 'locked', bucket: locked, region: local.region},
        type: 's3',
      })
      await register(`n7_${suffix}`, s3Body(`c7${suffix}`))
      await snapshot(`n7_${suffix}`, 'n-snap')
      await cluster('DELETE', `/_snapshot/l7_${suffix}`)
      registered.splice(registered.indexOf(`l7_${suffix}`), 1)
      for (const key of ['index-0', 'index.latest', 'snap-x.dat']) {
        await s3Client().send(new PutObjectCommand({Body: '{}', Bucket: locked, Key: `locked/${key}`}))
        await s3Client().send(
          new PutObjectRetentionCommand({
            Bucket: locked,
            Key: `locked/${key}`,
            Retention: {Mode: 'GOVERNANCE', RetainUntilDate: new Date(Date.now() + 3_600_000)},
          }),
        )
      }

      await register(`l7_${suffix}`, {
        settings: {base_path: 'locked', bucket: locked, readonly: true, region: local.region},
        type: 's3',
      })
      const cleaned = await console_(cleanArgs(services('x'), `l7_${suffix}`, '--yes', '--json'))
      registered.splice(registered.indexOf(`l7_${suffix}`), 1)
      assert.equal(cleaned.exitCode, 1, cleaned.stdout + cleaned.stderr)
      const objects = stepOf(cleaned, 'objects')
      assert.equal(objects.status, 'failed')
      assert.match(objects.detail, /could not be deleted|still stored/)
      assert.doesNotMatch(
        json(cleaned)
          .result.steps.map((step: {detail: string}) => step.detail)
          .join(' '),
        /deleted \d+ object/,
      )
      await assertReadable(`n7_${suffix}`, 'n-snap')
    } finally {
      await console_(['repo', 'clean', '--endpoint', local.opensearch, '--forget', `clean_l7_${suffix}`, '--yes'])
      await removeLockedBucket(locked)
    }
  })
})
