import type {DeleteOwnedResult} from '../location/delete-owned.js'

import {deleteSnapshot, listSnapshots, unregisterRepository} from '../cluster/snapshots.js'
import {diagnose} from '../diagnose/index.js'
import {UsageError} from '../errors.js'
import {formatBytes} from '../format.js'
import {planned, runSteps, type Step, type StepEvents} from '../steps/runner.js'
import {type CleanPlan, renderCleanPlan, surveyRepository} from './clean-plan.js'
import {
  asCleanEntry,
  type CleanContext,
  cleanContext,
  type CleanDependencies,
  type CleanReport,
  cleanReport,
  type CleanRequest,
} from './clean-run.js'
import {diagnosisFacts, reRegister} from './registration.js'

const cleanRunId = (repository: string) => `clean_${repository}`

/** The cluster's half of a clean runs only while the repository is still registered (not in a dry run). */
const skipUnlessRegistered = (context: CleanContext) =>
  context.dryRun ? 'dry run' : context.plan?.registered ? undefined : 'the registration is already gone'

const REPOSITORY_STEPS: Step<CleanContext>[] = [
  {
    name: 'plan',
    async run(context) {
      const name = context.repository!
      const found = (await context.cleanJournal.entries()).find((entry) => entry.repository === name)
      const pending = found && asCleanEntry(found)
      const plan = await surveyRepository(
        {
          deleteBucket: context.deleteBucket,
          force: context.force,
          pending,
          repository: name,
          s3Fallback: context.s3Fallback,
        },
        {cluster: context.cluster, locations: context.locations, signal: context.signal},
      )
      context.plan = plan
      const counts = context.dryRun ? await removeOwnedFiles(context, plan, true) : undefined
      if (counts) context.kept = counts.keptSample
      context.planLines = renderCleanPlan(plan, counts)
      const summary = `${name} (${plan.body.type})${plan.registered ? '' : ', already unregistered by an accepted clean that stopped, finishing it'}: ${context.planLines.join('; ')}`
      if (context.dryRun) return `dry run, nothing changed: would ${summary}`
      const question = `Clean repository ${name}? This will:\n${context.planLines.map((line) => `  - ${line}`).join('\n')}\n`
      if (!(await context.confirm(question, plan.consent === 'typed-name' ? name : undefined)))
        throw new UsageError('not confirmed: nothing was deleted')
      // Recorded only once accepted, so a refusal or a "no" leaves no trace.
      if (!pending)
        await context.cleanJournal.record({
          body: plan.body,
          identity: plan.files.record(),
          repository: name,
          runId: cleanRunId(name),
          startedAt: new Date().toISOString(),
        })
      return summary
    },
    title: 'Plan',
  },
  {
    name: 'resync',
    async run(context) {
      await reRegister(context.cluster, planned(context), context.signal)
      return `${context.repository} registered again; the cluster re-read its files`
    },
    skipReason: (context) =>
      context.dryRun ? 'dry run' : context.plan?.resync ? undefined : 'the cluster agrees with its files',
    title: 'Registered again',
  },
  {
    name: 'snapshots',
    async run(context) {
      const plan = planned(context)
      const names = (await listSnapshots(context.cluster, plan.repository, '_all', context.signal)).map(
        (snapshot) => snapshot.snapshot,
      )
      const unplanned = names.filter((name) => !plan.snapshots.includes(name))
      if (unplanned.length > 0)
        throw new UsageError(
          `repository ${plan.repository} now holds snapshot(s) that were not in the accepted plan (${unplanned.join(', ')}); nothing more was deleted`,
          ['run the clean again to see and accept the new plan'],
        )
      for (const name of names) {
        context.onProgress?.(`deleting snapshot ${name}`)
        await deleteSnapshot(context.cluster, plan.repository, name, context.signal)
      }

      return names.length > 0 ? `deleted ${names.length}: ${names.join(', ')}` : 'it held none'
    },
    skipReason: skipUnlessRegistered,
    title: 'Snapshots deleted through the cluster',
  },
  {
    name: 'registration',
    async run(context) {
      await unregisterRepository(context.cluster, context.repository!, context.signal)
      return `${context.repository} unregistered`
    },
    skipReason: skipUnlessRegistered,
    title: 'Registration removed',
  },
  {
    name: 'objects',
    async run(context) {
      const plan = planned(context)
      const result = await removeOwnedFiles(context, plan, false)
      if (!result)
        return {
          skipped: `${plan.files.describe()} is not visible from the console; remove it on the nodes' shared path`,
        }
      context.kept = result.keptSample
      const where = plan.files.describe()
      const kept = result.kept
        ? `; kept ${result.kept} object(s) that are not the repository's (e.g. ${result.keptSample[0].key}: ${result.keptSample[0].reason})`
        : ''
      const throttled = result.throttled
        ? `; the store throttled ${result.throttled} request(s) (503 SlowDown): each was sent again, fewer batches at a time`
        : ''
      return `deleted ${result.objects} object(s), ${formatBytes(result.bytes)}${result.versions ? ` (${result.versions} old versions and delete markers)` : ''} under ${where}${result.listed.length > 1 ? ` and ${result.listed.length - 1} hashed shard path(s)` : ''}${kept}${throttled}`
    },
    skipReason: (context) => (context.dryRun ? 'dry run' : undefined),
    title: "The repository's own files removed",
  },
  {
    name: 'bucket',
    async run(context) {
      const {bucket} = planned(context).files
      if (!bucket) return {skipped: 'not an S3 repository'}
      await bucket.delete(context.signal)
      return `s3://${bucket.name} deleted`
    },
    skipReason: (context) =>
      context.plan?.files.bucket
        ? context.plan.deleteBucket
          ? context.dryRun
            ? 'dry run'
            : undefined
          : 'kept (pass --delete-bucket to delete it)'
        : 'not an S3 repository',
    title: 'Bucket deleted',
  },
]

/** Deletes (or, in a dry run, counts) what the plan's location holds of the repository; undefined when not visible. */
async function removeOwnedFiles(
  context: CleanContext,
  plan: CleanPlan,
  dryRun: boolean,
): Promise<DeleteOwnedResult | undefined> {
  const started = Date.now()
  return plan.files.removeOwned({
    dryRun,
    onProgress(progress) {
      const rate = Math.round(progress.objects / Math.max(0.001, (Date.now() - started) / 1000))
      context.onProgress?.(
        `${dryRun ? 'counted' : 'deleted'} ${progress.objects} object(s), ${formatBytes(progress.bytes)}, ${rate}/s${progress.kept ? `; ${progress.kept} kept (not the repository's)` : ''}`,
      )
    },
    others: plan.others,
    signal: context.signal,
  })
}

/** `console repo clean`: a plan read without changing anything, the user's consent, then exactly that plan. */
export async function cleanRepository(
  request: CleanRequest,
  dependencies: CleanDependencies,
  events: StepEvents = {},
): Promise<CleanReport> {
  const context = cleanContext(request, dependencies)
  const {failed, interrupted, results} = await runSteps(REPOSITORY_STEPS, context, {
    diagnosisFor: (error) =>
      diagnose(error, {
        command: 'repo clean',
        repository: request.repository,
        ...diagnosisFacts(context.plan?.files),
      }),
    events,
    signal: dependencies.signal,
  })
  if (request.repository && !failed && !interrupted && !request.dryRun)
    await dependencies.cleanJournal.forget(cleanRunId(request.repository))
  return cleanReport(context, results, interrupted)
}
