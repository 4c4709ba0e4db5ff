#!/usr/bin/env node
// npm run bench: startup, verify and prefix-emptying figures, each against its baseline in the same run.
// A benchmark, not a test: it prints figures and ratios and exits 0 unless something failed to run.
import {execFileSync, spawnSync} from 'node:child_process'
import {existsSync, mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

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

async function populate(local, bucket, prefix, count) {
  const {S3Client, PutObjectCommand, CreateBucketCommand} = await import('@aws-sdk/client-s3')
  const s3 = new S3Client({
    region: local.region,
    endpoint: local.s3,
    forcePathStyle: true,
    credentials: {accessKeyId: local.env.AWS_ACCESS_KEY_ID, secretAccessKey: local.env.AWS_SECRET_ACCESS_KEY},
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
  await Promise.all(Array.from({length: 32}, worker))
}

function timedWithPeakMemory(command, commandArgs, env) {
  const report = path.join(scratch, `time-${Date.now()}`)
  const elapsed = timeOnce('/usr/bin/time', ['-f', '%M', '-o', report, command, ...commandArgs], env)
  return {elapsed, peakKiB: Number(readFileSync(report, 'utf8').trim().split('\n').at(-1))}
}

function s5cmdBinary() {
  const built = spawnSync('bash', [path.join(root, 'scripts/bench/build-s5cmd')], {encoding: 'utf8'})
  if (built.status !== 0) {
    console.log(`  s5cmd: skipped (${(built.stderr || 'build failed').trim().split('\n').at(-1)})`)
    return undefined
  }
  return built.stdout.trim()
}

/**
 * Emptying a prefix of `count` objects, same store, same objects for every tool: repo clean (and its
 * dry run) against s5cmd, a bare SDK listing (the floor of a dry run) and aws s3 rm where installed.
 */
async function emptying(local, counts) {
  console.log('\nemptying a prefix (same objects, same store, moto on loopback)')
  const s5cmd = s5cmdBinary()
  const awsCli = existsSync('/usr/bin/aws') && !args.has('--no-aws-cli')
  const register = (name, bucket) =>
    fetch(`${local.cluster}/_snapshot/${name}`, {
      method: 'PUT',
      headers: {'content-type': 'application/json'},
      body: JSON.stringify({type: 's3', settings: {bucket, base_path: 'bench', region: local.region}}),
    })
  const peaks = {}
  const services = path.join(scratch, 'clean-services.yaml')
  writeFileSync(
    services,
    `source_cluster:\n  endpoint: ${local.cluster}\n  no_auth:\nsnapshot:\n  snapshot_name: s\n  s3:\n    repo_uri: s3://bench-clean/bench\n    aws_region: ${local.region}\n    endpoint: ${local.s3}\n`,
  )
  const cleanArgs = ['repo', 'clean', '--repository', 'bench_clean_repo', '--config-file', services, '--json']
  const rounds = Number(process.env.BENCH_ROUNDS ?? 2)
  for (const count of counts) {
    await populate(local, 'bench-clean', 'bench/', count)
    if (!(await register('bench_clean_repo', 'bench-clean')).ok)
      throw new Error('registering the bench repository failed')
    const listing = timeOnce(
      process.execPath,
      [path.join(root, 'scripts/bench/list-prefix.mjs'), local.s3, local.region, 'bench-clean', 'bench/'],
      local.env,
    )
    const dryRun = timedWithPeakMemory(process.execPath, [cli, ...cleanArgs, '--dry-run'], local.env)
    // The store's speed drifts while it is used: repo clean and s5cmd take turns going first, each round
    // on freshly populated prefixes, and the times of all rounds are added up.
    const totals = {clean: 0, fast: 0}
    let clean
    let fast
    for (let round = 0; round < rounds; round++) {
      if (round > 0) {
        await populate(local, 'bench-clean', 'bench/', count)
        await register('bench_clean_repo', 'bench-clean')
      }
      if (s5cmd) await populate(local, 'bench-s5cmd', 'bench/', count)
      const runClean = () => (clean = timedWithPeakMemory(process.execPath, [cli, ...cleanArgs, '--yes'], local.env))
      const runFast = () =>
        s5cmd &&
        (fast = timedWithPeakMemory(s5cmd, ['--endpoint-url', local.s3, 'rm', 's3://bench-s5cmd/bench/*'], {
          ...local.env,
          AWS_REGION: local.region,
        }))
      if (round % 2 === 0) {
        runClean()
        runFast()
      } else {
        runFast()
        runClean()
      }
      totals.clean += clean.elapsed
      if (fast) totals.fast += fast.elapsed
    }
    peaks[count] = clean.peakKiB
    const line = [
      `  ${String(count).padStart(7)} objects: repo clean ${ms(totals.clean / rounds).padStart(9)} on average over ${rounds} round(s) (peak ${(clean.peakKiB / 1024).toFixed(0)} MiB)`,
    ]
    line.push(
      `dry run ${ms(dryRun.elapsed)} vs one SDK listing ${ms(listing)}: ${(dryRun.elapsed / listing).toFixed(2)}x (target <= 1x of a listing plus start-up: ${dryRun.elapsed <= listing + 1000 ? 'met' : 'MISSED'})`,
    )
    if (s5cmd) {
      const ratio = totals.clean / totals.fast
      line.push(
        `s5cmd ${ms(totals.fast / rounds)} on average (peak ${(fast.peakKiB / 1024).toFixed(0)} MiB): repo clean takes ${ratio.toFixed(2)}x (target <= 1.2x: ${ratio <= 1.2 ? 'met' : 'MISSED'})`,
      )
    }
    if (awsCli) {
      await populate(local, 'bench-awscli', 'bench/', count)
      const slow = timedWithPeakMemory(
        '/usr/bin/aws',
        [
          '--endpoint-url',
          local.s3,
          '--region',
          local.region,
          's3',
          'rm',
          's3://bench-awscli/bench/',
          '--recursive',
          '--only-show-errors',
        ],
        local.env,
      )
      line.push(`aws s3 rm ${ms(slow.elapsed)}: ${(slow.elapsed / clean.elapsed).toFixed(2)}x slower than repo clean`)
    }
    console.log(line.join('\n               '))
  }
  if (counts.length > 1) {
    const [small, large] = [counts[0], counts.at(-1)]
    const growth = peaks[large] / peaks[small]
    console.log(
      `  peak memory at ${large} / at ${small}: ${growth.toFixed(2)}x (target <= 1.2x, flat in the object count: ${growth <= 1.2 ? 'met' : 'MISSED'})`,
    )
  }
}

startup()
const local = engines()
if (!local) console.log('\n(no engines: run through `npm run bench` for the verify and emptying figures)')
else {
  verifyAgainstManual(local)
  if (!args.has('--no-shard-data'))
    for (const mebibytes of (process.env.BENCH_INDEX_MIB ?? '2,4').split(',').map(Number))
      await shardDataVerify(local, mebibytes)
  if (!args.has('--no-emptying'))
    await emptying(local, (process.env.BENCH_OBJECTS ?? '20000,100000').split(',').map(Number))
}
