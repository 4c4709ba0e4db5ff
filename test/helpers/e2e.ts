import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectsCommand,
  HeadBucketCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  PutBucketVersioningCommand,
  S3Client,
} from '@aws-sdk/client-s3'
import {strict as assert} from 'node:assert'
import {spawn} from 'node:child_process'
import {mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'

import {repoRoot} from './paths.js'

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true'

/** The engines' addresses, as scripts/with-engines exports them; the e2e suite does not run without them. */
export function engines() {
  const required = [
    'OPENSEARCH_URL',
    'S3_ENDPOINT',
    'S3_REGION',
    'S3_ACCESS_KEY',
    'S3_SECRET_KEY',
    'FS_REPO_DIR',
  ] as const
  const missing = required.filter((name) => !process.env[name])
  if (missing.length > 0)
    throw new Error(`e2e needs the local engines (run through scripts/with-engines): ${missing.join(', ')} unset`)
  return {
    accessKey: process.env.S3_ACCESS_KEY!,
    elasticsearch: process.env.ELASTICSEARCH_URL,
    fsRepo: process.env.FS_REPO_DIR!,
    opensearch: process.env.OPENSEARCH_URL!,
    region: process.env.S3_REGION!,
    s3Endpoint: process.env.S3_ENDPOINT!,
    secretKey: process.env.S3_SECRET_KEY!,
  }
}

export const scratch = mkdtempSync(path.join(tmpdir(), 'console-e2e-'))

export function writeServices(name: string, text: string): string {
  const file = path.join(scratch, name)
  writeFileSync(file, text)
  return file
}

/**
 * An S3 store the e2e suite runs on: moto (an emulator, reached by the cluster's default S3 client)
 * and MinIO (a production server, reached through the repository's own endpoint settings).
 */
export interface Store {
  accessKey: string
  /** MinIO keeps "/data/x" as "data/x" (and lists nothing under "/data/"); AWS S3 and moto keep the key as sent. */
  dropsLeadingSlash: boolean
  endpoint: string
  name: 'MinIO' | 'moto'
  region: string
  /** What a repository registration adds so that the cluster writes to this store. */
  repositorySettings: Record<string, string>
  secretKey: string
}

export function moto(): Store {
  const local = engines()
  return {
    accessKey: local.accessKey,
    dropsLeadingSlash: false,
    endpoint: local.s3Endpoint,
    name: 'moto',
    region: local.region,
    repositorySettings: {},
    secretKey: local.secretKey,
  }
}

let minioAbsenceTold = false
/** Every store the engines run: moto always, MinIO where scripts/engines could build it (else the reason, once). */
export function stores(): Store[] {
  const {MINIO_ACCESS_KEY, MINIO_ENDPOINT, MINIO_SECRET_KEY} = process.env
  if (!MINIO_ENDPOINT || !MINIO_ACCESS_KEY || !MINIO_SECRET_KEY) {
    if (!minioAbsenceTold)
      console.log(
        '      MinIO: not running (MINIO_ENDPOINT unset: scripts/engines found no Go toolchain to build it, see its output); these tests run on moto only',
      )
    minioAbsenceTold = true
    return [moto()]
  }

  const url = new URL(MINIO_ENDPOINT)
  return [
    moto(),
    {
      accessKey: MINIO_ACCESS_KEY,
      dropsLeadingSlash: true,
      endpoint: MINIO_ENDPOINT,
      name: 'MinIO',
      region: engines().region,
      // OpenSearch's repository-s3 lets a repository's settings override its client's endpoint,
      // protocol and path style (S3ClientSettings.refine); the default client's keystore keys sign.
      repositorySettings: {endpoint: url.host, path_style_access: 'true', protocol: url.protocol.replace(':', '')},
      secretKey: MINIO_SECRET_KEY,
    },
  ]
}

/** A short random suffix: the engines are shared, so every bucket, repository and index name gets one. */
export const uniqueSuffix = (): string => Math.random().toString(36).slice(2, 8)

const clients = new Map<string, S3Client>()
export function s3Client(store: Store = moto()): S3Client {
  let client = clients.get(store.endpoint)
  if (!client) {
    client = new S3Client({
      credentials: {accessKeyId: store.accessKey, secretAccessKey: store.secretKey},
      endpoint: store.endpoint,
      forcePathStyle: true,
      region: store.region,
    })
    clients.set(store.endpoint, client)
  }

  return client
}

export async function bucketExists(bucket: string, store: Store = moto()): Promise<boolean> {
  return s3Client(store)
    .send(new HeadBucketCommand({Bucket: bucket}))
    .then(
      () => true,
      () => false,
    )
}

export async function createBucket(bucket: string, store: Store = moto()): Promise<void> {
  await s3Client(store).send(new CreateBucketCommand({Bucket: bucket}))
}

export async function enableVersioning(bucket: string, store: Store = moto()): Promise<void> {
  await s3Client(store).send(
    new PutBucketVersioningCommand({Bucket: bucket, VersioningConfiguration: {Status: 'Enabled'}}),
  )
}

/** Every current key under a prefix, all pages. */
export async function keysUnder(bucket: string, prefix = '', store: Store = moto()): Promise<string[]> {
  const keys: string[] = []
  let token: string | undefined
  do {
    const answer = await s3Client(store).send(
      new ListObjectsV2Command({Bucket: bucket, ContinuationToken: token, Prefix: prefix}),
    )
    keys.push(...(answer.Contents ?? []).map((object) => object.Key!))
    token = answer.IsTruncated ? answer.NextContinuationToken : undefined
  } while (token)

  return keys.sort()
}

async function versionEntries(
  bucket: string,
  prefix: string,
  store: Store,
): Promise<{Key: string; VersionId?: string}[]> {
  const entries: {Key: string; VersionId?: string}[] = []
  let keyMarker: string | undefined
  let versionMarker: string | undefined
  for (;;) {
    const answer = await s3Client(store).send(
      new ListObjectVersionsCommand({
        Bucket: bucket,
        KeyMarker: keyMarker,
        Prefix: prefix,
        VersionIdMarker: versionMarker,
      }),
    )
    for (const entry of [...(answer.Versions ?? []), ...(answer.DeleteMarkers ?? [])])
      entries.push({Key: entry.Key!, VersionId: entry.VersionId})
    if (!answer.IsTruncated) return entries
    keyMarker = answer.NextKeyMarker
    versionMarker = answer.NextVersionIdMarker
  }
}

/** Every version and delete marker under a prefix, as "key@version", all pages. */
export async function versionsUnder(bucket: string, prefix = '', store: Store = moto()): Promise<string[]> {
  return (await versionEntries(bucket, prefix, store)).map(({Key, VersionId}) => `${Key}@${VersionId}`).sort()
}

export async function emptyAndDeleteBucket(bucket: string, store: Store = moto()): Promise<void> {
  if (!(await bucketExists(bucket, store))) return
  const s3 = s3Client(store)
  // Versions and delete markers too (a versioned bucket cannot be deleted otherwise); then what is current.
  const entries = await versionEntries(bucket, '', store)
  const listed = new Set(entries.map((entry) => entry.Key))
  for (const Key of await keysUnder(bucket, '', store)) if (!listed.has(Key)) entries.push({Key})
  for (let start = 0; start < entries.length; start += 1000)
    await s3.send(new DeleteObjectsCommand({Bucket: bucket, Delete: {Objects: entries.slice(start, start + 1000)}}))
  await s3.send(new DeleteBucketCommand({Bucket: bucket}))
}

export async function clusterGet(url: string): Promise<any> {
  const answer = await fetch(url)
  return answer.json()
}

export interface CliOutcome {
  exitCode: number
  stderr: string
  stdout: string
}

/**
 * A JSON request to a cluster, as the tests set up and check their data (not through the plugin).
 * OpenSearch 3.6's repository-s3 may refuse a registration with 500 (its S3 client's executor
 * "shutting down") right after a repository with the same client settings was removed; a
 * registration (PUT _snapshot/NAME) that meets it is sent again, up to 3 times.
 */
export function clusterCaller(baseUrl: string) {
  return async (method: string, requestPath: string, body?: unknown): Promise<{body: any; status: number}> => {
    const registration = method === 'PUT' && /^\/_snapshot\/[^/?]+$/.test(requestPath)
    for (let attempt = 1; ; attempt++) {
      const answer = await fetch(`${baseUrl}${requestPath}`, {
        body: body === undefined ? undefined : JSON.stringify(body),
        headers: {'content-type': 'application/json'},
        method,
      })
      const result = {body: await answer.json(), status: answer.status}
      if (!registration || result.status !== 500 || attempt === 3) return result
      await new Promise((resolve) => setTimeout(resolve, 1000))
    }
  }
}

/**
 * What must survive a deletion still works: the snapshot is readable through the cluster (its status reads its
 * files in the store), SUCCESS, and with `withShards` its shard level too.
 */
export async function assertSnapshotReadable(
  cluster: ReturnType<typeof clusterCaller>,
  repository: string,
  snapshot: string,
  options: {withShards?: boolean} = {},
) {
  const status = await cluster('GET', `/_snapshot/${repository}/${snapshot}/_status`)
  assert.equal(status.status, 200, `${repository}/${snapshot} is not readable: ${JSON.stringify(status.body)}`)
  assert.equal(status.body.snapshots[0].state, 'SUCCESS')
  if (options.withShards) assert.ok(status.body.snapshots[0].shards_stats.total > 0, 'with its shards')
}

/** Runs the real CLI (bin/run.js) as a user would, in a scripted session with its own data folder. */
export function runCli(args: string[], env: Record<string, string | undefined> = {}): Promise<CliOutcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(repoRoot, 'bin', 'run.js'), ...args], {
      env: {
        ...process.env,
        CI: 'true',
        CONSOLE_DATA_DIR: path.join(scratch, 'data'),
        MIGRATION_SERVICES_YAML_PATH: '',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk) => (stdout += chunk))
    child.stderr.on('data', (chunk) => (stderr += chunk))
    child.on('error', reject)
    child.on('close', (code) => resolve({exitCode: code ?? -1, stderr, stdout}))
  })
}

/** The CLI against the engines, with the store's credentials in its environment. */
export function console_(args: string[], env: Record<string, string> = {}, store: Store = moto()): Promise<CliOutcome> {
  return runCli(args, {AWS_ACCESS_KEY_ID: store.accessKey, AWS_SECRET_ACCESS_KEY: store.secretKey, ...env})
}
