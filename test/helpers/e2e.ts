import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectsCommand,
  HeadBucketCommand,
  ListObjectsV2Command,
  S3Client,
} from '@aws-sdk/client-s3'
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

export function s3Client(): S3Client {
  const local = engines()
  return new S3Client({
    credentials: {accessKeyId: local.accessKey, secretAccessKey: local.secretKey},
    endpoint: local.s3Endpoint,
    forcePathStyle: true,
    region: local.region,
  })
}

export async function bucketExists(bucket: string): Promise<boolean> {
  return s3Client()
    .send(new HeadBucketCommand({Bucket: bucket}))
    .then(
      () => true,
      () => false,
    )
}

export async function createBucket(bucket: string): Promise<void> {
  await s3Client().send(new CreateBucketCommand({Bucket: bucket}))
}

export async function keysUnder(bucket: string, prefix = ''): Promise<string[]> {
  const answer = await s3Client().send(new ListObjectsV2Command({Bucket: bucket, Prefix: prefix}))
  return (answer.Contents ?? []).map((object) => object.Key!).sort()
}

export async function emptyAndDeleteBucket(bucket: string): Promise<void> {
  if (!(await bucketExists(bucket))) return
  const keys = await keysUnder(bucket)
  if (keys.length > 0)
    await s3Client().send(new DeleteObjectsCommand({Bucket: bucket, Delete: {Objects: keys.map((Key) => ({Key}))}}))
  await s3Client().send(new DeleteBucketCommand({Bucket: bucket}))
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

/** A JSON request to a cluster, as the tests set up and check their data (not through the plugin). */
export function clusterCaller(baseUrl: string) {
  return async (method: string, requestPath: string, body?: unknown): Promise<{body: any; status: number}> => {
    const answer = await fetch(`${baseUrl}${requestPath}`, {
      body: body === undefined ? undefined : JSON.stringify(body),
      headers: {'content-type': 'application/json'},
      method,
    })
    return {body: await answer.json(), status: answer.status}
  }
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

/** The CLI against the default engines, with the S3 store's credentials in its environment. */
export function console_(args: string[], env: Record<string, string> = {}): Promise<CliOutcome> {
  const local = engines()
  return runCli(args, {AWS_ACCESS_KEY_ID: local.accessKey, AWS_SECRET_ACCESS_KEY: local.secretKey, ...env})
}
