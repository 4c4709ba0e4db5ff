import {PutObjectCommand} from '@aws-sdk/client-s3'
import {strict as assert} from 'node:assert'
import {existsSync, readFileSync} from 'node:fs'
import path from 'node:path'

import {
  assertSnapshotReadable,
  clusterCaller,
  console_ as consoleOn,
  createBucket,
  emptyAndDeleteBucket,
  engines,
  keysUnder,
  s3Client,
  scratch,
  stores,
  uniqueSuffix,
  writeServices,
} from '../helpers/e2e.js'
import {killedAt, seeded, unkilledDuration} from '../helpers/kill.js'

/**
 * Crash consistency: `kill -9` at seeded random moments of `repo clean` and `verify` on the real S3
 * server with real snapshots. Afterwards the journal is readable, a rerun (for verify: `repo clean`,
 * which finishes what the journal names) finishes the job, and nothing outside the plan is deleted.
 * CRASH_POINTS moments per command (20 by default, the issue's figure: about 2 minutes for all 40 on the
 * 2-core machine, 30 s for 5), CRASH_SEED the seed (18 by default), so a run is repeated exactly.
 */
const local = engines()
const store = stores().at(-1)!
const cluster = clusterCaller(local.opensearch)
const POINTS = Number(process.env.CRASH_POINTS ?? 20)
const SEED = Number(process.env.CRASH_SEED ?? 18)
const FILLER = 2100

/** The failed step of a run that ended by itself with a failure, and its diagnosis, for the record. */
function failedStep(stdout: string): string {
  try {
    const failed = (JSON.parse(stdout).result?.steps ?? []).find((step: {status: string}) => step.status === 'failed')
    return failed ? ` (${failed.name}: ${failed.diagnosis?.code ?? ''} ${String(failed.detail).slice(0, 160)})` : ''
  } catch {
    return ''
  }
}

/** Every journal file of the run parses (a crash never leaves half a journal). */
function assertJournalsReadable(dataDir: string) {
  for (const name of ['verify-journal.json', 'clean-journal.json']) {
    const file = path.join(dataDir, name)
    if (existsSync(file)) assert.ok(Array.isArray(JSON.parse(readFileSync(file, 'utf8'))), `${file} is a journal`)
  }
}

describe(`kill -9 at seeded moments of repo clean and verify (${store.name}, ${POINTS} moments each, seed ${SEED})`, () => {
  const suffix = uniqueSuffix()
  const bucket = `e2e-crash-${suffix}`
  const index = `e2e-crash-${suffix}`
  const keep = `crash_keep_${suffix}`
  const random = seeded(SEED)
  const outcomes: string[] = []

  const register = async (name: string, basePath: string) => {
    const answer = await cluster('PUT', `/_snapshot/${name}`, {
      settings: {base_path: basePath, bucket, region: local.region, ...store.repositorySettings},
      type: 's3',
    })
    assert.equal(answer.status, 200, JSON.stringify(answer.body))
  }

  const snapshot = async (repository: string, name: string) => {
    const taken = await cluster('PUT', `/_snapshot/${repository}/${name}?wait_for_completion=true`, {
      include_global_state: false,
      indices: index,
    })
    assert.equal(taken.status, 200, JSON.stringify(taken.body))
  }

  const services = (basePath: string) =>
    writeServices(
      `crash-${suffix}-${basePath}.yaml`,
      `source_cluster:\n  endpoint: ${local.opensearch}\n  no_auth:\nsnapshot:\n  snapshot_name: first\n  s3:\n    repo_uri: s3://${bucket}/${basePath}\n    aws_region: ${local.region}\n    endpoint: ${store.endpoint}\n`,
    )

  /** A repository for clean to remove: two real snapshots, a foreign object beside them, filler files. */
  async function cleanTarget(label: string) {
    const name = `crash_clean_${suffix}_${label}`
    const basePath = `clean-${label}`
    const foreign = `${basePath}/notes-of-someone-else.txt`
    await register(name, basePath)
    await snapshot(name, 'first')
    await snapshot(name, 'second')
    await s3Client(store).send(new PutObjectCommand({Body: 'mine', Bucket: bucket, Key: foreign}))
    let next = 0
    const put = async () => {
      while (next < FILLER) {
        const number = next++
        await s3Client(store).send(
          new PutObjectCommand({Body: 'x', Bucket: bucket, Key: `${basePath}/tests-filler/blob__${number}`}),
        )
      }
    }

    await Promise.all(Array.from({length: 16}, put))
    const args = [
      'repo',
      'clean',
      '--config-file',
      services(basePath),
      '--repository',
      name,
      '--force',
      '--confirm',
      name,
      '--json',
    ]
    return {args, basePath, foreign, name}
  }

  /**
   * How long each command takes here when nothing kills it (one run each, before the moments): the
   * moments are drawn between 150 ms and that, so that they fall inside the run on a slow machine and
   * on a fast one alike.
   */
  const durations = {clean: 1500, verify: 1150}
  const moment = (duration: number) => Math.round(150 + random() * Math.max(100, duration - 150))

  async function assertNothingElseLost(foreign: string) {
    await assertSnapshotReadable(cluster, keep, 'kept')
    assert.ok((await keysUnder(bucket, foreign, store)).includes(foreign), 'the foreign object is kept')
  }

  before(async () => {
    await createBucket(bucket, store)
    await cluster('PUT', `/${index}/_doc/1?refresh=true`, {title: 'crash'})
    await register(keep, 'keep')
    await snapshot(keep, 'kept')
    const calibration = path.join(scratch, `crash-${suffix}-calibration`)
    durations.clean = await unkilledDuration((await cleanTarget('calibration')).args, calibration, store)
    durations.verify = await unkilledDuration(
      ['snapshot', 'verify', '--config-file', services('verify-calibration'), '--json'],
      calibration,
      store,
    )
    console.log(
      `      unkilled: repo clean ${durations.clean} ms, verify ${durations.verify} ms; moments are drawn below these`,
    )
  })

  after(async () => {
    const killed = outcomes.filter((outcome) => outcome.endsWith('killed')).length
    console.log(
      `      moments (ms after start) and what the kill met (${killed} of ${outcomes.length} killed mid-run): ${outcomes.join('; ')}`,
    )
    const names = Object.keys((await cluster('GET', '/_snapshot')).body).filter((name) => name.includes(suffix))
    for (const name of names) {
      const snapshots = await cluster('GET', `/_snapshot/${name}/_all`)
      for (const taken of snapshots.body.snapshots ?? [])
        await cluster('DELETE', `/_snapshot/${name}/${taken.snapshot}`)
      await cluster('DELETE', `/_snapshot/${name}`)
    }

    await cluster('DELETE', `/${index}`)
    await emptyAndDeleteBucket(bucket, store)
  })

  for (let point = 1; point <= POINTS; point++) {
    it(`repo clean killed at moment ${point}: the rerun finishes, nothing else is lost`, async () => {
      const afterMs = moment(durations.clean)
      const {args, basePath, foreign, name} = await cleanTarget(String(point))
      const dataDir = path.join(scratch, `crash-${suffix}-clean-${point}`)
      const first = await killedAt(args, dataDir, afterMs, store)
      outcomes.push(
        `clean ${afterMs} ${first.killed ? 'killed' : `ended ${first.exitCode}${failedStep(first.stdout)}`}`,
      )
      assertJournalsReadable(dataDir)
      const rerun = await consoleOn(args, {CONSOLE_DATA_DIR: dataDir}, store)
      if (!first.killed && first.exitCode === 0) {
        // It finished before the kill: nothing is registered and nothing recorded, so the rerun says so.
        assert.equal(rerun.exitCode, 2, rerun.stdout + rerun.stderr)
        assert.match(rerun.stdout, /no interrupted clean of it is recorded/)
      } else assert.equal(rerun.exitCode, 0, rerun.stdout + rerun.stderr)
      assertJournalsReadable(dataDir)
      assert.equal((await cluster('GET', `/_snapshot/${name}`)).status, 404, 'unregistered')
      assert.deepEqual(
        (await keysUnder(bucket, `${basePath}/`, store)).filter((key) => key !== foreign),
        [],
        'every file of the repository is gone',
      )
      await assertNothingElseLost(foreign)
    })

    it(`verify killed at moment ${point}: repo clean finishes what the journal names, nothing else is lost`, async () => {
      const afterMs = moment(durations.verify)
      const basePath = `verify-${point}`
      const foreign = `${basePath}/notes-of-someone-else.txt`
      const dataDir = path.join(scratch, `crash-${suffix}-verify-${point}`)
      await s3Client(store).send(new PutObjectCommand({Body: 'mine', Bucket: bucket, Key: foreign}))
      const first = await killedAt(
        ['snapshot', 'verify', '--config-file', services(basePath), '--json'],
        dataDir,
        afterMs,
        store,
      )
      outcomes.push(
        `verify ${afterMs} ${first.killed ? 'killed' : `ended ${first.exitCode}${failedStep(first.stdout)}`}`,
      )
      assertJournalsReadable(dataDir)
      const finished = await consoleOn(
        ['repo', 'clean', '--config-file', services(basePath), '--yes', '--json'],
        {CONSOLE_DATA_DIR: dataDir},
        store,
      )
      assert.equal(finished.exitCode, 0, finished.stdout + finished.stderr)
      assertJournalsReadable(dataDir)
      assert.deepEqual(
        (await keysUnder(bucket, `${basePath}/`, store)).filter((key) => key !== foreign),
        [],
        'nothing of the test repository is left',
      )
      const registrations = Object.entries((await cluster('GET', '/_snapshot')).body as Record<string, any>)
      assert.deepEqual(
        registrations
          .filter(
            ([, body]) =>
              body.settings?.bucket === bucket && String(body.settings?.base_path ?? '').startsWith(`${basePath}/`),
          )
          .map(([name]) => name),
        [],
        'the test repository is unregistered',
      )
      await assertNothingElseLost(foreign)
    })
  }

  it('the kills land mid-run: at least three in four of each command’s moments', () => {
    for (const command of ['clean', 'verify']) {
      const met = outcomes.filter((outcome) => outcome.startsWith(`${command} `))
      const killed = met.filter((outcome) => outcome.endsWith('killed')).length
      assert.equal(met.length, POINTS, `every ${command} moment ran`)
      assert.ok(killed >= 0.75 * POINTS, `${killed} of ${POINTS} ${command} kills landed mid-run: ${met.join('; ')}`)
    }
  })
})
