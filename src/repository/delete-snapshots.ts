import type {S3Client} from '@aws-sdk/client-s3'

import type {ClusterClient} from '../cluster/client.js'
import {deleteSnapshot, listSnapshots, type SnapshotInfo} from '../cluster/snapshots.js'
import {CheckFailure, diagnose} from '../diagnose/index.js'
import type {S3Storage} from '../services/model.js'
import {type StepReport, stepReport} from '../steps/report.js'
import {runSteps, type Step, type StepEvents} from '../steps/runner.js'
import {S3BlobStore} from '../storage/blobs.js'
import {readRepositoryIndex} from '../storage/layout.js'
import {checkBucketAfterDeletion} from './bucket-check.js'
import {compareWithFiles, readRegistration, reRegister, type Registration, withResync} from './registration.js'

export interface DeleteRequest {
  repository: string
  /** Names or patterns (`rfs-*`) as the cluster accepts them. */
  snapshots: string[]
  dryRun: boolean
  /** Region and endpoint for the bucket when the registration does not name them. */
  s3Fallback?: Partial<S3Storage>
}

export interface DeleteDependencies {
  cluster: ClusterClient
  s3: (storage: S3Storage) => Promise<S3Client>
  /** Asked once, with what will be deleted; false stops before anything is deleted. */
  confirm: (message: string) => Promise<boolean>
  signal?: AbortSignal
  /** How long to wait for the cluster to stop listing a deleted snapshot. */
  waitTimeoutMs?: number
  pollIntervalMs?: number
  onProgress?: (message: string) => void
}

export interface DeleteReport extends StepReport {
  command: 'snapshot delete'
  repository: string
  deleted: string[]
  alreadyGone: string[]
}

interface DeleteContext extends DeleteRequest, DeleteDependencies {
  registration?: Registration
  found: SnapshotInfo[]
  alreadyGone: string[]
  deleted: string[]
  resynced: boolean
}

const resyncNote = (context: DeleteContext) =>
  context.resynced ? ' (registered again: its files had changed outside the cluster, so the cluster re-read their real state)' : ''

const getSnapshots = (context: DeleteContext, pattern: string) => listSnapshots(context.cluster, context.repository, pattern, context.signal)

/** For S3: a description of the mismatch when the cluster's generation is not the newest index-N in the bucket. */
async function filesChangedOutsideCluster(context: DeleteContext): Promise<string | undefined> {
  const storage = context.registration!.storage
  if (storage.kind !== 's3') return undefined
  const store = new S3BlobStore(await context.s3(storage), storage.bucket)
  const comparison = await compareWithFiles(context.cluster, context.registration!, async () => (await readRepositoryIndex(store, storage.basePath))?.generation, context.signal)
  if (comparison.inSync) return undefined
  return `the cluster expects index-${comparison.clusterGeneration} but s3://${storage.bucket}/${storage.basePath} holds ${comparison.filesGeneration < 0 ? 'no index-N' : `index-${comparison.filesGeneration}`}: files were changed outside the cluster`
}

async function waitUntilGone(context: DeleteContext, name: string): Promise<void> {
  const deadline = Date.now() + (context.waitTimeoutMs ?? 120_000)
  for (;;) {
    if ((await getSnapshots(context, name)).length === 0) return
    if (Date.now() > deadline)
      throw new CheckFailure('snapshot-still-listed', `the cluster still lists ${name} ${Math.round((context.waitTimeoutMs ?? 120_000) / 1000)} s after its deletion`)
    context.onProgress?.(`waiting for the cluster to stop listing ${name}`)
    await new Promise((resolve) => setTimeout(resolve, context.pollIntervalMs ?? 500))
  }
}

export const DELETE_STEPS: Step<DeleteContext>[] = [
  {
    name: 'repository',
    title: 'Repository registered',
    async run(context) {
      context.registration = await readRegistration(context.cluster, context.repository, context.s3Fallback, context.signal)
      const storage = context.registration.storage
      return `${context.repository} (${storage.kind === 's3' ? `s3://${storage.bucket}/${storage.basePath}` : storage.path})`
    },
  },
  {
    name: 'snapshots',
    title: 'Snapshots to delete',
    async run(context) {
      const resync = () => (context.resynced = true)
      const outOfSync = await filesChangedOutsideCluster(context)
      if (outOfSync) {
        if (context.dryRun) return `${outOfSync}; a real run registers ${context.repository} again first, so the cluster re-reads its files`
        resync()
        await reRegister(context.cluster, context.registration!, context.signal)
      }
      for (const pattern of context.snapshots) {
        const found = await withResync(context.cluster, context.registration!, () => getSnapshots(context, pattern), resync, context.signal)
        if (found.length === 0) context.alreadyGone.push(pattern)
        for (const snapshot of found) if (!context.found.some((known) => known.snapshot === snapshot.snapshot)) context.found.push(snapshot)
      }
      const running = context.found.filter((snapshot) => snapshot.state === 'IN_PROGRESS')
      const parts = [
        context.found.length ? `${context.found.length} to delete: ${context.found.map((snapshot) => snapshot.snapshot).join(', ')}` : 'none to delete',
        context.alreadyGone.length ? `already gone: ${context.alreadyGone.join(', ')}` : '',
        running.length ? `still running (deleting aborts it): ${running.map((snapshot) => snapshot.snapshot).join(', ')}` : '',
      ]
      return parts.filter(Boolean).join('; ') + resyncNote(context)
    },
  },
  {
    name: 'delete',
    title: 'Deleted through the cluster',
    skipReason: (context) => (context.dryRun ? 'dry run: nothing deleted' : context.found.length === 0 ? 'nothing to delete' : undefined),
    async run(context) {
      const names = context.found.map((snapshot) => snapshot.snapshot)
      const running = context.found.filter((snapshot) => snapshot.state === 'IN_PROGRESS').map((snapshot) => snapshot.snapshot)
      const question = `Delete ${names.length} snapshot(s) from ${context.repository}: ${names.join(', ')}?${running.length ? ` ${running.join(', ')} is still running: deleting aborts it.` : ''}`
      if (!(await context.confirm(question))) throw new CheckFailure('not-confirmed', 'not confirmed: nothing was deleted')
      for (const name of names) {
        const outcome = await withResync(context.cluster, context.registration!, () => deleteSnapshot(context.cluster, context.repository, name, context.signal), () => (context.resynced = true), context.signal)
        if (outcome === 'absent') context.alreadyGone.push(name)
        else {
          await waitUntilGone(context, name)
          context.deleted.push(name)
        }
      }
      return `deleted ${context.deleted.join(', ') || 'nothing'}; the cluster no longer lists ${context.deleted.length === 1 ? 'it' : 'them'}${resyncNote(context)}`
    },
  },
  {
    name: 'bucket',
    title: 'Gone from the bucket too',
    skipReason: (context) =>
      context.registration?.storage.kind !== 's3' ? 'not an S3 repository' : context.dryRun ? 'dry run' : context.deleted.length === 0 ? 'nothing was deleted' : undefined,
    async run(context) {
      const storage = context.registration!.storage as S3Storage
      const store = new S3BlobStore(await context.s3(storage), storage.bucket)
      const check = await checkBucketAfterDeletion(store, storage.basePath, context.deleted)
      if (check.stillListed.length > 0)
        throw new CheckFailure('snapshot-still-in-bucket', `index-${check.generation} in s3://${storage.bucket}/${storage.basePath} still lists ${check.stillListed.join(', ')}`)
      const orphanNote = check.orphans.length
        ? `; ${check.orphans.length} file(s) no index names remain (${check.orphans.slice(0, 3).join(', ')}${check.orphans.length > 3 ? ', …' : ''}): \`console repo clean --repository ${context.repository}\` removes them`
        : ''
      return `index-${check.generation ?? '?'} no longer lists ${context.deleted.join(', ')}${orphanNote}`
    },
  },
]

/** `console snapshot delete`: only through the cluster, then a look in the bucket to confirm. */
export async function deleteSnapshotsThroughCluster(request: DeleteRequest, dependencies: DeleteDependencies, events: StepEvents = {}): Promise<DeleteReport> {
  const context: DeleteContext = {...request, ...dependencies, found: [], alreadyGone: [], deleted: [], resynced: false}
  const {results, interrupted} = await runSteps(DELETE_STEPS, context, {
    diagnosisFor: (error) => diagnose(error, {repository: request.repository, snapshot: request.snapshots[0]}),
    events,
    signal: dependencies.signal,
  })
  return {...stepReport('snapshot delete', results, interrupted), repository: request.repository, deleted: context.deleted, alreadyGone: context.alreadyGone}
}
