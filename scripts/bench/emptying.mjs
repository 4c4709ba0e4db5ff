// The emptying figures: repo clean, its dry run, s5cmd and the bare floor emptying the same prefix.
import {spawnSync} from 'node:child_process'
import {readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'

import {cli, measured, median, mib, root, scratch, seconds, timeOnce, verdict} from './measure.mjs'

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
 * `store.idleWaitMs` (60 s; none in a smoke run, whose figures are not compared): MinIO purges what was
 * deleted in the background, and a tool that starts while it purges the previous tool's objects would
 * pay for them. Where the pid is unknown, a fixed pause of at most 5 s.
 */
async function storeIdle(store) {
  const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms))
  let pid
  try {
    pid = readFileSync(store.pidFile, 'utf8').trim()
  } catch {
    return pause(Math.min(5000, store.idleWaitMs))
  }
  const cpuTicks = () => {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
    return Number(fields[11]) + Number(fields[12])
  }
  const deadline = Date.now() + store.idleWaitMs
  for (let before = cpuTicks(); Date.now() < deadline;) {
    await pause(500)
    const now = cpuTicks()
    // Clock ticks are 1/100 s: under 2.5 ticks in 500 ms is under 5% of a core.
    if (now - before < 2.5) return
    before = now
  }
}

async function storeClient(local, store) {
  const {S3Client} = await import('@aws-sdk/client-s3')
  return new S3Client({
    region: local.region,
    endpoint: store.endpoint,
    forcePathStyle: true,
    credentials: {accessKeyId: store.env.AWS_ACCESS_KEY_ID, secretAccessKey: store.env.AWS_SECRET_ACCESS_KEY},
    maxAttempts: 10,
  })
}

async function populate(local, store, bucket, prefix, count) {
  const {PutObjectCommand, CreateBucketCommand} = await import('@aws-sdk/client-s3')
  const s3 = await storeClient(local, store)
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

/** The run's buckets emptied and removed (a bucket never created is passed over). */
async function removeBuckets(local, store, buckets) {
  const {DeleteBucketCommand, DeleteObjectsCommand, ListObjectsV2Command} = await import('@aws-sdk/client-s3')
  const s3 = await storeClient(local, store)
  for (const bucket of buckets) {
    const page = await s3.send(new ListObjectsV2Command({Bucket: bucket})).catch((error) => {
      if (error.name === 'NoSuchBucket') return undefined
      throw error
    })
    if (!page) continue
    for (let listed = page; listed.Contents?.length;) {
      const Objects = listed.Contents.map(({Key}) => ({Key}))
      await s3.send(new DeleteObjectsCommand({Bucket: bucket, Delete: {Objects, Quiet: true}}))
      listed = await s3.send(new ListObjectsV2Command({Bucket: bucket}))
    }
    await s3.send(new DeleteBucketCommand({Bucket: bucket}))
  }
  s3.destroy()
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
 * dry run) against s5cmd rm and the bare floor (list + DeleteObjects, 10 in flight), in interleaved
 * rounds on freshly populated prefixes, with peak memory; the dry run against one bare listing.
 */
export async function emptying(local, options) {
  const store = {...emptyingStore(local), idleWaitMs: options.idleWaitMs}
  console.log(`\nemptying a prefix on ${store.name} at ${store.endpoint} (same objects for every tool, loopback)`)
  // Named per run: another run on the same engines never empties these buckets, nor this one theirs.
  const suffix = Math.random().toString(36).slice(2, 8)
  const names = {
    buckets: {clean: `bench-clean-${suffix}`, floor: `bench-floor-${suffix}`, s5cmd: `bench-s5cmd-${suffix}`},
    repository: `bench_clean_${suffix}`,
  }
  try {
    await emptyingRounds(local, store, names, options)
  } finally {
    await fetch(`${local.cluster}/_snapshot/${names.repository}`, {method: 'DELETE'})
    await removeBuckets(local, store, Object.values(names.buckets))
  }
}

async function emptyingRounds(
  local,
  store,
  {buckets, repository},
  {ceiling: ceilingInFlight, counts, listingTurns, rounds},
) {
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
  /** The bare floor emptying the floor's bucket's bench/ with `inFlight` DeleteObjects batches in flight. */
  const floor = (inFlight) =>
    measured(
      process.execPath,
      [
        path.join(root, 'scripts/bench/bare-delete.mjs'),
        store.endpoint,
        local.region,
        buckets.floor,
        'bench/',
        String(inFlight),
      ],
      store.env,
    )
  const services = path.join(scratch, 'clean-services.yaml')
  writeFileSync(
    services,
    `source_cluster:\n  endpoint: ${local.cluster}\n  no_auth:\nsnapshot:\n  snapshot_name: s\n  s3:\n    repo_uri: s3://${buckets.clean}/bench\n    aws_region: ${local.region}\n    endpoint: ${store.endpoint}\n`,
  )
  const cleanArgs = ['repo', 'clean', '--repository', repository, '--config-file', services, '--json']
  const peaks = {}
  const rows = []
  for (const count of counts) {
    await populate(local, store, buckets.clean, 'bench/', count)
    await register(repository, buckets.clean)
    // The dry run against one bare listing of the same prefix, taking turns, the median of each.
    const listings = []
    const dryRuns = []
    for (let turn = 0; turn < listingTurns; turn++) {
      await storeIdle(store)
      listings.push(
        timeOnce(
          process.execPath,
          [path.join(root, 'scripts/bench/list-prefix.mjs'), store.endpoint, local.region, buckets.clean, 'bench/'],
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
          measured(s5cmd, ['--endpoint-url', store.endpoint, 'rm', `s3://${buckets.s5cmd}/bench/*`], {
            ...store.env,
            AWS_REGION: local.region,
          }),
      }),
    }
    const totals = Object.fromEntries(Object.keys(tools).map((name) => [name, {elapsed: 0, peakKiB: 0, times: []}]))
    let firstPages = []
    for (let round = 0; round < rounds; round++) {
      if (round > 0) {
        await populate(local, store, buckets.clean, 'bench/', count)
        await register(repository, buckets.clean)
      }
      await populate(local, store, buckets.floor, 'bench/', count)
      if (s5cmd) await populate(local, store, buckets.s5cmd, 'bench/', count)
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
  for (const inFlight of ceilingInFlight) {
    await populate(local, store, buckets.floor, 'bench/', ceilingCount)
    await storeIdle(store)
    const run = floor(inFlight)
    ceiling.push(`${inFlight} in flight ${seconds(run.elapsed)}`)
  }
  if (ceiling.length > 0) console.log(`  the bare floor at ${ceilingCount} objects: ${ceiling.join(', ')}`)
  // What a run costs when there is nothing to delete: the repository registered again, empty.
  await register(repository, buckets.clean)
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
}
