import {strict as assert} from 'node:assert'
import {execFileSync} from 'node:child_process'
import {statSync} from 'node:fs'
import path from 'node:path'

import type {clusterCaller} from './e2e.js'

const enginesHome = process.env.ENGINES_HOME ?? '/var/tmp/console-snapshot-engines'
const openSearchHome = path.join(enginesHome, 'opensearch-3.6.0')

/**
 * Runs opensearch-keystore on the shared node as the user that owns its keystore, under a lock: every edit
 * rewrites the whole file, so two suites editing it at once lose one's change (a client left with its access
 * key and no secret key, which makes every later reload of secure settings fail on the node).
 */
export function keystore(args: string[], input?: string): void {
  const binary = path.join(openSearchHome, 'bin', 'opensearch-keystore')
  const owner = statSync(path.join(openSearchHome, 'config', 'opensearch.keystore')).uid
  const javaHome = execFileSync('bash', ['-c', 'ls -d /usr/lib/jvm/temurin-2[1-9]* 2>/dev/null | head -1'])
    .toString()
    .trim()
  const asOwner = process.getuid?.() === 0 && owner !== 0
  const user = asOwner
    ? execFileSync('id', ['-nu', String(owner)])
        .toString()
        .trim()
    : ''
  const locked = ['flock', path.join(openSearchHome, 'config', 'opensearch.keystore.lock'), binary, ...args]
  const [file, fileArgs] = asOwner ? ['runuser', ['-u', user, '--', ...locked]] : [locked[0], locked.slice(1)]
  execFileSync(file, fileArgs, {
    env: {...process.env, ...(javaHome ? {OPENSEARCH_JAVA_HOME: javaHome} : {})},
    input,
    stdio: ['pipe', 'ignore', 'pipe'],
  })
}

export const addSecret = (name: string, value: string) => keystore(['add', '--stdin', '--force', name], value)

export async function reloadSecureSettings(cluster: ReturnType<typeof clusterCaller>): Promise<void> {
  const answer = await cluster('POST', '/_nodes/reload_secure_settings', {})
  assert.equal(answer.status, 200, JSON.stringify(answer.body))
  // A node that could not reload says so inside a 200 (reload_exception) and keeps its old clients.
  const nodes = Object.values((answer.body as {nodes?: Record<string, {reload_exception?: unknown}>}).nodes ?? {})
  assert.deepEqual(
    nodes.flatMap((node) => (node.reload_exception ? [node.reload_exception] : [])),
    [],
    'the nodes reloaded their secure settings',
  )
}

/** A named S3 client (s3.client.<name>.*) on the shared node with these keys; the default client is never touched. */
export async function addNodeClient(
  cluster: ReturnType<typeof clusterCaller>,
  name: string,
  keys: {accessKeyId: string; secretAccessKey: string},
): Promise<void> {
  addSecret(`s3.client.${name}.access_key`, keys.accessKeyId)
  addSecret(`s3.client.${name}.secret_key`, keys.secretAccessKey)
  await reloadSecureSettings(cluster)
}

/** Removes a named S3 client again; says so when it cannot (the suite goes on). */
export async function removeNodeClient(cluster: ReturnType<typeof clusterCaller>, name: string): Promise<void> {
  try {
    keystore(['remove', `s3.client.${name}.access_key`, `s3.client.${name}.secret_key`])
    await reloadSecureSettings(cluster)
  } catch (error) {
    console.log(`      could not remove s3.client.${name}.* from the keystore: ${(error as Error).message}`)
  }
}
