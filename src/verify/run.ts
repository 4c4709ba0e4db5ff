import {type DiagnosisContext, diagnose} from '../diagnose/index.js'
import {repositoryKeyPrefix} from '../repository/ownership.js'
import {removeVerificationResources} from './cleanup.js'
import {type VerifyContext, type VerifyDependencies, type VerifyRequest, testLocationFor} from './context.js'
import {type StepReport, stepReport, type StepResult} from '../steps/report.js'
import {runSteps, skippedStep, type StepEvents} from '../steps/runner.js'
import {VERIFY_STEPS} from './steps.js'

export interface VerifyReport extends StepReport {
  command: 'snapshot verify'
  cluster: {endpoint: string; distribution?: string; version?: string}
  repository: {name: string; type: 's3' | 'fs'; location: string}
  snapshot: string
}

export type VerifyEvents = StepEvents

export const CLEANUP_STEP = {name: 'cleanup', title: 'Test resources removed'}

function diagnosisContext(request: VerifyRequest, endpoint: string): DiagnosisContext {
  const storage = request.storage
  return {
    repository: request.repository,
    snapshot: request.snapshot,
    clusterEndpoint: endpoint,
    ...(storage.kind === 's3' ? {bucket: storage.bucket, basePath: storage.basePath, region: storage.region, roleArn: storage.roleArn} : {}),
  }
}

/**
 * Runs the verification steps in order; after the first failure the rest are skipped.
 * Cleanup always runs (unless --keep), also after a failure or an interrupt.
 */
export async function runVerification(request: VerifyRequest, dependencies: VerifyDependencies, events: VerifyEvents = {}): Promise<VerifyReport> {
  const testLocation = testLocationFor(request.storage, request.repository)
  const storage = request.storage
  const context: VerifyContext = {
    ...request,
    ...dependencies,
    testLocation,
    journalEntry: {
      runId: request.runId,
      startedAt: new Date().toISOString(),
      clusterEndpoint: dependencies.cluster.endpoint,
      repository: request.repository,
      snapshot: request.snapshot,
      storage:
        storage.kind === 's3'
          ? {kind: 's3', bucket: storage.bucket, region: storage.region, endpoint: storage.endpoint, prefix: repositoryKeyPrefix(testLocation)}
          : {kind: 'fs', location: testLocation},
    },
  }
  const {results: steps, interrupted} = await runSteps(VERIFY_STEPS, context, {
    diagnosisFor: (error) => diagnose(error, diagnosisContext(request, dependencies.cluster.endpoint)),
    events,
    signal: dependencies.signal,
  })

  const cleanup = await cleanUp(context, events, interrupted)
  steps.push(cleanup.result)
  return {
    ...stepReport('snapshot verify', steps, interrupted, cleanup.leftovers),
    cluster: {endpoint: dependencies.cluster.endpoint, distribution: context.info?.distribution, version: context.info?.version},
    repository: {
      name: request.repository,
      type: storage.kind,
      location: storage.kind === 's3' ? `s3://${storage.bucket}/${testLocation}` : testLocation,
    },
    snapshot: request.snapshot,
  }
}

/** How long cleanup may take: short after Ctrl-C (the user wants out), longer after a failure. */
export const CLEANUP_BUDGET_MS = {interrupted: 30_000, otherwise: 600_000}

async function cleanUp(context: VerifyContext, events: VerifyEvents, interrupted: boolean): Promise<{result: StepResult; leftovers: string[]}> {
  const entry = context.journalEntry
  const createdAnything = entry.bucketCreated || entry.probeKey || entry.repositoryRegistered || entry.snapshotStarted
  if (context.keep && createdAnything) {
    await context.journal.record({...entry, kept: true})
    const kept = [
      entry.snapshotStarted && `snapshot ${entry.snapshot}`,
      entry.repositoryRegistered && `repository ${entry.repository}`,
      entry.storage.kind === 's3' ? `files under s3://${entry.storage.bucket}/${entry.storage.prefix}` : `files under ${entry.storage.location}`,
    ].filter(Boolean)
    const result = skippedStep(CLEANUP_STEP, `kept (--keep): ${kept.join(', ')}; \`console repo clean\` removes them`)
    events.onStepEnd?.(result)
    return {result, leftovers: []}
  }
  events.onStepStart?.(CLEANUP_STEP)
  const started = Date.now()
  // Cleanup does not listen to the interrupt (after Ctrl-C it is exactly what must still happen), but
  // to a budget of its own: what it cannot finish in time stays in the journal, named.
  const budget = context.cleanupBudgetMs ?? (interrupted ? CLEANUP_BUDGET_MS.interrupted : CLEANUP_BUDGET_MS.otherwise)
  const {removed, leftovers} = createdAnything
    ? await removeVerificationResources(entry, {cluster: context.cluster, s3: context.s3, signal: AbortSignal.timeout(budget)})
    : {removed: [], leftovers: []}
  if (leftovers.length === 0) await context.journal.forget(entry.runId)
  const result: StepResult =
    leftovers.length === 0
      ? {...CLEANUP_STEP, status: 'passed', detail: removed.length ? `removed ${removed.join(', ')}` : 'nothing to remove', durationMs: Date.now() - started}
      : {
          ...CLEANUP_STEP,
          status: 'failed',
          detail: `left behind: ${leftovers.join('; ')}`,
          durationMs: Date.now() - started,
          diagnosis: {
            code: 'cleanup-incomplete',
            cause: 'Some test resources could not be removed; they are recorded in the journal.',
            remediation: 'Run `console repo clean` once the cause is fixed; it finishes this cleanup.',
          },
        }
  events.onStepEnd?.(result)
  return {result, leftovers}
}
