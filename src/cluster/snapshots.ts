import {pathSegment} from '../names.js'
import {type ClusterClient, ClusterRequestError} from './client.js'

/**
 * What a cluster says of a repository whose files changed behind its back ("do not match its expected state",
 * "concurrent modification of the index-N file"); it stays disabled until registered again.
 */
export const REPOSITORY_OUT_OF_SYNC =
  /do not match its expected state|concurrent modification of the index-N file|has been disabled to prevent/

export interface ClusterInfo {
  clusterName?: string
  distribution: 'elasticsearch' | 'opensearch'
  major: number
  version: string
}

export async function readClusterInfo(cluster: ClusterClient, signal?: AbortSignal): Promise<ClusterInfo> {
  type Root = {cluster_name?: string; version?: {distribution?: string; number?: string}}
  let body: Root | undefined
  try {
    // The first request of every command: a cluster that accepts connections and never answers is named
    // within about 30 s (three waits of 10 s), not the minutes four 30 s attempts would take.
    ;({body} = await cluster.send<Root>(
      {idempotent: true, method: 'GET', path: '/', retries: 2, timeoutMs: 10_000},
      signal,
    ))
  } catch (error) {
    // A node without the root endpoint (Elasticsearch 8 moved it to a module that stripped
    // distributions lack) still tells its version in the nodes info.
    if (!(error instanceof ClusterRequestError) || (error.status !== 404 && error.status !== 405)) throw error
    const nodes = await cluster.send<{cluster_name?: string; nodes?: Record<string, {version?: string}>}>(
      {idempotent: true, method: 'GET', path: '/_nodes', query: {filter_path: 'cluster_name,nodes.*.version'}},
      signal,
    )
    body = {
      cluster_name: nodes.body?.cluster_name,
      version: {number: Object.values(nodes.body?.nodes ?? {})[0]?.version},
    }
  }

  const version = body?.version?.number ?? 'unknown'
  return {
    clusterName: body?.cluster_name,
    distribution: body?.version?.distribution === 'opensearch' ? 'opensearch' : 'elasticsearch',
    major: Number.parseInt(version, 10) || 0,
    version,
  }
}

export function describeCluster(info: ClusterInfo): string {
  return `${info.distribution === 'opensearch' ? 'OpenSearch' : 'Elasticsearch'} ${info.version}`
}

/**
 * A managed AWS domain (Amazon OpenSearch Service, Serverless): its nodes list no repository-s3 but
 * write to S3 all the same, so only the registration can prove it. Known by sigv4 auth or by its host.
 */
export function isManagedAwsDomain(cluster: {authKind?: string; endpoint: string}): boolean {
  if (cluster.authKind === 'sigv4') return true
  const host = new URL(cluster.endpoint).hostname
  return (
    /\.(es|aos|aoss)\.[a-z0-9-]+\.(amazonaws\.com(\.cn)?|on\.aws)$/.test(host) || /\.aoss\.amazonaws\.com$/.test(host)
  )
}

interface NodesPluginsBody {
  nodes?: Record<string, {modules?: {name: string}[]; name?: string; plugins?: {name: string}[]}>
}

/** Node names that have the plugin neither as a plugin nor as a module. */
export async function nodesLackingPlugin(cluster: ClusterClient, plugin: string, signal?: AbortSignal) {
  const {body} = await cluster.send<NodesPluginsBody>(
    {idempotent: true, method: 'GET', path: '/_nodes/plugins'},
    signal,
  )
  const nodes = Object.entries(body?.nodes ?? {})
  const lacking = nodes
    .filter(([, node]) => ![...(node.plugins ?? []), ...(node.modules ?? [])].some((entry) => entry.name === plugin))
    .map(([id, node]) => node.name ?? id)
  return {lacking, total: nodes.length}
}

/** A repository as the cluster describes it: any type (s3, fs, gcs, url, ...) with its settings. */
export interface RepositoryBody {
  settings: Record<string, boolean | string>
  type: string
}

export const repositoryPath = (repository: string) => `/_snapshot/${pathSegment(repository)}`
export const snapshotPath = (repository: string, snapshot: string) =>
  `${repositoryPath(repository)}/${pathSegment(snapshot, {pattern: true})}`

export async function registerRepository(
  cluster: ClusterClient,
  repository: string,
  body: RepositoryBody,
  signal?: AbortSignal,
  options: {verify?: boolean} = {},
) {
  // Same name and body twice is the same registration: safe to repeat. Verification can take a while.
  const query = options.verify === false ? {verify: 'false'} : undefined
  await cluster.send(
    {body, idempotent: true, method: 'PUT', path: repositoryPath(repository), query, timeoutMs: 120_000},
    signal,
  )
}

export async function listRepositories(
  cluster: ClusterClient,
  signal?: AbortSignal,
): Promise<Record<string, RepositoryBody>> {
  const {body} = await cluster.send<Record<string, RepositoryBody>>(
    {idempotent: true, method: 'GET', path: '/_snapshot'},
    signal,
  )
  return body ?? {}
}

/** Removes the registration only; the files stay where they are. */
export async function unregisterRepository(
  cluster: ClusterClient,
  repository: string,
  signal?: AbortSignal,
): Promise<'absent' | 'removed'> {
  const removed = await deleteUnlessMissing(cluster, repositoryPath(repository), 'repository_missing_exception', signal)
  return removed ? 'removed' : 'absent'
}

/** DELETE path; false when the cluster says that what it names does not exist (its own error type, not any 404). */
export async function deleteUnlessMissing(
  cluster: ClusterClient,
  path: string,
  missingType: string,
  signal?: AbortSignal,
): Promise<boolean> {
  try {
    await cluster.send({idempotent: true, method: 'DELETE', path}, signal)
    return true
  } catch (error) {
    if (isMissing(error, missingType)) return false
    throw error
  }
}

/** A shard the snapshot could not copy, with the cluster's own reason. */
export interface SnapshotShardFailure {
  index?: string
  /** The node whose shard failed, by id. */
  node_id?: string
  reason?: string
  shard_id?: number
  status?: string
}

export interface SnapshotInfo {
  failures?: SnapshotShardFailure[]
  indices?: string[]
  snapshot: string
  state?: string
  uuid?: string
}

/**
 * The test snapshot's body. The guide sends `"indices": ""`, but an empty list means *all* indices
 * (measured on OpenSearch 3.6 and Elasticsearch 7.10: every index was copied); `-*` excludes every
 * index, so only the cluster's metadata is written, which is what the guide means to test.
 */
export const METADATA_ONLY_SNAPSHOT = {ignore_unavailable: true, include_global_state: true, indices: '-*'}

/** A snapshot of one index and the global state: what the migration's snapshot copies, on a small scale. */
export const indexSnapshotBody = (index: string) => ({
  ignore_unavailable: false,
  include_global_state: true,
  indices: index,
})

/** Takes a snapshot with the given body, waiting until it is done. */
export async function createSnapshot(
  cluster: ClusterClient,
  repository: string,
  snapshot: string,
  snapshotBody: object,
  signal?: AbortSignal,
): Promise<SnapshotInfo> {
  const {body} = await cluster.send<{snapshot?: SnapshotInfo}>(
    {
      body: snapshotBody,
      // Repeating it after it was taken would fail with "already exists".
      idempotent: false,
      method: 'PUT',
      path: snapshotPath(repository, snapshot),
      query: {wait_for_completion: 'true'},
      timeoutMs: 600_000,
    },
    signal,
  )
  return body?.snapshot ?? {snapshot}
}

/** The snapshots matching a name, a pattern (`rfs-*`) or `_all`; none when the cluster says it is missing. */
export async function listSnapshots(
  cluster: ClusterClient,
  repository: string,
  pattern: string,
  signal?: AbortSignal,
): Promise<SnapshotInfo[]> {
  try {
    const {body} = await cluster.send<{snapshots?: SnapshotInfo[]}>(
      {idempotent: true, method: 'GET', path: snapshotPath(repository, pattern)},
      signal,
    )
    return body?.snapshots ?? []
  } catch (error) {
    if (isMissing(error, 'snapshot_missing_exception')) return []
    throw error
  }
}

export async function deleteSnapshot(
  cluster: ClusterClient,
  repository: string,
  snapshot: string,
  signal?: AbortSignal,
): Promise<'absent' | 'deleted'> {
  try {
    await cluster.send(
      {idempotent: true, method: 'DELETE', path: snapshotPath(repository, snapshot), timeoutMs: 300_000},
      signal,
    )
    return 'deleted'
  } catch (error) {
    if (isMissing(error, 'snapshot_missing_exception')) return 'absent'
    throw error
  }
}

/** The cluster says the repository is not registered (its own error type, not any 404). */
export const isRepositoryMissing = (error: unknown) => isMissing(error, 'repository_missing_exception')

function isMissing(error: unknown, type: string): boolean {
  return error instanceof ClusterRequestError && error.status === 404 && error.clusterError?.type === type
}
