import {deleteSnapshot, isRepositoryMissing, listSnapshots} from '../cluster/snapshots.js'
import {CheckFailure, diagnose} from '../diagnose/index.js'
import {UsageError} from '../errors.js'
import {type StepReport, stepReport} from '../steps/report.js'
import {planned, runSteps, type Step, type StepEvents} from '../steps/runner.js'
import {checkBucketAfterDeletion} from './bucket-check.js'
import {
  type DeleteContext,
  type DeleteDependencies,
  type DeletePlan,
  type DeleteRequest,
  filesOf,
  generationCheck,
  matchingSnapshots,
  renderDeletePlan,
} from './delete-plan.js'
import {diagnosisFacts, readRegistration, type Registration, reRegister} from './registration.js'
import {refuseServiceOwnedRepository} from './service-owned.js'

export type {DeleteDependencies, DeleteRequest} from './delete-plan.js'

export interface DeleteReport extends StepReport {
  alreadyGone: string[]
  command: 'snapshot delete'
  deleted: string[]
  /** What the run planned to do (and, with --dry-run, would do). */
  plan: string[]
  repository: string
}

async function waitUntilGone(context: DeleteContext, name: string): Promise<void> {
  const deadline = Date.now() + (context.waitTimeoutMs ?? 120_000)
  for (;;) {
    if ((await listSnapshots(context.cluster, context.repository, name, context.signal)).length === 0) return
    if (Date.now() > deadline)
      throw new CheckFailure(
        'snapshot-still-listed',
        `the cluster still lists ${name} ${Math.round((context.waitTimeoutMs ?? 120_000) / 1000)} s after its deletion`,
      )
    context.onProgress?.(`waiting for the cluster to stop listing ${name}`)
    await new Promise((resolve) => setTimeout(resolve, context.pollIntervalMs ?? 500))
  }
}

export const DELETE_STEPS: Step<DeleteContext>[] = [
  {
    name: 'plan',
    async run(context) {
      refuseServiceOwnedRepository(context.repository)
      let registration: Registration
      try {
        registration = await readRegistration(
          context.cluster,
          context.repository,
          (body) => context.locations.ofRegistration(body, context.s3Fallback),
          context.signal,
        )
      } catch (error) {
        if (!isRepositoryMissing(error)) throw error
        // As the console counts it (any 404 is "deleted"): a repository that is gone holds no snapshot, so a
        // cleanup script can run twice. Nothing is sent.
        context.alreadyGone.push(...context.snapshots)
        context.planLines = [
          `already gone: ${context.snapshots.join(', ')} (repository ${context.repository} is not registered on the cluster; if you meant another one, GET _snapshot lists them)`,
        ]
        return `${context.dryRun ? 'dry run, nothing changed: ' : ''}${context.planLines[0]}`
      }

      const check = await generationCheck(context, registration)
      context.located = await filesOf(context, registration)
      const fromFiles = check.outcome === 'out-of-sync'
      const {absent, found, outOfSync} = await matchingSnapshots(context, registration, fromFiles)
      let resync: string | undefined
      if (check.outcome === 'out-of-sync')
        resync = `the cluster expects index-${check.clusterGeneration} but ${registration.location.describe()} holds ${check.filesGeneration < 0 ? 'no index-N' : `index-${check.filesGeneration}`}: files were changed outside the cluster`
      else if (outOfSync) resync = 'the cluster says its files changed outside it'
      const plan: DeletePlan = {absent, generationCheck: check, registration, resync, snapshots: found}
      context.plan = plan
      context.alreadyGone.push(...absent)
      context.planLines = renderDeletePlan(context, plan)
      const where = `${context.repository} (${registration.location.describe()})`
      if (context.dryRun) return `dry run, nothing changed: in ${where} would ${context.planLines.join('; ')}`
      if (found.length > 0 || resync) {
        const question = `In ${where} this will:\n${context.planLines.map((line) => `  - ${line}`).join('\n')}\nGo ahead?`
        if (!(await context.confirm(question))) throw new UsageError('not confirmed: nothing was deleted')
      }

      return `${where}: ${context.planLines.join('; ')}`
    },
    title: 'Plan',
  },
  {
    name: 'resync',
    async run(context) {
      await reRegister(context.cluster, planned(context).registration, context.signal)
      return `${context.repository} registered again; the cluster re-read its files`
    },
    skipReason: (context) =>
      context.dryRun
        ? 'dry run'
        : context.plan?.resync
          ? undefined
          : context.plan
            ? 'the cluster agrees with its files'
            : 'the repository is not registered',
    title: 'Registered again',
  },
  {
    name: 'delete',
    async run(context) {
      for (const {snapshot: name} of planned(context).snapshots) {
        // Only the exact names of the accepted plan are sent, never a pattern.
        const outcome = await deleteSnapshot(context.cluster, context.repository, name, context.signal)
        if (outcome === 'absent') context.alreadyGone.push(name)
        else {
          await waitUntilGone(context, name)
          context.deleted.push(name)
        }
      }

      const gone = context.alreadyGone.length > 0 ? `; already gone: ${context.alreadyGone.join(', ')}` : ''
      return `deleted ${context.deleted.join(', ') || 'nothing'}${context.deleted.length > 0 ? `; the cluster no longer lists ${context.deleted.length === 1 ? 'it' : 'them'}` : ''}${gone}`
    },
    skipReason: (context) =>
      context.dryRun
        ? 'dry run: nothing deleted'
        : (context.plan?.snapshots.length ?? 0) === 0
          ? 'nothing to delete'
          : undefined,
    title: 'Deleted through the cluster',
  },
  {
    name: 'bucket',
    async run(context) {
      const files = await filesOf(context, planned(context).registration)
      const reader = await files?.reader()
      if (!files || !reader) return {skipped: 'the files cannot be read from the console'}
      const check = await checkBucketAfterDeletion(reader.store, reader.basePath, context.deleted)
      if (check.stillListed.length > 0)
        throw new CheckFailure(
          'snapshot-still-in-bucket',
          `index-${check.generation} in ${files.describe()} still lists ${check.stillListed.join(', ')}`,
        )
      const orphanNote =
        check.orphans.length > 0
          ? `; ${check.orphans.length} file(s) no index names remain (${check.orphans.slice(0, 3).join(', ')}${check.orphans.length > 3 ? ', …' : ''}): \`console repo clean --repository ${context.repository}\` removes them`
          : ''
      return `index-${check.generation ?? '?'} no longer lists ${context.deleted.join(', ')}${orphanNote}`
    },
    skipReason: (context) =>
      context.plan === undefined
        ? 'the repository is not registered'
        : context.located?.bucket
          ? context.dryRun
            ? 'dry run'
            : context.deleted.length === 0
              ? 'nothing was deleted'
              : undefined
          : 'not an S3 repository',
    title: 'Gone from the bucket too',
  },
]

/** `console snapshot delete`: a plan, the user's consent, then only through the cluster, and a look in the bucket to confirm. */
export async function deleteSnapshotsThroughCluster(
  request: DeleteRequest,
  dependencies: DeleteDependencies,
  events: StepEvents = {},
): Promise<DeleteReport> {
  const context: DeleteContext = {...request, ...dependencies, alreadyGone: [], deleted: [], planLines: []}
  const {interrupted, results} = await runSteps(DELETE_STEPS, context, {
    diagnosisFor(error) {
      return diagnose(error, {
        command: 'snapshot delete',
        repository: request.repository,
        snapshot: request.snapshots[0],
        ...diagnosisFacts(context.located),
      })
    },
    events,
    signal: dependencies.signal,
  })
  return {
    ...stepReport('snapshot delete', results, interrupted),
    alreadyGone: context.alreadyGone,
    deleted: context.deleted,
    plan: context.planLines,
    repository: request.repository,
  }
}
