import type {ClusterClient} from '../cluster/client.js'
import type {RepositoryFiles} from '../location/files.js'
import type {Locations} from '../location/open.js'
import type {S3Storage} from '../services/model.js'

import {pathRepoOnce} from '../cluster/path-repo.js'
import {listSnapshots, type SnapshotInfo} from '../cluster/snapshots.js'
import {UsageError} from '../errors.js'
import {openRegisteredFiles} from './clean-plan.js'
import {compareWithFiles, type GenerationCheck, isRepositoryOutOfSync, type Registration} from './registration.js'

/**
 * The first half of `snapshot delete`: what it will do, read from the cluster (and the repository's files)
 * without changing anything. The plan step builds it; the dry run and the confirmation show it.
 */

export interface DeleteRequest {
  dryRun: boolean
  repository: string
  /** Region and endpoint for the bucket when the registration does not name them. */
  s3Fallback?: Partial<S3Storage>
  /** Names or patterns (`rfs-*`) as the cluster accepts them. */
  snapshots: string[]
}

export interface DeleteDependencies {
  cluster: ClusterClient
  /** Shown the whole plan, asked once; false stops before anything changes. */
  confirm: (message: string) => Promise<boolean>
  /** Where repositories are: the run's one factory of locations, holding its S3 clients. */
  locations: Locations
  onProgress?: (message: string) => void
  pollIntervalMs?: number
  signal?: AbortSignal
  /** How long to wait for the cluster to stop listing a deleted snapshot. */
  waitTimeoutMs?: number
}

/** What `snapshot delete` will do, read from the cluster (and the bucket) without changing anything. */
export interface DeletePlan {
  /** Names and patterns that match nothing: already gone. */
  absent: string[]
  generationCheck: GenerationCheck
  registration: Registration
  /** Why the repository is registered again first: its files changed behind the cluster. */
  resync?: string
  /** Exact names to delete (patterns resolved), with their state. */
  snapshots: SnapshotInfo[]
}

export interface DeleteContext extends DeleteDependencies, DeleteRequest {
  alreadyGone: string[]
  deleted: string[]
  /** Where the repository's files are readable from the console, found once per run. */
  files?: Promise<RepositoryFiles | undefined>
  /** The same, once the plan has found them. */
  located?: RepositoryFiles
  plan?: DeletePlan
  planLines: string[]
}

const patternExpression = (pattern: string) =>
  new RegExp(
    `^(?:${pattern
      .split(',')
      .map((part) =>
        part === '_all' ? '.*' : part.replaceAll(/[.+?^${}()|[\]\\]/g, String.raw`\$&`).replaceAll('*', '.*'),
      )
      .join('|')})$`,
  )

/** The repository's files where the console can read them, found once per run (the plan may read them twice). */
export function filesOf(context: DeleteContext, registration: Registration): Promise<RepositoryFiles | undefined> {
  context.files ??= openRegisteredFiles(registration, {
    hashedShardPaths: true,
    pathRepo: pathRepoOnce(context.cluster, context.signal),
    signal: context.signal,
  }).catch((error: unknown) => {
    // Not readable from here (another type, an fs path outside path.repo): the plan says so. An interrupt is not that.
    if (context.signal?.aborted) throw error
    return undefined
  })
  return context.files
}

/** The repository's files when the console can read them (not another type, not an fs path it does not see). */
async function readableFiles(context: DeleteContext, registration: Registration) {
  const files = await filesOf(context, registration)
  return files && (await files.reader()) ? files : undefined
}

export async function generationCheck(context: DeleteContext, registration: Registration): Promise<GenerationCheck> {
  const files = await readableFiles(context, registration)
  if (!files)
    return {
      outcome: 'skipped',
      why: `the files of ${registration.location.describe()} cannot be read from the console, so they were not compared with the cluster`,
    }
  return compareWithFiles(
    context.cluster,
    registration,
    async () => (await files.newestIndex())?.generation,
    context.signal,
  )
}

/** Snapshots matching the request: from the cluster, or, while it refuses the out-of-sync repository, from the files. */
export async function matchingSnapshots(
  context: DeleteContext,
  registration: Registration,
  outOfSync: boolean,
): Promise<{absent: string[]; found: SnapshotInfo[]; outOfSync: boolean}> {
  const found: SnapshotInfo[] = []
  const absent: string[] = []
  for (const pattern of context.snapshots) {
    let matches: SnapshotInfo[]
    try {
      matches = outOfSync
        ? await snapshotsInFiles(context, registration, pattern)
        : await listSnapshots(context.cluster, context.repository, pattern, context.signal)
    } catch (error) {
      if (outOfSync || !isRepositoryOutOfSync(error)) throw error
      return matchingSnapshots(context, registration, true)
    }

    if (matches.length === 0) absent.push(pattern)
    for (const snapshot of matches)
      if (!found.some((known) => known.snapshot === snapshot.snapshot)) found.push(snapshot)
  }

  return {absent, found, outOfSync}
}

async function snapshotsInFiles(
  context: DeleteContext,
  registration: Registration,
  pattern: string,
): Promise<SnapshotInfo[]> {
  const files = await readableFiles(context, registration)
  // Without its files an out-of-sync repository's snapshots are unknown: never "already gone".
  if (!files)
    throw new UsageError(
      `the cluster says ${context.repository}'s files changed outside it, and they cannot be read from the console (${registration.location.describe()}), so which snapshots it holds is not known; nothing was deleted`,
      [
        `register ${context.repository} again (DELETE then PUT _snapshot/${context.repository} with the same settings) and run the command again`,
      ],
    )
  const index = await files.newestIndex()
  const expression = patternExpression(pattern)
  return (index?.snapshots ?? [])
    .filter((snapshot) => expression.test(snapshot.name))
    .map((snapshot) => ({snapshot: snapshot.name, uuid: snapshot.uuid}))
}

export function renderDeletePlan(context: DeleteContext, plan: DeletePlan): string[] {
  const lines: string[] = []
  if (plan.resync) lines.push(`register ${context.repository} again with the same settings (${plan.resync})`)
  if (plan.generationCheck.outcome === 'skipped') lines.push(`generation check skipped: ${plan.generationCheck.why}`)
  const running = plan.snapshots
    .filter((snapshot) => snapshot.state === 'IN_PROGRESS')
    .map((snapshot) => snapshot.snapshot)
  if (plan.snapshots.length > 0)
    lines.push(
      `delete ${plan.snapshots.length} snapshot(s) from ${context.repository} through the cluster: ${plan.snapshots.map((snapshot) => snapshot.snapshot).join(', ')}`,
    )
  else lines.push('delete nothing: no snapshot matches')
  if (running.length > 0) lines.push(`still running (deleting aborts it): ${running.join(', ')}`)
  if (plan.absent.length > 0) lines.push(`already gone: ${plan.absent.join(', ')}`)
  return lines
}
