import {strict as assert} from 'node:assert'
import path from 'node:path'

import {forcedCleanArgs, putForeign, registrationsBelow, s3ServicesFile, verifyArgs} from '../helpers/e2e-setup.js'
import {
  assertSnapshotReadable,
  type CliOutcome,
  console_ as consoleOn,
  keysUnder,
  scratch,
  versionsUnder,
} from '../helpers/e2e.js'
import {type AskedObject, type Fault, faultProxy, type FaultProxy, type ProxiedRequest} from '../helpers/fault-proxy.js'
import {realServerWorld} from '../helpers/real-server.js'

/**
 * The store's faults, between the console and the real S3 server (MinIO where the engines run it):
 * for each fault, verify / delete / clean end with the truth (exit code, what was done), nothing
 * outside the plan is deleted (a repository beside it stays readable through the cluster, a foreign
 * object stays), and a rerun once the store is healthy finishes the job. The cluster reaches the
 * store through the same proxy untouched: only the console's requests meet the faults.
 */
const world = realServerWorld('faults')
const {bucket, cluster, store, suffix} = world
const FILLER = 2100

type Command = 'clean' | 'delete' | 'verify'

/** The faulted run, for a case's own checks before the store heals. */
interface FaultedRun {
  /** The case's base path in the bucket. */
  base: string
  command: Command
  outcome: CliOutcome
  proxy: FaultProxy
  /** Every object a key-errors fault answered as failed (the suite checks each was still in the store then). */
  refused: AskedObject[]
  /** How long the faulted run took to end. */
  seconds: number
  /** Every key in the store under the case's base path now. */
  stored: () => Promise<string[]>
}

interface FaultCase {
  /** A bandwidth cap on the console's traffic, each way, in bytes per second. */
  bandwidthBytesPerSecond?: number
  /** What the faulted run must show besides its outcome (checked before the store heals). */
  check?: (run: FaultedRun) => Promise<void>
  /** Per request; called with the proxy's state so that a fault can depend on what happened before. */
  decide?: () => (request: ProxiedRequest) => Fault | undefined
  latencyMs?: number
  name: string
  /** Exit codes the run may end with under this fault; the report must match the code. */
  outcomes: Partial<Record<Command, number[]>>
}

/** A key of verify's own test repository (its base path is `verify_<time>_<id>` below the case's). */
const VERIFY_KEY = /\/verify_[^/]+\//

/** From the first request of `operation` on (that one answered), the store answers nothing more. */
const stopsAfter = (operation: ProxiedRequest['operation']) => () => {
  let stopped = false
  return (request: ProxiedRequest): Fault | undefined => {
    if (stopped) return {kind: 'hang'}
    if (request.operation === operation) stopped = true
    return undefined
  }
}

const CAP = 32 * 1024

const CASES: FaultCase[] = [
  {latencyMs: 150, name: 'latency 150 ms on every answer', outcomes: {clean: [0], delete: [0], verify: [0]}},
  {
    bandwidthBytesPerSecond: CAP,
    // The cap held: what went through it cannot have taken less than its size over the rate. At this rate
    // one of clean's listing pages (about 200 KiB) flows for longer than the 5 s the console waits for an
    // answer to begin: a wait that covered the whole answer would fail it.
    async check({command, proxy, seconds}) {
      const {down, longest, up} = proxy.capped
      assert.ok(down > 0, 'answers went through the cap')
      if (command === 'clean')
        assert.ok(
          longest.ms > 5000,
          `clean's longest answer through the cap: ${longest.bytes} bytes in ${longest.ms} ms`,
        )
      assert.ok(
        seconds >= (0.95 * Math.max(down, up)) / CAP,
        `${down} bytes down and ${up} up at ${CAP} bytes/s in ${seconds} s`,
      )
    },
    name: `bandwidth capped at ${CAP / 1024} KiB/s each way`,
    outcomes: {clean: [0], delete: [0], verify: [0]},
  },
  {
    decide() {
      let pages = 0
      return (request) =>
        request.operation === 'ListObjects' && [0, 2].includes(pages++) ? {kind: 'reset-mid-answer'} : undefined
    },
    name: 'connection reset mid listing page (1st and 3rd)',
    outcomes: {clean: [0], delete: [0], verify: [0]},
  },
  {
    decide() {
      let answers = 0
      return (request) =>
        request.operation === 'DeleteObjects' && answers++ === 0 ? {kind: 'reset-mid-answer'} : undefined
    },
    name: 'connection reset mid DeleteObjects answer',
    outcomes: {clean: [0], delete: [0], verify: [0]},
  },
  {
    decide: () => (request) => (request.index % 6 < 2 ? {kind: 'slow-down'} : undefined),
    name: 'bursts of 503 SlowDown (2 of every 6 requests)',
    // A batch whose SDK attempts all meet a burst waits and goes again, fewer in flight: the run ends 0.
    outcomes: {clean: [0], delete: [0], verify: [0]},
  },
  {
    async check({command, outcome}) {
      if (command !== 'clean') return
      const objects = JSON.parse(outcome.stdout).result.steps.find((step: {name: string}) => step.name === 'objects')
      assert.match(
        objects.detail,
        /the store throttled \d+ request\(s\) \(503 SlowDown\)/,
        'clean says it was slowed down',
      )
    },
    decide() {
      // From the first DeleteObjects on, every request of the console is throttled for 8 s: longer than
      // the SDK's own 4 attempts of one request can span (its throttling back-off waits at most 1, 2 and
      // 4 s), shorter than the pace's bounded waits.
      let throttledUntil: number | undefined
      return (request) => {
        if (request.operation === 'DeleteObjects') throttledUntil ??= Date.now() + 8000
        return throttledUntil !== undefined && Date.now() < throttledUntil ? {kind: 'slow-down'} : undefined
      }
    },
    name: 'SlowDown on every request for 8 s from the first DeleteObjects',
    outcomes: {clean: [0], verify: [0]},
  },
  {
    // The keys refused stay in the store (the proxy deletes only the others): a run that ends 0 with every
    // file gone has deleted them again itself.
    async check({command, refused}) {
      // delete sends no DeleteObjects of its own (the cluster deletes the snapshot's files).
      if (command !== 'delete') assert.ok(refused.length > 0, `the fault refused some of ${command}'s keys`)
    },
    decide() {
      let answers = 0
      return (request) =>
        request.operation === 'DeleteObjects' && answers++ < 2
          ? {keys: (key) => /[37]$/.test(key) || VERIFY_KEY.test(key), kind: 'key-errors'}
          : undefined
    },
    name: 'per-key errors in a 200 DeleteObjects answer (first 2 answers)',
    outcomes: {clean: [0], delete: [0], verify: [0]},
  },
  {
    async check({base, command, outcome, refused, stored}) {
      if (command === 'verify') {
        // verify's cleanup cannot finish: the refused keys stay, and its journal keeps the run for repo clean.
        assert.ok(refused.length > 0, 'the fault refused some of the keys of verify')
        const left = await stored()
        for (const object of refused) assert.ok(left.includes(object.Key), `${object.Key} is still in the store`)
        return
      }

      const stays = `${base}/tests-filler/blob__7`
      assert.ok(
        refused.some((object) => object.Key === stays),
        `the fault refused ${stays}: ${JSON.stringify(refused)}`,
      )
      assert.ok((await stored()).includes(stays), `${stays} is still in the store after the run that ended 1`)
      assert.ok(outcome.stdout.includes(stays), `the report names what remains: ${outcome.stdout}`)
      // The rerun once the store heals must then remove it: assertDone finds every file gone.
    },
    decide: () => (request) =>
      request.operation === 'DeleteObjects'
        ? {keys: (key) => key.endsWith('__7') || VERIFY_KEY.test(key), kind: 'key-errors'}
        : undefined,
    name: 'a per-key error that persists (one key of clean, every key of verify)',
    outcomes: {clean: [1], verify: [1]},
  },
  {
    decide: stopsAfter('GetObject'),
    name: 'the store stops answering mid-run (after the first GetObject)',
    outcomes: {clean: [0, 1], delete: [1], verify: [1]},
  },
  {
    decide: stopsAfter('DeleteObjects'),
    name: 'the store stops answering mid-run (after the first DeleteObjects)',
    // verify's DeleteObjects is followed by the listing that must agree it is all gone: unanswered, the
    // cleanup cannot say so and fails (the journal keeps the run for a rerun, which finishes).
    outcomes: {clean: [1], verify: [1]},
  },
]

const rows: string[] = []

describe(`the store's faults, through a fault proxy in front of ${store.name}`, () => {
  let proxy: FaultProxy
  let caseNumber = 0

  const services = (basePath: string) =>
    s3ServicesFile(`faults-${suffix}-${caseNumber}.yaml`, {
      basePath,
      bucket,
      endpoint: proxy.url,
      repository: mig(),
      snapshot: 'first',
    })
  const mig = () => `faults_mig_${suffix}_${caseNumber}`
  /** Each case works on its own base path, with an object of someone else's in it. */
  const base = () => `mig-${caseNumber}`
  const foreign = () => `${base()}/notes-of-someone-else.txt`

  /** What the command works on, registered through the proxy: for verify only the foreign object. */
  async function migration(command: Command) {
    if (command === 'verify') return putForeign(bucket, foreign(), store)
    const filler = command === 'clean' ? FILLER : 0
    await world.repository(mig(), base(), {endpoint: new URL(proxy.url).host, filler})
  }

  const run = (command: Command, dataDir: string) => {
    const env = {CONSOLE_DATA_DIR: dataDir}
    if (command === 'verify')
      return consoleOn(verifyArgs(services(base()), '--shard-path-type', 'FIXED', '--json'), env, store)
    if (command === 'delete')
      return consoleOn(
        ['snapshot', 'delete', '--config-file', services(base()), '--snapshot', 'first', '--yes', '--json'],
        env,
        store,
      )
    return consoleOn(forcedCleanArgs(services(base()), mig(), '--json'), env, store)
  }

  /** What the command was asked to do is done: checked against the cluster and the store. */
  async function assertDone(command: Command) {
    if (command === 'verify') {
      const left = (await keysUnder(bucket, `${base()}/`, store)).filter((key) => key.startsWith(`${base()}/verify_`))
      assert.deepEqual(left, [], 'nothing of the test repository is left')
      assert.deepEqual(
        await registrationsBelow(cluster, bucket, `${base()}/`),
        [],
        'the test repository is unregistered',
      )
    } else if (command === 'delete') {
      assert.equal((await cluster('GET', `/_snapshot/${mig()}/first`)).status, 404, 'first is deleted')
      await assertSnapshotReadable(cluster, mig(), 'second')
    } else {
      assert.equal((await cluster('GET', `/_snapshot/${mig()}`)).status, 404, 'unregistered')
      const left = (await keysUnder(bucket, `${base()}/`, store)).filter((key) => key !== foreign())
      assert.deepEqual(left, [], 'every file of the repository is gone')
    }
  }

  const assertNothingElseLost = () => world.assertNothingElseLost(foreign())

  before(async () => {
    console.log(
      `      store: ${store.name} at ${store.endpoint}${store.name === 'moto' ? ' (MinIO is not running here)' : ''}`,
    )
    await world.setUp(new URL(store.endpoint).host)
  })

  after(async () => {
    if (rows.length > 0)
      console.log(
        [
          '',
          '      | fault | command | outcome | time to end | rerun | data lost |',
          '      |---|---|---|---|---|---|',
          ...rows,
        ].join('\n'),
      )
    await world.tearDown()
  })

  it('a store that accepts connections and never answers ends verify within 30 s, the diagnosis naming the endpoint', async () => {
    caseNumber++
    proxy = await faultProxy(store.endpoint, {decide: () => ({kind: 'hang'})})
    try {
      await migration('verify')
      const started = Date.now()
      const outcome = await run('verify', path.join(scratch, `faults-data-${suffix}-silent`))
      const seconds = (Date.now() - started) / 1000
      assert.equal(outcome.exitCode, 1, outcome.stdout + outcome.stderr)
      assert.ok(seconds < 30, `verify took ${seconds} s`)
      const failed = JSON.parse(outcome.stdout).result.steps.find((step: {status: string}) => step.status === 'failed')
      assert.equal(failed.name, 'bucket')
      assert.equal(failed.diagnosis.code, 's3-no-answer')
      assert.match(failed.diagnosis.cause, new RegExp(`The S3 store at ${proxy.url} did not answer HeadBucket in time`))
      await assertNothingElseLost()
      rows.push(
        `      | accepts connections, never answers | verify | exit 1, s3-no-answer naming ${proxy.url} | ${seconds.toFixed(1)} s | not needed (nothing was written) | none |`,
      )
    } finally {
      await proxy.close()
    }
  })

  for (const fault of CASES)
    for (const command of ['verify', 'delete', 'clean'] as const) {
      const allowed = fault.outcomes[command]
      if (!allowed) continue
      it(`${fault.name}: ${command} ends with the truth, loses nothing, and a rerun finishes`, async () => {
        caseNumber++
        // What each key-errors answer refused, and whether the store still held it as the answer left.
        const refusals: {object: AskedObject; stored: boolean}[] = []
        proxy = await faultProxy(store.endpoint, {
          bandwidthBytesPerSecond: fault.bandwidthBytesPerSecond,
          credentials: store,
          decide: fault.decide?.(),
          latencyMs: fault.latencyMs,
          async onRefused(inBucket, refused) {
            if (refused.length === 0) return
            const stored = new Set(await keysUnder(inBucket, `${base()}/`, store))
            const versions = refused.some((object) => object.VersionId)
              ? new Set(await versionsUnder(inBucket, `${base()}/`, store))
              : new Set<string>()
            for (const object of refused)
              refusals.push({
                object,
                stored: object.VersionId ? versions.has(`${object.Key}@${object.VersionId}`) : stored.has(object.Key),
              })
          },
        })
        const dataDir = path.join(scratch, `faults-data-${suffix}-${caseNumber}`)
        try {
          await migration(command)
          const started = Date.now()
          const outcome = await run(command, dataDir)
          const seconds = (Date.now() - started) / 1000
          const report = JSON.parse(outcome.stdout)
          assert.ok(
            allowed.includes(outcome.exitCode),
            `exit ${outcome.exitCode}, expected ${allowed.join(' or ')}: ${outcome.stdout}${outcome.stderr}`,
          )
          assert.equal(report.exitCode, outcome.exitCode, 'the report tells the exit code')
          assert.equal(report.status, outcome.exitCode === 0 ? 'ok' : 'failed')
          const failed = (report.result?.steps ?? []).filter((step: {status: string}) => step.status === 'failed')
          if (outcome.exitCode === 0) {
            assert.deepEqual(failed, [], 'a run that exits 0 has no failed step')
            await assertDone(command)
          } else
            assert.ok(
              failed.every((step: {diagnosis?: {cause: string}}) => step.diagnosis?.cause),
              'each failed step says why',
            )
          await assertNothingElseLost()
          const gone = refusals.filter((refusal) => !refusal.stored).map(({object}) => object.Key)
          assert.deepEqual(gone, [], 'every object answered as not deleted was still in the store')
          await fault.check?.({
            base: base(),
            command,
            outcome,
            proxy,
            refused: refusals.map(({object}) => object),
            seconds,
            stored: () => keysUnder(bucket, `${base()}/`, store),
          })

          // The store recovers: a rerun of the same command (for verify, repo clean of what the journal
          // names, then verify again) finishes the job.
          proxy.heal()
          let rerun = 'not needed'
          if (outcome.exitCode !== 0) {
            if (command === 'verify') {
              const cleaned = await consoleOn(
                ['repo', 'clean', '--config-file', services(base()), '--yes', '--json'],
                {CONSOLE_DATA_DIR: dataDir},
                store,
              )
              assert.equal(cleaned.exitCode, 0, cleaned.stdout + cleaned.stderr)
            }

            const again = await run(command, dataDir)
            assert.equal(again.exitCode, 0, again.stdout + again.stderr)
            rerun = 'exit 0'
          }

          await assertDone(command)
          await assertNothingElseLost()
          const played = proxy.faults.length
          const kept = refusals.length > 0 ? `, ${refusals.length} per-key error(s), each key still in the store` : ''
          const kib = (bytes: number) => `${(bytes / 1024).toFixed(0)} KiB`
          const {down, longest, maxPauseMs, up} = proxy.capped
          const capped = fault.bandwidthBytesPerSecond
            ? `, ${kib(down)} down / ${kib(up)} up through the cap, longest answer ${kib(longest.bytes)} over ${(longest.ms / 1000).toFixed(1)} s, longest pause ${maxPauseMs} ms`
            : ''
          rows.push(
            `      | ${fault.name} | ${command} | exit ${outcome.exitCode} (${played} fault(s) played${kept}${capped}) | ${seconds.toFixed(1)} s | ${rerun} | none |`,
          )
        } finally {
          await proxy.close()
        }
      })
    }
})
