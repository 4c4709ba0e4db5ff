#!/usr/bin/env node
// npm run bench: startup, verify and prefix-emptying figures, each against its baseline in the same run.
// A benchmark, not a test: it prints figures and ratios and exits 0 unless something failed to run.
import {execFileSync, spawnSync} from 'node:child_process'
import {existsSync, mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {fileURLToPath, pathToFileURL} from 'node:url'

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true'
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const cli = path.join(root, 'bin', 'run.js')
const scratch = mkdtempSync(path.join(tmpdir(), 'console-bench-'))
const args = new Set(process.argv.slice(2))
const RUNS = Number(process.env.BENCH_RUNS ?? 15)

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]
}
const ms = (value) => `${value.toFixed(0)} ms`

function timeOnce(command, commandArgs, env = {}) {
  const started = process.hrtime.bigint()
  const result = spawnSync(command, commandArgs, {env: {...process.env, ...env}, stdio: ['ignore', 'pipe', 'pipe']})
  const elapsed = Number(process.hrtime.bigint() - started) / 1e6
  if (result.status !== 0)
    throw new Error(`${command} ${commandArgs.join(' ')} exited ${result.status}: ${result.stdout}${result.stderr}`)
  return elapsed
}

/** Medians of several runs, the candidates interleaved so that machine noise hits them alike. */
function startup() {
  const cases = {
    'node -e 0': [process.execPath, ['-e', '0']],
    'console --version': [process.execPath, [cli, '--version']],
    'console snapshot verify --help': [process.execPath, [cli, 'snapshot', 'verify', '--help']],
  }
  const samples = Object.fromEntries(Object.keys(cases).map((name) => [name, []]))
  for (const [name, [command, commandArgs]] of Object.entries(cases)) timeOnce(command, commandArgs) // warm the file cache
  for (let run = 0; run < RUNS; run++)
    for (const [name, [command, commandArgs]] of Object.entries(cases))
      samples[name].push(timeOnce(command, commandArgs))
  const base = median(samples['node -e 0'])
  console.log(`\nstartup (median of ${RUNS} runs each, interleaved)`)
  for (const [name, values] of Object.entries(samples)) {
    const target = name.includes('--help') ? 2.5 : name.includes('--version') ? 2 : undefined
    const ratio = median(values) / base
    console.log(
      `  ${name.padEnd(34)} ${ms(median(values)).padStart(8)}   ${ratio.toFixed(2)}x node${target ? ` (target <= ${target}x: ${ratio <= target ? 'met' : 'MISSED'})` : ''}`,
    )
  }
}

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

function verifyAgainstManual(local) {
  if (!existsSync('/usr/bin/aws'))
    return console.log('\nverify vs the manual procedure: skipped (no /usr/bin/aws; apt-get install awscli)')
  const services = path.join(scratch, 'services.yaml')
  const samples = {verify: [], manual: []}
  const runs = Number(process.env.BENCH_VERIFY_RUNS ?? 5)
  for (let run = 0; run < runs; run++) {
    writeFileSync(
      services,
      `source_cluster:\n  endpoint: ${local.cluster}\n  no_auth:\nsnapshot:\n  snapshot_name: s\n  s3:\n    repo_uri: s3://bench-verify-${run}/base\n    aws_region: ${local.region}\n    endpoint: ${local.s3}\n`,
    )
    samples.verify.push(
      timeOnce(
        process.execPath,
        [cli, 'snapshot', 'verify', '--config-file', services, '--create-bucket', '--metadata-only', '--no-prompt'],
        local.env,
      ),
    )
    samples.manual.push(
      timeOnce(
        'bash',
        [
          path.join(root, 'scripts/bench/manual-verify.sh'),
          local.cluster,
          local.s3,
          `bench-manual-${run}`,
          local.region,
        ],
        local.env,
      ),
    )
  }
  const ratio = median(samples.verify) / median(samples.manual)
  console.log(`\nverify end to end vs the guide's curl/aws steps (median of ${runs}, OpenSearch + S3 on loopback)`)
  console.log(
    `  console snapshot verify --metadata-only  ${ms(median(samples.verify)).padStart(8)}  (the guide's snapshot, proven in the bucket)`,
  )
  console.log(
    `  manual curl + aws script                 ${ms(median(samples.manual)).padStart(8)}  (no proof, no diagnosis)`,
  )
  console.log(`  ratio ${ratio.toFixed(2)}x (target <= 1x: ${ratio <= 1 ? 'met' : 'MISSED'})`)
}

/** A 1-shard index of about `mebibytes` MiB of barely compressible text, flushed into segments. */
async function benchIndex(local, index, mebibytes) {
  const call = (method, requestPath, body, type = 'application/json') =>
    fetch(`${local.cluster}${requestPath}`, {body, headers: {'content-type': type}, method}).then(async (answer) => {
      if (!answer.ok) throw new Error(`${method} ${requestPath}: ${answer.status} ${await answer.text()}`)
      return answer.json()
    })
  await call('PUT', `/${index}`, JSON.stringify({settings: {number_of_replicas: 0, number_of_shards: 1}}))
  const documents = mebibytes * 64
  for (let batch = 0; batch < documents; batch += 256) {
    const lines = []
    for (let document = batch; document < Math.min(documents, batch + 256); document++)
      lines.push(JSON.stringify({index: {_id: String(document)}}), JSON.stringify({text: randomText(16 * 1024)}))
    await call('POST', `/${index}/_bulk`, `${lines.join('\n')}\n`, 'application/x-ndjson')
  }
  await call('POST', `/${index}/_refresh`)
  await call('POST', `/${index}/_forcemerge?max_num_segments=1`)
  await call('POST', `/${index}/_flush`)
  const [stats] = await call('GET', `/_cat/indices/${index}?format=json&bytes=b&h=pri.store.size`)
  return Number(stats['pri.store.size'])
}

function randomText(length) {
  let text = ''
  while (text.length < length) text += Math.random().toString(36).slice(2)
  return text.slice(0, length)
}

/**
 * verify with shard data beside metadata-only verify and beside the cluster's own snapshot of the same
 * index (the time the nodes need to write it), interleaved round by round on one bucket.
 */
async function shardDataVerify(local, mebibytes) {
  const {S3Client, CreateBucketCommand, ListObjectsV2Command, DeleteObjectsCommand, DeleteBucketCommand} =
    await import('@aws-sdk/client-s3')
  const s3 = new S3Client({
    region: local.region,
    endpoint: local.s3,
    forcePathStyle: true,
    credentials: {accessKeyId: local.env.AWS_ACCESS_KEY_ID, secretAccessKey: local.env.AWS_SECRET_ACCESS_KEY},
  })
  const suffix = Math.random().toString(36).slice(2, 8)
  const bucket = `bench-shard-${suffix}`
  const index = `bench-shard-${suffix}`
  await s3.send(new CreateBucketCommand({Bucket: bucket}))
  const samples = {data: [], metadata: [], cluster: []}
  let readBack = ''
  try {
    const bytes = await benchIndex(local, index, mebibytes)
    const runs = Number(process.env.BENCH_VERIFY_RUNS ?? 5)
    const verify = (extra) => [
      cli,
      'snapshot',
      'verify',
      '--bucket',
      bucket,
      '--region',
      local.region,
      '--s3-endpoint',
      local.s3,
      '--endpoint',
      local.cluster,
      '--no-prompt',
      ...extra,
    ]
    for (let run = 0; run < runs; run++) {
      const started = process.hrtime.bigint()
      const result = spawnSync(process.execPath, [...verify(['--index', index, '--json'])], {
        env: {...process.env, ...local.env},
        encoding: 'utf8',
      })
      samples.data.push(Number(process.hrtime.bigint() - started) / 1e6)
      if (result.status !== 0) throw new Error(`verify --index exited ${result.status}: ${result.stdout}`)
      readBack = JSON.parse(result.stdout).result.steps.find((step) => step.name === 'read-back').detail
      samples.metadata.push(timeOnce(process.execPath, verify(['--metadata-only']), local.env))
      // The cluster's own snapshot of the same index into the same store, on a fresh repository.
      const repository = `bench_own_${suffix}_${run}`
      const cluster = (method, requestPath, body) =>
        fetch(`${local.cluster}${requestPath}`, {
          body: body && JSON.stringify(body),
          headers: {'content-type': 'application/json'},
          method,
        }).then((answer) => answer.json())
      await cluster('PUT', `/_snapshot/${repository}`, {
        settings: {base_path: `own/${run}`, bucket, compress: false, endpoint: local.s3, region: local.region},
        type: 's3',
      })
      const snapshotStarted = process.hrtime.bigint()
      const taken = await cluster('PUT', `/_snapshot/${repository}/s?wait_for_completion=true`, {
        include_global_state: true,
        indices: index,
      })
      samples.cluster.push(Number(process.hrtime.bigint() - snapshotStarted) / 1e6)
      if (taken.snapshot?.state !== 'SUCCESS') throw new Error(`the cluster's own snapshot: ${JSON.stringify(taken)}`)
      await cluster('DELETE', `/_snapshot/${repository}/s`)
      await cluster('DELETE', `/_snapshot/${repository}`)
    }

    // Flat memory: the read-back streams, so verify with data needs about what metadata-only needs.
    const memory = existsSync('/usr/bin/time')
      ? {
          data: timedWithPeakMemory(process.execPath, verify(['--index', index]), local.env).peakKiB,
          metadata: timedWithPeakMemory(process.execPath, verify(['--metadata-only']), local.env).peakKiB,
        }
      : undefined
    const ratio = median(samples.data) / median(samples.metadata)
    console.log(
      `\nverify with shard data (median of ${runs}, OpenSearch + S3 on loopback, index of ${(bytes / 1024 / 1024).toFixed(1)} MiB)`,
    )
    console.log(`  verify --index (snapshot + read-back)     ${ms(median(samples.data)).padStart(8)}`)
    console.log(`  verify --metadata-only                    ${ms(median(samples.metadata)).padStart(8)}`)
    console.log(`  the cluster's own snapshot of the index   ${ms(median(samples.cluster)).padStart(8)}`)
    console.log(`  read-back of the last run: ${readBack}`)
    if (memory)
      console.log(
        `  peak memory: ${(memory.data / 1024).toFixed(0)} MiB with data, ${(memory.metadata / 1024).toFixed(0)} MiB metadata-only`,
      )
    console.log(
      `  ratio data / metadata-only ${ratio.toFixed(2)}x (target <= 1.5x: ${ratio <= 1.5 ? 'met' : 'MISSED'})`,
    )
  } finally {
    await fetch(`${local.cluster}/${index}`, {method: 'DELETE'})
    for (;;) {
      const page = await s3.send(new ListObjectsV2Command({Bucket: bucket}))
      if (!page.Contents?.length) break
      await s3.send(
        new DeleteObjectsCommand({
          Bucket: bucket,
          Delete: {Objects: page.Contents.map((object) => ({Key: object.Key}))},
        }),
      )
    }
    await s3.send(new DeleteBucketCommand({Bucket: bucket}))
  }
}

/** Where scripts/engines keeps the pid of each process it started. */
const ENGINES_RUN_DIR = path.join(process.env.ENGINES_HOME ?? '/var/tmp/console-snapshot-engines', 'run')

/**
 * The store the emptying figures are measured on: MinIO, a production server, where the engines run it;
 * BENCH_STORE=moto measures the emulator instead.
 */
function emptyingStore(local) {
  const wanted = (process.env.BENCH_STORE ?? (process.env.MINIO_ENDPOINT ? 'minio' : 'moto')).toLowerCase()
  if (wanted === 'minio') {
    if (!process.env.MINIO_ENDPOINT)
      throw new Error('BENCH_STORE=minio, but MinIO is not running here (bash scripts/engines start-minio)')
    const url = new URL(process.env.MINIO_ENDPOINT)
    return {
      endpoint: process.env.MINIO_ENDPOINT,
      env: {
        ...local.env,
        AWS_ACCESS_KEY_ID: process.env.MINIO_ACCESS_KEY,
        AWS_SECRET_ACCESS_KEY: process.env.MINIO_SECRET_KEY,
      },
      name: 'MinIO',
      // The cluster reaches MinIO through the repository's own client settings.
      pidFile: path.join(ENGINES_RUN_DIR, 'minio.pid'),
      repositorySettings: {endpoint: url.host, path_style_access: 'true', protocol: url.protocol.replace(':', '')},
    }
  }
  if (wanted !== 'moto') throw new Error(`BENCH_STORE "${wanted}": must be minio or moto`)
  return {
    endpoint: local.s3,
    env: local.env,
    name: 'moto',
    pidFile: path.join(ENGINES_RUN_DIR, 's3.pid'),
    repositorySettings: {},
  }
}

/**
 * Waits until the store's process has been nearly idle (under 5% of a core) for half a second, at most
 * 60 s: MinIO purges what was deleted in the background, and a tool that starts while it purges the
 * previous tool's objects would pay for them. Where the pid is unknown, a fixed pause.
 */
async function storeIdle(store) {
  const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms))
  let pid
  try {
    pid = readFileSync(store.pidFile, 'utf8').trim()
  } catch {
    return pause(5000)
  }
  const cpuTicks = () => {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
    return Number(fields[11]) + Number(fields[12])
  }
  const deadline = Date.now() + 60_000
  for (let before = cpuTicks(); Date.now() < deadline;) {
    await pause(500)
    const now = cpuTicks()
    // Clock ticks are 1/100 s: under 2.5 ticks in 500 ms is under 5% of a core.
    if (now - before < 2.5) return
    before = now
  }
}

async function populate(local, store, bucket, prefix, count) {
  const {S3Client, PutObjectCommand, CreateBucketCommand} = await import('@aws-sdk/client-s3')
  const s3 = new S3Client({
    region: local.region,
    endpoint: store.endpoint,
    forcePathStyle: true,
    credentials: {accessKeyId: store.env.AWS_ACCESS_KEY_ID, secretAccessKey: store.env.AWS_SECRET_ACCESS_KEY},
    maxAttempts: 10,
  })
  await s3.send(new CreateBucketCommand({Bucket: bucket})).catch(() => {})
  let next = 0
  const worker = async () => {
    while (next < count) {
      const index = next++
      await s3.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: `${prefix}indices/i${index % 50}/0/__${index}`,
          Body: 'x'.repeat(64),
        }),
      )
    }
  }
  await Promise.all(Array.from({length: 48}, worker))
  s3.destroy()
}

const FIRST_PAGE_HOOK = `--import=${pathToFileURL(path.join(root, 'scripts/bench/first-page.mjs')).href}`

/** Wall time, peak RSS and, for a run with the first-page hook, when its first listing page answered. */
function measured(command, commandArgs, env, {firstPage = false} = {}) {
  const report = path.join(scratch, `time-${Date.now()}`)
  const started = Date.now()
  const result = spawnSync('/usr/bin/time', ['-f', '%M', '-o', report, command, ...commandArgs], {
    env: {...process.env, ...env, ...(firstPage ? {NODE_OPTIONS: FIRST_PAGE_HOOK} : {})},
    // s5cmd prints a line per object: 100,000 of them overflow the default 1 MiB buffer.
    maxBuffer: 256 * 1024 * 1024,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const elapsed = Date.now() - started
  if (result.status !== 0)
    throw new Error(`${command} ${commandArgs.join(' ')} exited ${result.status}: ${result.stdout}${result.stderr}`)
  const at = /bench:first-listing-page (\d+)/.exec(String(result.stderr))
  return {
    elapsed,
    firstPageMs: at ? Number(at[1]) - started : undefined,
    peakKiB: Number(readFileSync(report, 'utf8').trim().split('\n').at(-1)),
  }
}

function s5cmdBinary() {
  const built = spawnSync('bash', [path.join(root, 'scripts/bench/build-s5cmd')], {encoding: 'utf8'})
  if (built.status !== 0) {
    console.log(`  s5cmd: skipped (${(built.stderr || 'build failed').trim().split('\n').at(-1)})`)
    return undefined
  }
  return built.stdout.trim()
}

const seconds = (value) => `${(value / 1000).toFixed(2)} s`
const mib = (kib) => `${(kib / 1024).toFixed(0)} MiB`
const verdict = (met) => (met ? 'met' : 'MISSED')

/**
 * Emptying a prefix of `count` objects, same store, same objects for every tool: repo clean (and its
 * dry run) against s5cmd rm and the bare floor (list + DeleteObjects, 10 in flight), in interleaved
 * rounds on freshly populated prefixes, with peak memory; the dry run against one bare listing.
 */
async function emptying(local, counts) {
  const store = emptyingStore(local)
  console.log(`\nemptying a prefix on ${store.name} at ${store.endpoint} (same objects for every tool, loopback)`)
  const s5cmd = s5cmdBinary()
  // OpenSearch 3.6's repository-s3 may refuse a registration with 500 (its S3 client's executor
  // "shutting down") right after a repository with the same settings was removed: tried again.
  const register = async (name, bucket) => {
    for (let attempt = 1; ; attempt++) {
      const answer = await fetch(`${local.cluster}/_snapshot/${name}`, {
        method: 'PUT',
        headers: {'content-type': 'application/json'},
        body: JSON.stringify({
          type: 's3',
          settings: {bucket, base_path: 'bench', region: local.region, ...store.repositorySettings},
        }),
      })
      if (answer.ok) return
      if (attempt === 5)
        throw new Error(`registering the bench repository failed: ${answer.status} ${await answer.text()}`)
      await new Promise((resolve) => setTimeout(resolve, 2000))
    }
  }
  /** The bare floor emptying bench-floor/bench/ with `inFlight` DeleteObjects batches in flight. */
  const floor = (inFlight) =>
    measured(
      process.execPath,
      [
        path.join(root, 'scripts/bench/bare-delete.mjs'),
        store.endpoint,
        local.region,
        'bench-floor',
        'bench/',
        String(inFlight),
      ],
      store.env,
    )
  const services = path.join(scratch, 'clean-services.yaml')
  writeFileSync(
    services,
    `source_cluster:\n  endpoint: ${local.cluster}\n  no_auth:\nsnapshot:\n  snapshot_name: s\n  s3:\n    repo_uri: s3://bench-clean/bench\n    aws_region: ${local.region}\n    endpoint: ${store.endpoint}\n`,
  )
  const cleanArgs = ['repo', 'clean', '--repository', 'bench_clean_repo', '--config-file', services, '--json']
  const rounds = Number(process.env.BENCH_ROUNDS ?? 2)
  const peaks = {}
  const rows = []
  for (const count of counts) {
    await populate(local, store, 'bench-clean', 'bench/', count)
    await register('bench_clean_repo', 'bench-clean')
    // The dry run against one bare listing of the same prefix, taking turns, the median of each.
    const listings = []
    const dryRuns = []
    for (let turn = 0; turn < Number(process.env.BENCH_LISTING_TURNS ?? 3); turn++) {
      await storeIdle(store)
      listings.push(
        timeOnce(
          process.execPath,
          [path.join(root, 'scripts/bench/list-prefix.mjs'), store.endpoint, local.region, 'bench-clean', 'bench/'],
          store.env,
        ),
      )
      await storeIdle(store)
      dryRuns.push(measured(process.execPath, [cli, ...cleanArgs, '--dry-run'], store.env, {firstPage: true}))
    }
    const listing = median(listings)
    const dryRun = {
      elapsed: median(dryRuns.map((run) => run.elapsed)),
      firstPageMs: median(dryRuns.map((run) => run.firstPageMs ?? Number.NaN)),
      peakKiB: Math.max(...dryRuns.map((run) => run.peakKiB)),
    }
    // The store's speed drifts while it is used: the tools take turns going first, each round on
    // freshly populated prefixes, and the times of all rounds are added up.
    const tools = {
      clean: () => measured(process.execPath, [cli, ...cleanArgs, '--yes'], store.env, {firstPage: true}),
      floor: () => floor(10),
      ...(s5cmd && {
        s5cmd: () =>
          measured(s5cmd, ['--endpoint-url', store.endpoint, 'rm', 's3://bench-s5cmd/bench/*'], {
            ...store.env,
            AWS_REGION: local.region,
          }),
      }),
    }
    const totals = Object.fromEntries(Object.keys(tools).map((name) => [name, {elapsed: 0, peakKiB: 0, times: []}]))
    let firstPages = []
    for (let round = 0; round < rounds; round++) {
      if (round > 0) {
        await populate(local, store, 'bench-clean', 'bench/', count)
        await register('bench_clean_repo', 'bench-clean')
      }
      await populate(local, store, 'bench-floor', 'bench/', count)
      if (s5cmd) await populate(local, store, 'bench-s5cmd', 'bench/', count)
      const names = Object.keys(tools)
      const order = [...names.slice(round % names.length), ...names.slice(0, round % names.length)]
      for (const name of order) {
        await storeIdle(store)
        const run = tools[name]()
        totals[name].elapsed += run.elapsed
        totals[name].times.push(run.elapsed)
        totals[name].peakKiB = Math.max(totals[name].peakKiB, run.peakKiB)
        if (name === 'clean' && run.firstPageMs !== undefined) firstPages.push(run.firstPageMs)
      }
    }
    peaks[count] = totals.clean.peakKiB
    const times = (name) => totals[name].times.map(seconds).join(', ')
    const clean = totals.clean.elapsed
    const lines = [
      `  ${count} objects, ${rounds} round(s), order rotating:`,
      `    repo clean            ${times('clean')}  peak ${mib(totals.clean.peakKiB)}; first listing page answered at ${firstPages.map(seconds).join(', ')} (target <= 0.4 s: ${verdict(Math.max(...firstPages) <= 400)})`,
      `    bare floor            ${times('floor')}  peak ${mib(totals.floor.peakKiB)}: repo clean takes ${(clean / totals.floor.elapsed).toFixed(2)}x (target <= 1.05x at 100,000: ${verdict(clean / totals.floor.elapsed <= 1.05)})`,
    ]
    if (s5cmd)
      lines.push(
        `    s5cmd v2.3.0 rm       ${times('s5cmd')}  peak ${mib(totals.s5cmd.peakKiB)}: repo clean takes ${(clean / totals.s5cmd.elapsed).toFixed(2)}x (target <= 1x: ${verdict(clean <= totals.s5cmd.elapsed)})`,
      )
    lines.push(
      `    repo clean --dry-run  ${dryRuns.map((run) => seconds(run.elapsed)).join(', ')} (median ${seconds(dryRun.elapsed)})  peak ${mib(dryRun.peakKiB)}, first page at ${Number.isNaN(dryRun.firstPageMs) ? '?' : seconds(dryRun.firstPageMs)}; one bare SDK listing ${listings.map(seconds).join(', ')} (median ${seconds(listing)}): ${(dryRun.elapsed / listing).toFixed(2)}x (target <= 1.1x: ${verdict(dryRun.elapsed <= listing * 1.1)})`,
    )
    console.log(lines.join('\n'))
    rows.push({count, dryRun, firstPages, listing, totals})
  }
  // The store's own ceiling: the bare floor with fewer and more batches in flight, at the smallest
  // count. Where they all take about as long, the store sets the pace and the tools differ only by
  // what they cost before and after it (for repo clean, Node, oclif and the cluster's part of the plan).
  const ceilingCount = counts[0]
  const ceiling = []
  for (const inFlight of (process.env.BENCH_CEILING ?? '4,10,24').split(',').filter(Boolean).map(Number)) {
    await populate(local, store, 'bench-floor', 'bench/', ceilingCount)
    await storeIdle(store)
    const run = floor(inFlight)
    ceiling.push(`${inFlight} in flight ${seconds(run.elapsed)}`)
  }
  if (ceiling.length > 0) console.log(`  the bare floor at ${ceilingCount} objects: ${ceiling.join(', ')}`)
  // What a run costs when there is nothing to delete: the repository registered again, empty.
  await register('bench_clean_repo', 'bench-clean')
  const empty = measured(process.execPath, [cli, ...cleanArgs, '--dry-run'], store.env, {firstPage: true})
  console.log(
    `  an empty run (dry run of an empty repository): ${seconds(empty.elapsed)}, peak ${mib(empty.peakKiB)}, first page at ${empty.firstPageMs === undefined ? '?' : seconds(empty.firstPageMs)}`,
  )
  if (counts.length > 1) {
    const [small, large] = [counts[0], counts.at(-1)]
    const growth = peaks[large] / peaks[small]
    console.log(
      `  repo clean peak memory at ${large} / at ${small}: ${growth.toFixed(2)}x (target <= 1.2x, flat in the object count: ${verdict(growth <= 1.2)})`,
    )
  }
  await fetch(`${local.cluster}/_snapshot/bench_clean_repo`, {method: 'DELETE'})
}

// --nodes-only: just verify on the 3-node cluster beside the single node.
if (args.has('--nodes-only')) {
  const {enginesScript, verifyOnNodes} = await import('./bench/nodes.mjs')
  await verifyOnNodes({cli, engines: enginesScript(root), local: engines(), root})
  process.exit(0)
}

// --emptying-only: just the emptying figures (the part measured on the real S3 server).
if (!args.has('--emptying-only')) startup()
const local = engines()
if (!local) console.log('\n(no engines: run through `npm run bench` for the verify and emptying figures)')
else {
  if (!args.has('--emptying-only')) {
    verifyAgainstManual(local)
    if (!args.has('--no-shard-data'))
      for (const mebibytes of (process.env.BENCH_INDEX_MIB ?? '2,4').split(',').map(Number))
        await shardDataVerify(local, mebibytes)
    if (!args.has('--no-nodes')) {
      const {enginesScript, verifyOnNodes} = await import('./bench/nodes.mjs')
      await verifyOnNodes({cli, engines: enginesScript(root), local, root})
    }
  }
  if (!args.has('--no-emptying'))
    await emptying(local, (process.env.BENCH_OBJECTS ?? '20000,100000').split(',').map(Number))
}
