import {type ClusterClient, ClusterRequestError} from '../cluster/client.js'
import {REPOSITORY_OUT_OF_SYNC, type RepositoryBody, registerRepository, unregisterRepository} from '../cluster/snapshots.js'
import type {RepositoryStorage, S3Storage} from '../services/model.js'

/** A registered repository: its name, the body that registers it again, and where its files are. */
export interface Registration {
  repository: string
  body: RepositoryBody
  storage: RepositoryStorage
}

export async function readRegistration(
  cluster: ClusterClient,
  repository: string,
  fallback?: Partial<S3Storage>,
  signal?: AbortSignal,
): Promise<Registration> {
  const {body} = await cluster.send<Record<string, RepositoryBody>>(
    {method: 'GET', path: `/_snapshot/${encodeURIComponent(repository)}`, idempotent: true},
    signal,
  )
  const registered = body?.[repository]
  if (!registered) throw new Error(`the cluster did not describe repository ${repository}`)
  return {repository, body: registered, storage: storageOfRegistration(registered, fallback)}
}

/** Where a registered repository keeps its files; region and endpoint fall back to the services file. */
export function storageOfRegistration(body: RepositoryBody, fallback: Partial<S3Storage> = {}, env: NodeJS.ProcessEnv = process.env): RepositoryStorage {
  const settings = body.settings ?? {}
  if (body.type === 'fs') return {kind: 'fs', path: String(settings.location ?? '')}
  return {
    kind: 's3',
    bucket: String(settings.bucket),
    basePath: String(settings.base_path ?? '').replace(/^\/+|\/+$/g, ''),
    region: String(settings.region ?? fallback.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1'),
    endpoint: settings.endpoint ? String(settings.endpoint) : fallback.endpoint,
    roleArn: settings.role_arn ? String(settings.role_arn) : undefined,
  }
}

/**
 * The cluster refuses a repository whose files changed behind its back ("do not match its
 * expected state", "concurrent modification of the index-N file") until it is registered again.
 */
export function isRepositoryOutOfSync(error: unknown): boolean {
  if (!(error instanceof ClusterRequestError)) return false
  const text = JSON.stringify(error.body ?? '')
  return REPOSITORY_OUT_OF_SYNC.test(text)
}

/** Unregisters and registers with the same body: the data stays, the cluster re-reads its real state. */
export async function reRegister(cluster: ClusterClient, registration: Registration, signal?: AbortSignal): Promise<void> {
  await unregisterRepository(cluster, registration.repository, signal)
  await registerRepository(cluster, registration.repository, registration.body, signal)
}

/** Runs a cluster call; if the repository is out of sync, registers it again once and retries. */
export async function withResync<T>(
  cluster: ClusterClient,
  registration: Registration,
  call: () => Promise<T>,
  onResync: () => void,
  signal?: AbortSignal,
): Promise<T> {
  try {
    return await call()
  } catch (error) {
    if (!isRepositoryOutOfSync(error)) throw error
    onResync()
    await reRegister(cluster, registration, signal)
    return call()
  }
}

/** The generation (index-N) the cluster believes is current; undefined when it has not read the repository yet. */
export async function clusterRepositoryGeneration(cluster: ClusterClient, repository: string, signal?: AbortSignal): Promise<number | undefined> {
  const {body} = await cluster.send<{metadata?: {repositories?: Record<string, {generation?: number}>}}>(
    {method: 'GET', path: '/_cluster/state/metadata', query: {filter_path: 'metadata.repositories'}, idempotent: true},
    signal,
  )
  const generation = body?.metadata?.repositories?.[repository]?.generation
  // -2: not read yet; -1: empty. Only a read generation can be compared with the files.
  return typeof generation === 'number' && generation >= -1 ? generation : undefined
}

/**
 * Whether the cluster's idea of the repository matches its files: the newest index-N in the bucket
 * is the generation the cluster holds. Files deleted by hand leave the cluster behind, and the next
 * snapshot of the same name then fails with "already exists".
 */
export async function compareWithFiles(
  cluster: ClusterClient,
  registration: Registration,
  newestIndexInFiles: () => Promise<number | undefined>,
  signal?: AbortSignal,
): Promise<{inSync: boolean; clusterGeneration?: number; filesGeneration: number}> {
  const clusterGeneration = await clusterRepositoryGeneration(cluster, registration.repository, signal)
  const filesGeneration = (await newestIndexInFiles()) ?? -1
  return {inSync: clusterGeneration === undefined || clusterGeneration === filesGeneration, clusterGeneration, filesGeneration}
}
