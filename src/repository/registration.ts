import type {Location, RepositoryFiles} from '../location/files.js'

import {type ClusterClient, ClusterRequestError} from '../cluster/client.js'
import {
  registerRepository,
  REPOSITORY_OUT_OF_SYNC,
  type RepositoryBody,
  repositoryPath,
  unregisterRepository,
} from '../cluster/snapshots.js'

/** A registered repository: its name, the body that registers it again, and where its files are. */
export interface Registration {
  body: RepositoryBody
  /** Where its files are, as the cluster was told: base paths byte for byte. */
  location: Location
  repository: string
}

/** The registration as the cluster describes it now; `locate` places its body (with the services file's fallbacks). */
export async function readRegistration(
  cluster: ClusterClient,
  repository: string,
  locate: (body: RepositoryBody) => Location,
  signal?: AbortSignal,
): Promise<Registration> {
  const {body} = await cluster.send<Record<string, RepositoryBody>>(
    {idempotent: true, method: 'GET', path: repositoryPath(repository)},
    signal,
  )
  const registered = body?.[repository]
  if (!registered) throw new Error(`the cluster did not describe repository ${repository}`)
  return {body: registered, location: locate(registered), repository}
}

/** What the diagnoses of a delete or a clean may say of where the repository's files are. */
export function diagnosisFacts(files: RepositoryFiles | undefined) {
  const facts = files?.location.facts
  return facts && {basePath: facts.basePath, bucket: facts.bucket, region: facts.region}
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
