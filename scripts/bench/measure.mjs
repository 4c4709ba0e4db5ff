// What every bench section measures with: wall time of a child process, its peak memory, medians and units.
import {spawnSync} from 'node:child_process'
import {accessSync, constants, mkdtempSync, readFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {fileURLToPath, pathToFileURL} from 'node:url'

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
export const cli = path.join(root, 'bin', 'run.js')
export const scratch = mkdtempSync(path.join(tmpdir(), 'console-bench-'))

export const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)]
}
export const ms = (value) => `${value.toFixed(0)} ms`
export const seconds = (value) => `${(value / 1000).toFixed(2)} s`
export const mib = (kib) => (kib === undefined ? 'not measured' : `${(kib / 1024).toFixed(0)} MiB`)
export const verdict = (met) => (met ? 'met' : 'MISSED')

/** The executable `name` as the shell would find it on PATH (`command -v`), or undefined. */
export function onPath(name) {
  for (const directory of (process.env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    const candidate = path.join(directory, name)
    try {
      accessSync(candidate, constants.X_OK)
      return candidate
    } catch {
      // not here: the next directory
    }
  }
  return undefined
}

export function timeOnce(command, commandArgs, env = {}) {
  const started = process.hrtime.bigint()
  const result = spawnChild(command, commandArgs, env)
  const elapsed = Number(process.hrtime.bigint() - started) / 1e6
  if (result.status !== 0)
    throw new Error(`${command} ${commandArgs.join(' ')} exited ${result.status}: ${result.stdout}${result.stderr}`)
  return elapsed
}

/** GNU time, which reports a child's peak resident memory; without it the bench says memory was not measured. */
export const gnuTime = [onPath('time'), '/usr/bin/time'].find(
  (candidate) => candidate && spawnSync(candidate, ['-f', '%M', 'true'], {stdio: 'ignore'}).status === 0,
)

const FIRST_PAGE_HOOK = `--import=${pathToFileURL(path.join(root, 'scripts/bench/first-page.mjs')).href}`

/** Wall time, peak RSS and, for a run with the first-page hook, when its first listing page answered. */
export function measured(command, commandArgs, env, {firstPage = false} = {}) {
  const report = path.join(scratch, `time-${Date.now()}`)
  const started = Date.now()
  const [program, programArgs] = gnuTime
    ? [gnuTime, ['-f', '%M', '-o', report, command, ...commandArgs]]
    : [command, commandArgs]
  const result = spawnChild(program, programArgs, {...env, ...(firstPage ? {NODE_OPTIONS: FIRST_PAGE_HOOK} : {})})
  const elapsed = Date.now() - started
  if (result.status !== 0)
    throw new Error(`${command} ${commandArgs.join(' ')} exited ${result.status}: ${result.stdout}${result.stderr}`)
  const at = /bench:first-listing-page (\d+)/.exec(String(result.stderr))
  return {
    elapsed,
    firstPageMs: at ? Number(at[1]) - started : undefined,
    peakKiB: gnuTime ? Number(readFileSync(report, 'utf8').trim().split('\n').at(-1)) : undefined,
    stdout: String(result.stdout),
  }
}

function spawnChild(command, commandArgs, env) {
  return spawnSync(command, commandArgs, {
    env: {...process.env, ...env},
    // s5cmd prints a line per object: 100,000 of them overflow the default 1 MiB buffer.
    maxBuffer: 256 * 1024 * 1024,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
}

/** `snapshot verify` of the cluster at `endpoint` into the local store's `bucket`, then `extra`: node's argv for the CLI. */
export const verifyArgv = (local, endpoint, bucket, extra) => [
  cli,
  'snapshot',
  'verify',
  '--endpoint',
  endpoint,
  '--bucket',
  bucket,
  '--region',
  local.region,
  '--s3-endpoint',
  local.s3,
  ...extra,
]

/** Creates the bench's own scratch `bucket` in the local store; the SDK client returned reaches it. */
export async function createScratchBucket(local, bucket) {
  const {CreateBucketCommand, S3Client} = await import('@aws-sdk/client-s3')
  const s3 = new S3Client({
    credentials: {accessKeyId: local.env.AWS_ACCESS_KEY_ID, secretAccessKey: local.env.AWS_SECRET_ACCESS_KEY},
    endpoint: local.s3,
    forcePathStyle: true,
    region: local.region,
  })
  await s3.send(new CreateBucketCommand({Bucket: bucket}))
  return s3
}

/** Empties the bench's own scratch `bucket` (a page at a time) through the SDK client `s3`, then deletes it. */
export async function removeBucket(s3, bucket) {
  const {DeleteBucketCommand, DeleteObjectsCommand, ListObjectsV2Command} = await import('@aws-sdk/client-s3')
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
