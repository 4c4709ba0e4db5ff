import type {LocationIdentity} from '../location/identity.js'
import type {FsStorage, S3Storage} from '../services/model.js'

import {type ClusterClient, ClusterRequestError} from '../cluster/client.js'
import {
  registerRepository,
  REPOSITORY_OUT_OF_SYNC,
  type RepositoryBody,
  repositoryPath,
  unregisterRepository,
} from '../cluster/snapshots.js'
import {identityOf} from '../location/open.js'
import {endpointUrl} from '../store/s3.js'

/** Where a registered repository keeps its files, as the cluster was told: base paths byte for byte. */
export type RegisteredStorage = FsStorage | S3Storage | {kind: 'other'; type: string}

/** A registered repository: its name, the body that registers it again, and where its files are. */
export interface Registration {
  body: RepositoryBody
  repository: string
  storage: RegisteredStorage
}

export async function readRegistration(
  cluster: ClusterClient,
  repository: string,
  fallback?: Partial<S3Storage>,
  signal?: AbortSignal,
): Promise<Registration> {
  const {body} = await cluster.send<Record<string, RepositoryBody>>(
    {idempotent: true, method: 'GET', path: repositoryPath(repository)},
    signal,
  )
  const registered = body?.[repository]
  if (!registered) throw new Error(`the cluster did not describe repository ${repository}`)
  return {body: registered, repository, storage: storageOfRegistration(registered, fallback)}
}

/**
 * Where a registered repository keeps its files; region and endpoint fall back to the services file.
 * The base path is kept exactly as registered (a leading slash is part of every key the cluster writes).
 */
export function storageOfRegistration(
  body: RepositoryBody,
  fallback: Partial<S3Storage> = {},
  env: NodeJS.ProcessEnv = process.env,
): RegisteredStorage {
  const settings = body.settings ?? {}
  if (body.type === 'fs') return {kind: 'fs', path: String(settings.location ?? '')}
  if (body.type !== 's3' || typeof settings.bucket !== 'string' || settings.bucket === '')
    return {kind: 'other', type: String(body.type)}
  return {
    basePath: String(settings.base_path ?? ''),
    bucket: settings.bucket,
    // A registration's endpoint without a scheme takes its protocol setting, as the nodes read it.
    endpoint: settings.endpoint ? endpointUrl(String(settings.endpoint), settings.protocol) : fallback.endpoint,
    kind: 's3',
    region: String(settings.region ?? fallback.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1'),
    roleArn: settings.role_arn ? String(settings.role_arn) : undefined,
  }
}

export function describeStorage(storage: RegisteredStorage): string {
  if (storage.kind === 's3') return `s3://${storage.bucket}/${storage.basePath}`
  if (storage.kind === 'fs') return storage.path
  return `a ${storage.type} repository`
}

/**
 * The cluster refuses a repository whose files changed behind its back ("do not match its
 * expected state", "concurrent modification of the index-N file") until it is registered again.
 */
export function isRepositoryOutOfSync(error: unknown): boolean {
  if (!(error instanceof ClusterRequestError)) return false
  return REPOSITORY_OUT_OF_SYNC.test(JSON.stringify(error.body ?? ''))
}

/** Why a re-registration could not be completed, and what state it left behind. */
export class ReRegistrationError extends Error {
  constructor(
    message: string,
    readonly restored: boolean,
  ) {
    super(message)
    this.name = 'ReRegistrationError'
  }
}

/**
 * Unregisters and registers with the same body: the data stays, the cluster re-reads its real state.
 * If the new registration fails, the previous one is put back without verification, so the
 * repository is never left unregistered; the error says which happened.
 */
export async function reRegister(
  cluster: ClusterClient,
  registration: Pick<Registration, 'body' | 'repository'>,
  signal?: AbortSignal,
): Promise<void> {
  const name = registration.repository
  await unregisterRepository(cluster, name, signal)
  try {
    await registerRepository(cluster, name, registration.body, signal)
  } catch (error) {
    try {
      await registerRepository(cluster, name, registration.body, undefined, {verify: false})
    } catch {
      throw new ReRegistrationError(
        `registering ${name} again failed (${(error as Error).message}) and restoring it failed too: ${name} is NOT registered now; register it with PUT ${repositoryPath(name)} ${JSON.stringify(registration.body)}`,
        false,
      )
    }

    throw new ReRegistrationError(
      `registering ${name} again failed (${(error as Error).message}); its previous registration was restored (without verification), nothing was deleted after it`,
      true,
    )
  }
}

/** The generation (index-N) the cluster believes is current; undefined when it has not read the repository yet. */
export async function clusterRepositoryGeneration(
  cluster: ClusterClient,
  repository: string,
  signal?: AbortSignal,
): Promise<number | undefined> {
  const {body} = await cluster.send<{metadata?: {repositories?: Record<string, {generation?: number}>}}>(
    {idempotent: true, method: 'GET', path: '/_cluster/state/metadata', query: {filter_path: 'metadata.repositories'}},
    signal,
  )
  const generation = body?.metadata?.repositories?.[repository]?.generation
  // -2: not read yet; -1: empty. Only a read generation can be compared with the files.
  return typeof generation === 'number' && generation >= -1 ? generation : undefined
}

export type GenerationCheck =
  | {clusterGeneration: number; filesGeneration: number; outcome: 'out-of-sync'}
  | {generation?: number; outcome: 'in-sync'}
  | {outcome: 'skipped'; why: string}

/**
 * Whether the cluster's idea of the repository matches its files: the newest index-N in the bucket
 * is the generation the cluster holds. Files deleted by hand leave the cluster behind, and the next
 * snapshot of the same name then fails with "already exists". Reading the cluster state is optional:
 * a user without that privilege gets the check reported as skipped.
 */
export async function compareWithFiles(
  cluster: ClusterClient,
  registration: Registration,
  newestIndexInFiles: () => Promise<number | undefined>,
  signal?: AbortSignal,
): Promise<GenerationCheck> {
  let clusterGeneration: number | undefined
  try {
    clusterGeneration = await clusterRepositoryGeneration(cluster, registration.repository, signal)
  } catch (error) {
    if (error instanceof ClusterRequestError && error.status !== undefined && error.status < 500)
      return {
        outcome: 'skipped',
        why: `the cluster refused GET /_cluster/state/metadata (${error.status}), so whether its files changed outside it was not checked`,
      }
    throw error
  }

  const filesGeneration = (await newestIndexInFiles()) ?? -1
  if (clusterGeneration === undefined || clusterGeneration === filesGeneration)
    return {generation: clusterGeneration, outcome: 'in-sync'}
  return {clusterGeneration, filesGeneration, outcome: 'out-of-sync'}
}

/**
 * Elasticsearch's source-only repository writes the same layout into its delegate (`delegate_type: s3` or `fs`
 * with the delegate's own settings): for the neighbours' protection it is placed where its delegate writes.
 */
function asDelegate(body: RepositoryBody): RepositoryBody {
  const delegate = body.settings?.delegate_type
  return body.type === 'source' && (delegate === 's3' || delegate === 'fs') ? {...body, type: delegate} : body
}

/** Where every other registered repository keeps its files: nothing there is ever deleted on behalf of `name`. */
export async function otherLocations(
  name: string,
  registrations: Record<string, RepositoryBody>,
  fallback: Partial<S3Storage> | undefined,
  pathRepo: () => Promise<string[] | undefined>,
): Promise<{identity: LocationIdentity; name: string}[]> {
  const others: {identity: LocationIdentity; name: string}[] = []
  for (const [other, body] of Object.entries(registrations)) {
    if (other === name) continue
    const storage = storageOfRegistration(asDelegate(body), fallback)
    if (storage.kind === 'other') continue
    const identity = await identityOf(storage, other, pathRepo)
    if (identity) others.push({identity, name: other})
  }

  return others
}
