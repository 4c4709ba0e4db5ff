#!/usr/bin/env node
// npm run bench: startup, verify and prefix-emptying figures, each against its baseline in the same run.
// A benchmark, not a test: it prints figures and ratios; every section runs or says why it was skipped,
// and the run exits 1 when a section failed to run (a missed target is printed, not a failure).
// --smoke (or BENCH_SMOKE=1): every section with small counts, to prove the bench runs (npm test runs it).
import path from 'node:path'

import {emptying} from './bench/emptying.mjs'
import {onPath, root, scratch} from './bench/measure.mjs'
import {startup} from './bench/startup.mjs'
import {shardDataVerify, verifyAgainstManual} from './bench/verify.mjs'

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true'
const args = new Set(process.argv.slice(2))
const smoke = args.has('--smoke') || process.env.BENCH_SMOKE === '1'
/** A setting from the environment, else its smoke or full default. */
const setting = (name, full, small) => process.env[name] ?? (smoke ? small : full)
const list = (value) => value.split(',').filter(Boolean).map(Number)

function engines() {
  if (!process.env.OPENSEARCH_URL) return undefined
  return {
    cluster: process.env.OPENSEARCH_URL,
    s3: process.env.S3_ENDPOINT,
    region: process.env.S3_REGION,
    // moto's server answers 500 now and then when keys are deleted while it lists; both tools get the same retries.
    env: {
      AWS_MAX_ATTEMPTS: '10',
      AWS_ACCESS_KEY_ID: process.env.S3_ACCESS_KEY,
      AWS_SECRET_ACCESS_KEY: process.env.S3_SECRET_KEY,
      CONSOLE_DATA_DIR: path.join(scratch, 'data'),
      CI: 'true',
    },
  }
}

const failed = []
/** Runs one section, or prints why it is skipped; a section that throws is named and the run fails. */
async function section(name, skipped, run) {
  if (skipped) return console.log(`\n${name}: skipped (${skipped})`)
  const started = Date.now()
  try {
    await run()
    console.log(`  (${name}: ${((Date.now() - started) / 1000).toFixed(1)} s)`)
  } catch (error) {
    failed.push(name)
    console.log(`\n${name}: FAILED to run: ${error?.stack ?? error}`)
  }
}

const local = engines()
const noEngines = !local && 'no engines: run it through `npm run bench`, which starts them'
const emptyingOnly = args.has('--emptying-only') && '--emptying-only'
const verifyRuns = Number(setting('BENCH_VERIFY_RUNS', '5', '1'))
const aws = onPath('aws')
if (smoke) console.log('bench smoke run: every section with small counts (figures are not comparable)')

await section('startup', emptyingOnly, () => startup(Number(setting('BENCH_RUNS', '15', '5'))))
await section(
  "verify vs the guide's manual procedure",
  emptyingOnly || noEngines || (!aws && 'no AWS CLI (`aws`) on PATH; install it (pip install awscli) to compare'),
  () => verifyAgainstManual(local, {aws, runs: verifyRuns}),
)
for (const mebibytes of list(setting('BENCH_INDEX_MIB', '2,4', '1')))
  await section(
    `verify with shard data (${mebibytes} MiB index)`,
    emptyingOnly || noEngines || (args.has('--no-shard-data') && '--no-shard-data'),
    () => shardDataVerify(local, mebibytes, verifyRuns),
  )
await section(
  'verify on 3 nodes beside 1 node',
  emptyingOnly || noEngines || (args.has('--no-nodes') && '--no-nodes'),
  async () => {
    const {enginesScript, verifyOnNodes} = await import('./bench/nodes.mjs')
    await verifyOnNodes({engines: enginesScript(root), local, root, runs: verifyRuns})
  },
)
await section('emptying a prefix', noEngines || (args.has('--no-emptying') && '--no-emptying'), () =>
  emptying(local, {
    ceiling: list(setting('BENCH_CEILING', '4,10,24', '10')),
    counts: list(setting('BENCH_OBJECTS', '20000,100000', '2000')),
    idleWaitMs: Number(setting('BENCH_IDLE_WAIT_MS', '60000', '0')),
    listingTurns: Number(setting('BENCH_LISTING_TURNS', '3', '1')),
    rounds: Number(setting('BENCH_ROUNDS', '2', '1')),
  }),
)

if (failed.length > 0) {
  console.log(`\nbench: ${failed.length} section(s) failed to run: ${failed.join('; ')}`)
  process.exitCode = 1
}
