import type {S3Client} from '@aws-sdk/client-s3'

import path from 'node:path'

import type {S3Storage} from '../services/model.js'

import {type ClusterClient, ClusterRequestError} from '../cluster/client.js'
import {listRepositories, listSnapshots, type RepositoryBody} from '../cluster/snapshots.js'
import {UsageError} from '../errors.js'
import {type BlobStore, DirectoryBlobStore, isVisibleFromConsole, S3BlobStore} from '../storage/blobs.js'
import {readRepositoryIndex} from '../storage/layout.js'
import {dropsLeadingSlash} from '../storage/s3.js'
import {insideLayoutOf, type RepositoryFootprint, repositoryKeyPrefix} from './ownership.js'
import {describeStorage, isRepositoryOutOfSync, type RegisteredStorage, storageOfRegistration} from './registration.js'

/** Where the files of the repository to clean are, and which of them it owns. */
export type CleanLocation =
  | {directory: string; footprint: RepositoryFootprint; kind: 'fs'; visible: boolean}
  | {footprint: RepositoryFootprint; kind: 's3'; storage: S3Storage}

/**
 * Everything `repo clean --repository` will do, decided from facts read without changing anything.
 * The dry run prints it, the confirmation shows it, the journal records it once accepted, and the
 * execution does exactly this and nothing more.
 */
export interface CleanPlan {
  body: RepositoryBody
  /** How the user must agree: yes/no, or the repository's name typed back (or --confirm NAME). */
  consent: 'typed-name' | 'yes'
  deleteBucket: boolean
  /** Of those, the ones verify did not make (the migration's own): consent by the typed name. */
  foreignSnapshots: string[]
  location: CleanLocation
  /** Registered now, or only remembered by an accepted clean that stopped halfway (journal). */
  registered: boolean
  repository: string
  /** Why the repository is registered again first (its files changed behind the cluster). */
  resync?: string
  /** Snapshots to delete through the cluster, in this order. */
  snapshots: string[]
}

export interface SurveyRequest {
  deleteBucket: boolean
  force: boolean
  /** The body an accepted clean recorded before it unregistered the repository. */
  pendingBody?: RepositoryBody
  repository: string
  s3Fallback?: Partial<S3Storage>
}

export interface SurveyDependencies {
  cluster: ClusterClient
  s3: (storage: Pick<S3Storage, 'endpoint' | 'region'>) => Promise<S3Client>
  signal?: AbortSignal
}

const VERIFY_SNAPSHOT = /^verify_snapshot_/

/** Reads the repository, its neighbours and its snapshots into a plan; refuses (exit 2) where ownership is in doubt. */
export async function surveyRepository(request: SurveyRequest, dependencies: SurveyDependencies): Promise<CleanPlan> {
  const {cluster, signal} = dependencies
  const name = request.repository
  const registrations = await listRepositories(cluster, signal)
  const body = registrations[name] ?? request.pendingBody
  if (!body)
    throw new UsageError(
      `repository ${name} is not registered on ${cluster.endpoint}, and no interrupted clean of it is recorded`,
      [
        'list the registered repositories with GET _snapshot, or run `console repo clean` without --repository to finish interrupted verify runs',
      ],
    )
  const storage = storageOfRegistration(body, request.s3Fallback)
  // The nodes' path.repo, read once where an fs repository needs it (its own location and its neighbours').
  const repoPaths = storage.kind === 'fs' ? await pathRepo(cluster, signal) : undefined
  const location = await locate(name, storage, repoPaths)
  // The S3 client (and the SDK behind it) loads while the cluster answers the survey's other questions;
  // a failure shows where the client is first awaited.
  if (location.kind === 's3') dependencies.s3(location.storage).catch(() => undefined)
  refuseOverlaps(name, location, registrations, request.s3Fallback, repoPaths)
  if (location.kind === 's3') await refuseDroppedLeadingSlash(name, location, dependencies)
  if (location.kind === 's3' && location.storage.basePath === '' && !request.force)
    throw new UsageError(
      `repository ${name} sits at the root of s3://${location.storage.bucket}: cleaning it would touch every repository file in the bucket`,
      [`pass --force (and confirm with --confirm ${name}) if that is what you want`],
    )

  const registered = registrations[name] !== undefined
  let snapshots: string[] = []
  let resync: string | undefined
  if (registered) {
    try {
      snapshots = (await listSnapshots(cluster, name, '_all', signal)).map((snapshot) => snapshot.snapshot)
    } catch (error) {
      if (!isRepositoryOutOfSync(error)) throw error
      resync = 'the cluster says its files changed outside it; it is registered again first, so it re-reads them'
      const index = await readIndexOf(location, dependencies)
      snapshots = index ? index.snapshots.map((snapshot) => snapshot.name) : []
    }
  }

  const foreignSnapshots = snapshots.filter((snapshot) => !VERIFY_SNAPSHOT.test(snapshot))
  if (foreignSnapshots.length > 0 && !request.force)
    throw new UsageError(
      `repository ${name} holds ${foreignSnapshots.length} snapshot(s) that verify did not make (${foreignSnapshots.slice(0, 5).join(', ')}${foreignSnapshots.length > 5 ? ', …' : ''}); cleaning deletes the migration's data`,
      [`pass --force and confirm with --confirm ${name} (or type the name when asked) if that is what you want`],
    )
  const atRoot = location.kind === 's3' && location.storage.basePath === ''
  return {
    body,
    consent: foreignSnapshots.length > 0 || atRoot ? 'typed-name' : 'yes',
    deleteBucket: request.deleteBucket && location.kind === 's3',
    foreignSnapshots,
    location,
    registered,
    repository: name,
    resync,
    snapshots,
  }
}

export async function locate(
  name: string,
  storage: RegisteredStorage,
  repoPaths: string[] | undefined,
): Promise<CleanLocation> {
  if (storage.kind === 's3')
    return {
      footprint: {extraFiles: ['verify-probe'], hashedShardPaths: true, prefix: repositoryKeyPrefix(storage.basePath)},
      kind: 's3',
      storage,
    }
  if (storage.kind === 'fs') {
    const directory = resolveFsLocation(name, storage.path, repoPaths)
    return {
      directory,
      footprint: {extraFiles: ['verify-probe'], hashedShardPaths: true, prefix: ''},
      kind: 'fs',
      visible: await isVisibleFromConsole(directory),
    }
  }

  throw new UsageError(
    `repository ${name} is of type ${storage.type}: repo clean removes only s3 and fs repositories, whose files it can prove are the repository's`,
    [
      `delete its snapshots with \`console snapshot delete --repository ${name} --snapshot '*'\`, unregister it with DELETE _snapshot/${name}, and remove its files with the ${storage.type} store's own tools`,
    ],
  )
}

/** path.repo of the nodes (the union), read only where an fs repository needs it; undefined when refused. */
export async function pathRepo(cluster: ClusterClient, signal: AbortSignal | undefined): Promise<string[] | undefined> {
  type Body = {
    nodes?: Record<string, {settings?: {path?: {repo?: string | string[]}; 'path.repo'?: string | string[]}}>
  }
  let body: Body | undefined
  try {
    ;({body} = await cluster.send<Body>(
      {
        idempotent: true,
        method: 'GET',
        path: '/_nodes/settings',
        query: {filter_path: String.raw`nodes.*.settings.path.repo,nodes.*.settings.path\.repo`},
      },
      signal,
    ))
  } catch (error) {
    if (error instanceof ClusterRequestError && error.status !== undefined && error.status < 500) return undefined
    throw error
  }

  const entries = new Set<string>()
  for (const node of Object.values(body?.nodes ?? {})) {
    const value = node.settings?.path?.repo ?? node.settings?.['path.repo'] ?? []
    for (const entry of Array.isArray(value) ? value : String(value).split(','))
      if (entry.trim()) entries.add(path.normalize(entry.trim()))
  }

  return [...entries]
}

/**
 * An fs location as the cluster resolves it: relative to the first path.repo entry, and only
 * strictly below one of them. `/`, a path.repo entry itself or anything above one is refused.
 */
export function resolveFsLocation(name: string, location: string, repoPaths: string[] | undefined): string {
  if (!repoPaths)
    throw new UsageError(
      `repository ${name} is an fs repository at "${location}", but the cluster did not tell its path.repo (GET _nodes/settings was refused), so where its files are cannot be proven`,
      ['run the clean as a user allowed to read node settings, or remove the files on the nodes by hand'],
    )
  if (repoPaths.length === 0)
    throw new UsageError(
      `repository ${name}: the nodes have no path.repo, so the fs location "${location}" cannot be a repository the cluster may write`,
    )
  const resolved = path.isAbsolute(location) ? path.normalize(location) : path.resolve(repoPaths[0], location)
  const within = repoPaths.some((root) => resolved.startsWith(`${root.replace(/\/+$/, '')}/`))
  if (resolved === '/' || !within)
    throw new UsageError(
      `repository ${name}: its location "${location}" resolves to ${resolved}, which is not strictly below a path.repo entry (${repoPaths.join(', ')}); refusing to remove it`,
      ['remove the files on the nodes by hand if they are really the repository’s'],
    )
  return resolved
}

/** Another registered repository nested below this one, at the same place, or this one inside another's layout. */
function refuseOverlaps(
  name: string,
  location: CleanLocation,
  registrations: Record<string, RepositoryBody>,
  fallback: Partial<S3Storage> | undefined,
  repoPaths: string[] | undefined,
) {
  const overlapping: string[] = []
  for (const [other, body] of Object.entries(registrations)) {
    if (other === name) continue
    const storage = storageOfRegistration(body, fallback)
    let ours: string
    let theirs: string
    if (location.kind === 's3' && storage.kind === 's3') {
      const sameStore =
        storage.bucket === location.storage.bucket &&
        (storage.endpoint === undefined ||
          location.storage.endpoint === undefined ||
          storage.endpoint === location.storage.endpoint)
      if (!sameStore) continue
      ours = location.footprint.prefix
      theirs = repositoryKeyPrefix(storage.basePath)
    } else if (location.kind === 'fs' && storage.kind === 'fs') {
      let resolved: string
      try {
        resolved = resolveFsLocation(other, storage.path, repoPaths)
      } catch {
        continue
      }

      ours = `${location.directory}/`
      theirs = `${resolved}/`
    } else continue
    if (theirs.startsWith(ours))
      overlapping.push(
        `${other} (${describeStorage(storage)}${theirs === ours ? ', the same location' : ', nested below'})`,
      )
    else if (insideLayoutOf(ours, theirs))
      overlapping.push(`${other} (${describeStorage(storage)}: ${name} lies inside its layout)`)
  }

  if (overlapping.length > 0)
    throw new UsageError(
      `repository ${name} shares its location with other registered repositories: ${overlapping.join('; ')}; cleaning it could delete their files`,
      ['clean or unregister the nested repositories first, then run this clean again'],
    )
}

/**
 * A base path with a leading slash on a store that drops it: the files are not where the cluster names
 * them, and cannot be told apart from those of a repository at the same path without the slash.
 */
async function refuseDroppedLeadingSlash(
  name: string,
  location: Extract<CleanLocation, {kind: 's3'}>,
  dependencies: SurveyDependencies,
) {
  const {bucket, endpoint} = location.storage
  const {prefix} = location.footprint
  if (!(await dropsLeadingSlash(await dependencies.s3(location.storage), bucket, prefix, dependencies.signal))) return
  const stripped = prefix.replace(/^\/+/, '')
  throw new UsageError(
    `repository ${name}: the store${endpoint ? ` at ${endpoint}` : ''} drops the leading slash of its base path "${location.storage.basePath}": it keeps the files under s3://${bucket}/${stripped}, where they cannot be told apart from those of a repository at "${stripped.slice(0, -1)}", and lists nothing under the exact path; refusing to clean it`,
    [
      `unregister it with DELETE _snapshot/${name} (its files stay); to remove them, register a repository at base path "${stripped.slice(0, -1)}" on the same bucket and endpoint (if none is) and clean that one`,
    ],
  )
}

/** The repository's files where the console can read them: its bucket, or its fs location when visible here. */
export async function readableFiles(
  location: CleanLocation,
  s3: (storage: S3Storage) => Promise<S3Client>,
  signal?: AbortSignal,
): Promise<undefined | {basePath: string; store: BlobStore}> {
  if (location.kind === 's3')
    return {
      basePath: location.storage.basePath,
      store: new S3BlobStore(await s3(location.storage), location.storage.bucket, signal),
    }
  return location.visible ? {basePath: '', store: new DirectoryBlobStore(location.directory)} : undefined
}

async function readIndexOf(location: CleanLocation, dependencies: SurveyDependencies) {
  const files = await readableFiles(location, dependencies.s3, dependencies.signal)
  return files && readRepositoryIndex(files.store, files.basePath)
}

/** Where a location's files are, as messages name it. */
export function describeLocation(location: CleanLocation): string {
  return location.kind === 's3' ? `s3://${location.storage.bucket}/${location.footprint.prefix}` : location.directory
}

/** The plan as the lines a person reads before agreeing (and a dry run prints). */
export function renderCleanPlan(plan: CleanPlan, counts?: {bytes: number; kept: number; objects: number}): string[] {
  const where = describeLocation(plan.location)
  const lines: string[] = []
  if (plan.resync) lines.push(`register ${plan.repository} again with the same settings (${plan.resync})`)
  if (plan.snapshots.length > 0)
    lines.push(`delete ${plan.snapshots.length} snapshot(s) through the cluster: ${plan.snapshots.join(', ')}`)
  if (plan.registered) lines.push(`unregister ${plan.repository}`)
  const files =
    plan.location.kind === 's3'
      ? `delete the repository's own objects under ${where} (index-N, index.latest, snap-/meta-*.dat, indices/, tests-*/, snapshot_shard_paths/) and its hashed shard paths <hash>/${plan.location.footprint.prefix}indices/`
      : plan.location.visible
        ? `delete the repository's own files under ${where}`
        : `leave ${where} (not visible from the console: remove it on the nodes)`
  const counted = counts ? `: ${counts.objects} object(s), ${formatBytes(counts.bytes)}` : ''
  lines.push(
    `${files}${counted}`,
    counts
      ? `keep ${counts.kept} other object(s) found there (not part of the repository layout)`
      : 'keep any other object found there (reported, never deleted)',
  )
  if (plan.deleteBucket && plan.location.kind === 's3')
    lines.push(`delete the bucket s3://${plan.location.storage.bucket} (only if it is then empty)`)
  return lines
}

export const formatBytes = (bytes: number) =>
  bytes < 1024 * 1024 ? `${(bytes / 1024).toFixed(1)} KiB` : `${(bytes / 1024 / 1024).toFixed(1)} MiB`
