import type {S3Client} from '@aws-sdk/client-s3'

import type {ClusterClient} from '../cluster/client.js'
import {deleteSnapshot, listRepositories, listSnapshots, type RepositoryBody, type SnapshotInfo, unregisterRepository} from '../cluster/snapshots.js'
import {diagnose} from '../diagnose/index.js'
import {UsageError} from '../errors.js'
import type {S3Storage} from '../services/model.js'
import {type StepReport, stepReport} from '../steps/report.js'
import {runSteps, type Step, type StepEvents} from '../steps/runner.js'
import {isVisibleFromConsole, removeDirectory} from '../storage/blobs.js'
import {deleteBucket} from '../storage/bucket.js'
import {emptyPrefix} from '../storage/empty-prefix.js'
import {repositoryPrefix} from '../storage/layout.js'
import {removeVerificationResources} from '../verify/cleanup.js'
import type {Journal, JournalEntry} from '../verify/journal.js'
import {readRegistration, type Registration, storageOfRegistration, withResync} from './registration.js'

/** What `repo clean --repository` is about to remove, kept until it is all gone so a second run can finish. */
export interface CleanEntry {
  runId: string
  repository: string
  body: RepositoryBody
  startedAt: string
}

export interface CleanRequest {
  /** Undefined: finish what interrupted verify runs left (the journal). */
  repository?: string
  force: boolean
  dryRun: boolean
  deleteBucket: boolean
  s3Fallback?: Partial<S3Storage>
}

export interface CleanDependencies {
  cluster: ClusterClient
  s3: (storage: Pick<S3Storage, 'region' | 'endpoint'>) => Promise<S3Client>
  /** Yes/no, or, when typed is given, the user must type it back. */
  confirm: (message: string, typed?: string) => Promise<boolean>
  verifyJournal: Journal<JournalEntry>
  cleanJournal: Journal<CleanEntry>
  signal?: AbortSignal
  onProgress?: (message: string) => void
}

export interface CleanReport extends StepReport {
  command: 'repo clean'
  repository?: string
}

interface CleanContext extends CleanRequest, CleanDependencies {
  registration?: Registration
  registered: boolean
  snapshots: SnapshotInfo[]
}

const VERIFY_SNAPSHOT = /^verify_snapshot_/
const formatBytes = (bytes: number) => (bytes < 1024 * 1024 ? `${(bytes / 1024).toFixed(1)} KiB` : `${(bytes / 1024 / 1024).toFixed(1)} MiB`)

/** Every snapshot of the repository; if its files changed behind the cluster, registered again first (never in a dry run). */
async function listAllSnapshots(context: CleanContext): Promise<SnapshotInfo[]> {
  const list = () => listSnapshots(context.cluster, context.repository!, '_all', context.signal)
  return context.dryRun ? list() : withResync(context.cluster, context.registration!, list, () => {}, context.signal)
}

const REPOSITORY_STEPS: Step<CleanContext>[] = [
  {
    name: 'repository',
    title: 'Repository found',
    async run(context) {
      const name = context.repository!
      const registered = await listRepositories(context.cluster, context.signal)
      const pending = (await context.cleanJournal.entries()).find((entry) => entry.repository === name)
      if (registered[name]) {
        context.registered = true
        context.registration = {repository: name, body: registered[name], storage: storageOfRegistration(registered[name], context.s3Fallback)}
      } else if (pending) {
        context.registration = {repository: name, body: pending.body, storage: storageOfRegistration(pending.body, context.s3Fallback)}
      } else {
        // Let the cluster say it in its own words (repository_missing_exception).
        await readRegistration(context.cluster, name, context.s3Fallback, context.signal)
      }
      const storage = context.registration!.storage
      if (storage.kind === 's3' && !storage.basePath && !context.force)
        throw new UsageError(`repository ${name} sits at the root of s3://${storage.bucket}: cleaning it would empty the whole bucket`, ['pass --force if that is what you want'])
      if (!context.dryRun && !pending)
        await context.cleanJournal.record({runId: `clean_${name}`, repository: name, body: context.registration!.body, startedAt: new Date().toISOString()})
      const where = storage.kind === 's3' ? `s3://${storage.bucket}/${storage.basePath}` : storage.path
      return `${name} (${storage.kind}) at ${where}${context.registered ? '' : '; already unregistered by an earlier run, finishing it'}`
    },
  },
  {
    name: 'snapshots',
    title: 'Snapshots deleted through the cluster',
    skipReason: (context) => (context.registered ? undefined : 'the registration is already gone'),
    async run(context) {
      context.snapshots = await listAllSnapshots(context)
      const foreign = context.snapshots.filter((snapshot) => !VERIFY_SNAPSHOT.test(snapshot.snapshot)).map((snapshot) => snapshot.snapshot)
      if (foreign.length > 0 && !context.force)
        throw new UsageError(`repository ${context.repository} holds ${foreign.length} snapshot(s) that verify did not make (${foreign.slice(0, 5).join(', ')}${foreign.length > 5 ? ', …' : ''}); cleaning deletes the migration's data`, [
          'pass --force (and confirm by typing the repository name) if that is what you want',
        ])
      if (context.dryRun) return {skipped: `dry run: would delete ${context.snapshots.length} snapshot(s)${context.snapshots.length ? `: ${context.snapshots.map((snapshot) => snapshot.snapshot).join(', ')}` : ''}`}
      const names = context.snapshots.map((snapshot) => snapshot.snapshot)
      const question = `Remove repository ${context.repository}${names.length ? ` and its ${names.length} snapshot(s)` : ''} and every object under its path?`
      if (!(await context.confirm(question, foreign.length > 0 ? context.repository : undefined)))
        throw new UsageError('not confirmed: nothing was deleted')
      for (const name of names) {
        context.onProgress?.(`deleting snapshot ${name}`)
        await deleteSnapshot(context.cluster, context.repository!, name, context.signal)
      }
      return names.length ? `deleted ${names.length}: ${names.join(', ')}` : 'it held none'
    },
  },
  {
    name: 'registration',
    title: 'Registration removed',
    skipReason: (context) => (context.dryRun ? 'dry run' : context.registered ? undefined : 'the registration is already gone'),
    async run(context) {
      await unregisterRepository(context.cluster, context.repository!, context.signal)
      return `${context.repository} unregistered`
    },
  },
  {
    name: 'objects',
    title: "Objects under the repository's path removed",
    async run(context) {
      const storage = context.registration!.storage
      if (storage.kind === 'fs') {
        const notVisible = {skipped: `${storage.path} is not visible from the console; remove it on the nodes' shared path`}
        if (context.dryRun) return (await isVisibleFromConsole(storage.path)) ? {skipped: `dry run: would remove ${storage.path}`} : notVisible
        return (await removeDirectory(storage.path)) === undefined ? notVisible : `removed ${storage.path}`
      }
      const s3 = await context.s3(storage)
      const prefix = repositoryPrefix(storage.basePath)
      const result = await emptyPrefix(s3, storage.bucket, prefix, {
        dryRun: context.dryRun,
        includeHashedShardPaths: true,
        signal: context.signal,
        onProgress: (progress) => context.onProgress?.(`${context.dryRun ? 'counted' : 'deleted'} ${progress.objects} object(s)`),
      })
      const what = `${result.objects} object(s), ${formatBytes(result.bytes)}${result.versions ? ` (${result.versions} old versions and delete markers)` : ''} under s3://${storage.bucket}/${prefix}`
      return context.dryRun ? {skipped: `dry run: would delete ${what}`} : `deleted ${what}`
    },
  },
  {
    name: 'bucket',
    title: 'Bucket deleted',
    skipReason: (context) =>
      context.registration?.storage.kind !== 's3' ? 'not an S3 repository' : !context.deleteBucket ? 'kept (pass --delete-bucket to delete it)' : context.dryRun ? 'dry run' : undefined,
    async run(context) {
      const storage = context.registration!.storage as S3Storage
      await deleteBucket(await context.s3(storage), storage.bucket)
      return `s3://${storage.bucket} deleted`
    },
  },
]

const JOURNAL_STEPS: Step<CleanContext>[] = [
  {
    name: 'journal',
    title: 'Interrupted verify runs finished',
    async run(context) {
      const entries = await context.verifyJournal.entries()
      if (entries.length === 0) return 'the journal is empty'
      const describe = (entry: JournalEntry) => `${entry.repository}${entry.kept ? ' (kept with --keep)' : ''}`
      if (context.dryRun) return {skipped: `dry run: would finish ${entries.length} run(s): ${entries.map(describe).join(', ')}`}
      if (!(await context.confirm(`Remove what ${entries.length} verify run(s) left: ${entries.map(describe).join(', ')}?`)))
        throw new UsageError('not confirmed: nothing was deleted')
      const leftovers: string[] = []
      for (const entry of entries) {
        const storage = entry.storage
        const result = await removeVerificationResources(entry, {
          cluster: context.cluster,
          s3: () => context.s3(storage.kind === 's3' ? storage : {region: 'us-east-1'}),
        })
        if (result.leftovers.length === 0) await context.verifyJournal.forget(entry.runId)
        leftovers.push(...result.leftovers)
      }
      if (leftovers.length) throw new Error(`left behind: ${leftovers.join('; ')}`)
      return `finished ${entries.length} run(s): ${entries.map(describe).join(', ')}`
    },
  },
  {
    name: 'test-repositories',
    title: 'Other verify_ test repositories',
    async run(context) {
      const names = Object.keys(await listRepositories(context.cluster, context.signal)).filter((name) => name.startsWith('verify_'))
      return names.length ? `still registered (clean each with --repository NAME): ${names.join(', ')}` : 'none registered'
    },
  },
]

/** `console repo clean`: snapshots through the cluster, then the registration, then the objects, then (if asked) the bucket. */
export async function cleanRepository(request: CleanRequest, dependencies: CleanDependencies, events: StepEvents = {}): Promise<CleanReport> {
  const context: CleanContext = {...request, ...dependencies, registered: false, snapshots: []}
  const {results, interrupted, failed} = await runSteps(request.repository ? REPOSITORY_STEPS : JOURNAL_STEPS, context, {
    diagnosisFor: (error) => diagnose(error, {repository: request.repository}),
    events,
    signal: dependencies.signal,
  })
  if (request.repository && !failed && !interrupted && !request.dryRun) await dependencies.cleanJournal.forget(`clean_${request.repository}`)
  return {...stepReport('repo clean', results, interrupted), repository: request.repository}
}
