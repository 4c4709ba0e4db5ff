import type {S3Client} from '@aws-sdk/client-s3'

import type {ClusterClient} from '../cluster/client.js'
import {deleteSnapshot, listRepositories, listSnapshots, type RepositoryBody, unregisterRepository} from '../cluster/snapshots.js'
import {diagnose} from '../diagnose/index.js'
import {UsageError} from '../errors.js'
import type {S3Storage} from '../services/model.js'
import {type StepReport, stepReport} from '../steps/report.js'
import {runSteps, type Step, type StepEvents} from '../steps/runner.js'
import {deleteOwnedFiles} from '../storage/blobs.js'
import {deleteBucket} from '../storage/bucket.js'
import {deleteOwnedObjects, type DeleteOwnedResult, type KeptObject} from '../storage/delete-owned.js'
import {removeVerificationResources} from '../verify/cleanup.js'
import type {Journal, JournalEntry} from '../verify/journal.js'
import {type CleanPlan, formatBytes, renderCleanPlan, surveyRepository} from './clean-plan.js'
import {reRegister} from './registration.js'

/** An accepted `repo clean --repository`, kept until it is all gone so a second run can finish it. */
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
  /** Journal entries to drop without touching anything they name. */
  forget?: string[]
}

export interface CleanDependencies {
  cluster: ClusterClient
  s3: (storage: Pick<S3Storage, 'region' | 'endpoint'>) => Promise<S3Client>
  /** Shows the plan and asks; for typed-name consent the user must type the name (or pass --confirm NAME). */
  confirm: (message: string, typed?: string) => Promise<boolean>
  verifyJournal: Journal<JournalEntry>
  cleanJournal: Journal<CleanEntry>
  signal?: AbortSignal
  onProgress?: (message: string) => void
}

export interface CleanReport extends StepReport {
  command: 'repo clean'
  repository?: string
  /** What the run planned to do (and, with --dry-run, would do). */
  plan: string[]
  /** Objects found at the location that the repository does not own: kept, never deleted. */
  kept: KeptObject[]
}

interface CleanContext extends CleanRequest, CleanDependencies {
  plan?: CleanPlan
  planLines: string[]
  kept: KeptObject[]
  leftovers: string[]
}

const cleanRunId = (repository: string) => `clean_${repository}`

const plannedPlan = (context: CleanContext) => context.plan!

const REPOSITORY_STEPS: Step<CleanContext>[] = [
  {
    name: 'plan',
    title: 'Plan',
    async run(context) {
      const name = context.repository!
      const pending = (await context.cleanJournal.entries()).find((entry) => entry.repository === name)
      const plan = await surveyRepository(
        {repository: name, force: context.force, deleteBucket: context.deleteBucket, s3Fallback: context.s3Fallback, pendingBody: pending?.body},
        {cluster: context.cluster, s3: context.s3, signal: context.signal},
      )
      context.plan = plan
      const counts = context.dryRun ? await removeOwnedFiles(context, plan, true) : undefined
      if (counts) context.kept = counts.keptSample
      context.planLines = renderCleanPlan(plan, counts)
      const summary = `${name} (${plan.body.type})${plan.registered ? '' : ', already unregistered by an accepted clean that stopped, finishing it'}: ${context.planLines.join('; ')}`
      if (context.dryRun) return `dry run, nothing changed: would ${summary}`
      const question = `Clean repository ${name}? This will:\n${context.planLines.map((line) => `  - ${line}`).join('\n')}\n`
      if (!(await context.confirm(question, plan.consent === 'typed-name' ? name : undefined))) throw new UsageError('not confirmed: nothing was deleted')
      // Recorded only once accepted, so a refusal or a "no" leaves no trace.
      if (!pending) await context.cleanJournal.record({runId: cleanRunId(name), repository: name, body: plan.body, startedAt: new Date().toISOString()})
      return summary
    },
  },
  {
    name: 'resync',
    title: 'Registered again',
    skipReason: (context) => (context.dryRun ? 'dry run' : context.plan?.resync ? undefined : 'the cluster agrees with its files'),
    async run(context) {
      await reRegister(context.cluster, {repository: context.repository!, body: plannedPlan(context).body, storage: {kind: 'other', type: plannedPlan(context).body.type}}, context.signal)
      return `${context.repository} registered again; the cluster re-read its files`
    },
  },
  {
    name: 'snapshots',
    title: 'Snapshots deleted through the cluster',
    skipReason: (context) => (context.dryRun ? 'dry run' : !context.plan?.registered ? 'the registration is already gone' : undefined),
    async run(context) {
      const plan = plannedPlan(context)
      const names = (await listSnapshots(context.cluster, plan.repository, '_all', context.signal)).map((snapshot) => snapshot.snapshot)
      const unplanned = names.filter((name) => !plan.snapshots.includes(name))
      if (unplanned.length > 0)
        throw new UsageError(`repository ${plan.repository} now holds snapshot(s) that were not in the accepted plan (${unplanned.join(', ')}); nothing more was deleted`, [
          'run the clean again to see and accept the new plan',
        ])
      for (const name of names) {
        context.onProgress?.(`deleting snapshot ${name}`)
        await deleteSnapshot(context.cluster, plan.repository, name, context.signal)
      }
      return names.length ? `deleted ${names.length}: ${names.join(', ')}` : 'it held none'
    },
  },
  {
    name: 'registration',
    title: 'Registration removed',
    skipReason: (context) => (context.dryRun ? 'dry run' : !context.plan?.registered ? 'the registration is already gone' : undefined),
    async run(context) {
      await unregisterRepository(context.cluster, context.repository!, context.signal)
      return `${context.repository} unregistered`
    },
  },
  {
    name: 'objects',
    title: "The repository's own files removed",
    skipReason: (context) => (context.dryRun ? 'dry run' : undefined),
    async run(context) {
      const plan = plannedPlan(context)
      const result = await removeOwnedFiles(context, plan, false)
      if (!result) return {skipped: `${plan.location.kind === 'fs' ? plan.location.directory : ''} is not visible from the console; remove it on the nodes' shared path`}
      context.kept = result.keptSample
      const where = plan.location.kind === 's3' ? `s3://${plan.location.storage.bucket}/${plan.location.footprint.prefix}` : plan.location.directory
      const kept = result.kept ? `; kept ${result.kept} object(s) that are not the repository's (e.g. ${result.keptSample[0].key}: ${result.keptSample[0].reason})` : ''
      return `deleted ${result.objects} object(s), ${formatBytes(result.bytes)}${result.versions ? ` (${result.versions} old versions and delete markers)` : ''} under ${where}${result.listed.length > 1 ? ` and ${result.listed.length - 1} hashed shard path(s)` : ''}${kept}`
    },
  },
  {
    name: 'bucket',
    title: 'Bucket deleted',
    skipReason: (context) => (context.plan?.location.kind !== 's3' ? 'not an S3 repository' : !context.plan.deleteBucket ? 'kept (pass --delete-bucket to delete it)' : context.dryRun ? 'dry run' : undefined),
    async run(context) {
      const location = plannedPlan(context).location
      if (location.kind !== 's3') return {skipped: 'not an S3 repository'}
      await deleteBucket(await context.s3(location.storage), location.storage.bucket, context.signal)
      return `s3://${location.storage.bucket} deleted`
    },
  },
]

/** Deletes (or, in a dry run, counts) what the plan's location holds of the repository; undefined when not visible. */
async function removeOwnedFiles(context: CleanContext, plan: CleanPlan, dryRun: boolean): Promise<DeleteOwnedResult | undefined> {
  const location = plan.location
  if (location.kind === 'fs') return location.visible ? deleteOwnedFiles(location.directory, location.footprint, {dryRun}) : undefined
  const started = Date.now()
  return deleteOwnedObjects(await context.s3(location.storage), location.storage.bucket, location.footprint, {
    dryRun,
    signal: context.signal,
    onProgress: (progress) => {
      const rate = Math.round(progress.objects / Math.max(0.001, (Date.now() - started) / 1000))
      context.onProgress?.(`${dryRun ? 'counted' : 'deleted'} ${progress.objects} object(s), ${formatBytes(progress.bytes)}, ${rate}/s${progress.kept ? `; ${progress.kept} kept (not the repository's)` : ''}`)
    },
  })
}

const JOURNAL_STEPS: Step<CleanContext>[] = [
  {
    name: 'journal',
    title: 'Interrupted verify runs finished',
    async run(context) {
      const entries = await context.verifyJournal.entries()
      if (entries.length === 0) return 'the journal is empty'
      const describe = (entry: JournalEntry) => `${entry.repository}${entry.kept ? ' (kept with --keep)' : ''}`
      // An entry of another cluster cannot be finished from here: it says so and how to drop it.
      const elsewhere = entries.filter((entry) => entry.clusterEndpoint !== context.cluster.endpoint)
      const here = entries.filter((entry) => entry.clusterEndpoint === context.cluster.endpoint)
      const notes = elsewhere.map(
        (entry) => `${entry.repository} was created on ${entry.clusterEndpoint}, not ${context.cluster.endpoint}: run with --endpoint ${entry.clusterEndpoint} to finish it, or \`console repo clean --forget ${entry.runId}\` to drop the entry`,
      )
      if (here.length === 0) return {skipped: notes.join('; ')}
      const plan = here.map((entry) => `${describe(entry)}: its snapshot, its registration and its own files under ${entry.storage.kind === 's3' ? `s3://${entry.storage.bucket}/${entry.storage.prefix}` : entry.storage.location}`)
      context.planLines = plan
      if (context.dryRun) return {skipped: `dry run, nothing changed: would remove ${plan.join('; ')}${notes.length ? `; ${notes.join('; ')}` : ''}`}
      if (!(await context.confirm(`Remove what ${here.length} verify run(s) left?\n${plan.map((line) => `  - ${line}`).join('\n')}\n`))) throw new UsageError('not confirmed: nothing was deleted')
      for (const entry of here) {
        const storage = entry.storage
        const result = await removeVerificationResources(entry, {
          cluster: context.cluster,
          s3: () => context.s3(storage.kind === 's3' ? storage : {region: 'us-east-1'}),
          signal: context.signal,
        })
        context.kept.push(...result.kept)
        if (result.leftovers.length === 0) await context.verifyJournal.forget(entry.runId)
        else context.leftovers.push(...result.leftovers.map((leftover) => `${leftover} (run ${entry.runId}; once removed by hand, drop it with \`console repo clean --forget ${entry.runId}\`)`))
      }
      if (context.leftovers.length) throw new Error(`left behind: ${context.leftovers.join('; ')}`)
      return `finished ${here.length} run(s): ${here.map(describe).join(', ')}${notes.length ? `; ${notes.join('; ')}` : ''}`
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

const FORGET_STEPS: Step<CleanContext>[] = [
  {
    name: 'forget',
    title: 'Journal entries dropped',
    async run(context) {
      const dropped: string[] = []
      const unknown: string[] = []
      for (const runId of context.forget ?? []) {
        if (context.dryRun) {
          const known = [...(await context.verifyJournal.entries()), ...(await context.cleanJournal.entries())].some((entry) => entry.runId === runId)
          ;(known ? dropped : unknown).push(runId)
          continue
        }
        const found = (await context.verifyJournal.forget(runId)) || (await context.cleanJournal.forget(runId))
        ;(found ? dropped : unknown).push(runId)
      }
      if (unknown.length) throw new UsageError(`no journal entry ${unknown.join(', ')}; \`console repo clean --dry-run\` lists the entries`)
      return `${context.dryRun ? 'dry run: would drop' : 'dropped'} ${dropped.join(', ')} (nothing in the cluster or the store was touched)`
    },
  },
]

/** `console repo clean`: a plan read without changing anything, the user's consent, then exactly that plan. */
export async function cleanRepository(request: CleanRequest, dependencies: CleanDependencies, events: StepEvents = {}): Promise<CleanReport> {
  const context: CleanContext = {...request, ...dependencies, planLines: [], kept: [], leftovers: []}
  const steps = request.forget?.length ? FORGET_STEPS : request.repository ? REPOSITORY_STEPS : JOURNAL_STEPS
  const {results, interrupted, failed} = await runSteps(steps, context, {
    diagnosisFor: (error) =>
      diagnose(error, {
        repository: request.repository,
        command: 'repo clean',
        ...(context.plan?.location.kind === 's3' ? {bucket: context.plan.location.storage.bucket, region: context.plan.location.storage.region, basePath: context.plan.location.storage.basePath} : {}),
      }),
    events,
    signal: dependencies.signal,
  })
  if (request.repository && !request.forget?.length && !failed && !interrupted && !request.dryRun) await dependencies.cleanJournal.forget(cleanRunId(request.repository))
  return {...stepReport('repo clean', results, interrupted, context.leftovers), repository: request.repository, plan: context.planLines, kept: context.kept}
}
