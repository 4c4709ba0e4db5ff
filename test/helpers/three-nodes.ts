import {execFileSync} from 'node:child_process'
import path from 'node:path'

import {repoRoot} from './paths.js'

/**
 * The engines' 3-node OpenSearch cluster (`scripts/engines start-cluster`): started by the suite that
 * uses it unless it already runs, and then stopped again by that suite (the script stops it by pid).
 * Each node has its own config folder, so its own keystore: a test gives one node other S3 credentials.
 */
export interface ThreeNodes {
  /** Config folder per node name. */
  conf: Record<string, string>
  javaHome: string
  names: string[]
  openSearchHome: string
  /** The engines' unprivileged user owning the keystores, when the suite runs as root. */
  owner?: string
  /** Whether this suite started it (and so stops it). */
  started: boolean
  url: string
}

const engines = path.join(repoRoot, 'scripts', 'engines')

function clusterEnv(): Record<string, string> | undefined {
  try {
    const text = execFileSync('bash', [engines, 'cluster-env'], {stdio: ['ignore', 'pipe', 'ignore']}).toString()
    const values = Object.fromEntries(
      text
        .split('\n')
        .filter((line) => line.includes('='))
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
    )
    return values.CLUSTER_URL ? values : undefined
  } catch {
    return undefined
  }
}

async function answers(url: string): Promise<boolean> {
  try {
    const answer = await fetch(`${url}/_cluster/health?wait_for_nodes=3&timeout=2s`)
    return answer.ok
  } catch {
    return false
  }
}

export async function startThreeNodes(): Promise<ThreeNodes> {
  let env = clusterEnv()
  let started = false
  if (!env || !(await answers(env.CLUSTER_URL))) {
    execFileSync('bash', [engines, 'start-cluster'], {stdio: ['ignore', 'inherit', 'inherit']})
    started = true
    env = clusterEnv()
    if (!env) throw new Error('scripts/engines start-cluster wrote no cluster.env')
  }

  const names = env.CLUSTER_NODE_NAMES.split(',')
  const dirs = env.CLUSTER_CONF_DIRS.split(',')
  return {
    conf: Object.fromEntries(names.map((name, index) => [name, dirs[index]])),
    javaHome: env.CLUSTER_JAVA_HOME,
    names,
    openSearchHome: env.CLUSTER_OPENSEARCH_HOME,
    owner: env.CLUSTER_ENGINES_USER || undefined,
    started,
    url: env.CLUSTER_URL,
  }
}

export function stopThreeNodes(cluster: ThreeNodes | undefined): void {
  if (cluster?.started) execFileSync('bash', [engines, 'stop-cluster'], {stdio: ['ignore', 'inherit', 'inherit']})
}

/** `opensearch-keystore` of one node, as the user that owns its keystore. */
export function nodeKeystore(cluster: ThreeNodes, node: string, args: string[], input?: string): void {
  const binary = path.join(cluster.openSearchHome, 'bin', 'opensearch-keystore')
  const asOwner = process.getuid?.() === 0 && cluster.owner
  const [file, fileArgs] = asOwner ? ['runuser', ['-u', cluster.owner!, '--', binary, ...args]] : [binary, args]
  execFileSync(file, fileArgs, {
    env: {...process.env, OPENSEARCH_JAVA_HOME: cluster.javaHome, OPENSEARCH_PATH_CONF: cluster.conf[node]},
    input,
    stdio: ['pipe', 'ignore', 'pipe'],
  })
}

/** Gives one node's named S3 client these keys (s3.client.NAME.*); reload secure settings afterwards. */
export function setNodeKeys(
  cluster: ThreeNodes,
  node: string,
  client: string,
  keys: {accessKeyId: string; secretAccessKey: string},
): void {
  nodeKeystore(cluster, node, ['add', '--stdin', '--force', `s3.client.${client}.access_key`], keys.accessKeyId)
  nodeKeystore(cluster, node, ['add', '--stdin', '--force', `s3.client.${client}.secret_key`], keys.secretAccessKey)
}

export function removeNodeKeys(cluster: ThreeNodes, node: string, client: string): void {
  nodeKeystore(cluster, node, ['remove', `s3.client.${client}.access_key`, `s3.client.${client}.secret_key`])
}
