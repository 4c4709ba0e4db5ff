import {strict as assert} from 'node:assert'
import {existsSync, readFileSync} from 'node:fs'
import path from 'node:path'

import {forcedCleanArgs, putForeign, registrationsBelow, s3ServicesFile, verifyArgs} from '../helpers/e2e-setup.js'
import {console_ as consoleOn, keysUnder, scratch} from '../helpers/e2e.js'
import {killedAt, seeded, unkilledDuration} from '../helpers/kill.js'
import {realServerWorld} from '../helpers/real-server.js'

/**
 * Crash consistency: `kill -9` at seeded random moments of `repo clean` and `verify` on the real S3
 * server with real snapshots. Afterwards the journal is readable, a rerun (for verify: `repo clean`,
 * which finishes what the journal names) finishes the job, and nothing outside the plan is deleted.
 * CRASH_POINTS moments per command (20 by default, the issue's figure: about 2 minutes for all 40 on the
 * 2-core machine, 30 s for 5), CRASH_SEED the seed (18 by default), so a run is repeated exactly.
 */
const world = realServerWorld('crash')
const {bucket, cluster, store, suffix} = world
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
  const random = seeded(SEED)
  const outcomes: string[] = []

  const services = (basePath: string) =>
    s3ServicesFile(`crash-${suffix}-${basePath}.yaml`, {basePath, bucket, endpoint: store.endpoint, snapshot: 'first'})

  /** A repository for clean to remove: two real snapshots, a foreign object beside them, filler files. */
  async function cleanTarget(label: string) {
    const name = `crash_clean_${suffix}_${label}`
    const basePath = `clean-${label}`
    const foreign = await world.repository(name, basePath, {filler: FILLER})
    return {args: forcedCleanArgs(services(basePath), name, '--json'), basePath, foreign, name}
  }

  /**
   * How long each command takes here when nothing kills it (one run each, before the moments): the
   * moments are drawn between 150 ms and that, so that they fall inside the run on a slow machine and
   * on a fast one alike.
   */
  const durations = {clean: 1500, verify: 1150}
  const moment = (duration: number) => Math.round(150 + random() * Math.max(100, duration - 150))

  /**
   * Runs the command on a target `prepare` makes and kills it at a seeded moment. A run that ends before its
   * kill (the machine ran faster than when the duration was measured) is tried again on a fresh target, the
   * moment drawn below how long that run really took, up to 3 tries: the test then asserts the kill landed.
   */
  async function killMidRun<T extends {args: string[]}>(
    command: 'clean' | 'verify',
    point: number,
    prepare: (attempt: number) => Promise<T>,
  ) {
    let below = durations[command]
    for (let attempt = 1; ; attempt++) {
      const target = await prepare(attempt)
      const afterMs = moment(below)
      const dataDir = path.join(scratch, `crash-${suffix}-${command}-${point}-${attempt}`)
      const started = Date.now()
      const first = await killedAt(target.args, dataDir, afterMs, store)
      outcomes.push(
        `${command} ${afterMs} ${first.killed ? 'killed' : `ended ${first.exitCode}${failedStep(first.stdout)}`}`,
      )
      if (first.killed || attempt === 3) {
        assert.ok(first.killed, `3 kills of ${command} at point ${point} all came after the run ended`)
        return {dataDir, target}
      }

      below = Date.now() - started
    }
  }

  before(async () => {
    await world.setUp()
    const calibration = path.join(scratch, `crash-${suffix}-calibration`)
    durations.clean = await unkilledDuration((await cleanTarget('calibration')).args, calibration, store)
    durations.verify = await unkilledDuration(
      verifyArgs(services('verify-calibration'), '--shard-path-type', 'FIXED', '--json'),
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
    await world.tearDown()
  })

  for (let point = 1; point <= POINTS; point++) {
    it(`repo clean killed at moment ${point}: the rerun finishes, nothing else is lost`, async () => {
      const {dataDir, target} = await killMidRun('clean', point, (attempt) => cleanTarget(`${point}-${attempt}`))
      const {args, basePath, foreign, name} = target
      assertJournalsReadable(dataDir)
      // A kill can land after the clean's last change, while the process is exiting: the registration is gone
      // and the journal holds nothing more, so the rerun rightly refuses a repository it cannot find.
      const finishedBeforeKill = (await cluster('GET', `/_snapshot/${name}`)).status === 404
      const rerun = await consoleOn(args, {CONSOLE_DATA_DIR: dataDir}, store)
      if (finishedBeforeKill && rerun.exitCode === 2)
        assert.match(rerun.stdout, /is not registered .*, and no interrupted clean of it is recorded/)
      else assert.equal(rerun.exitCode, 0, rerun.stdout + rerun.stderr)
      assertJournalsReadable(dataDir)
      assert.equal((await cluster('GET', `/_snapshot/${name}`)).status, 404, 'unregistered')
      assert.deepEqual(
        (await keysUnder(bucket, `${basePath}/`, store)).filter((key) => key !== foreign),
        [],
        'every file of the repository is gone',
      )
      await world.assertNothingElseLost(foreign)
    })

    it(`verify killed at moment ${point}: repo clean finishes what the journal names, nothing else is lost`, async () => {
      const {dataDir, target} = await killMidRun('verify', point, async (attempt) => {
        const basePath = `verify-${point}-${attempt}`
        const foreign = `${basePath}/notes-of-someone-else.txt`
        await putForeign(bucket, foreign, store)
        return {args: verifyArgs(services(basePath), '--shard-path-type', 'FIXED', '--json'), basePath, foreign}
      })
      const {basePath, foreign} = target
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
      assert.deepEqual(
        await registrationsBelow(cluster, bucket, `${basePath}/`),
        [],
        'the test repository is unregistered',
      )
      await world.assertNothingElseLost(foreign)
    })
  }
})
