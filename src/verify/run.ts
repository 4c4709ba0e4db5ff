import {setMaxListeners} from 'node:events'

import type {BucketFinding} from './bucket-rules.js'

import {boundedCluster} from '../cluster/bounded.js'
import {repositoryPath, snapshotPath} from '../cluster/snapshots.js'
import {diagnose, type DiagnosisContext} from '../diagnose/index.js'
import {describeRecord} from '../location/record.js'
import {type StepReport, stepReport, type StepResult} from '../steps/report.js'
import {runSteps, skippedStep, type StepEvents} from '../steps/runner.js'
import {removeVerificationResources} from './cleanup.js'
import {type VerifyContext, type VerifyDependencies, type VerifyRequest, type VerifyView} from './context.js'
import {knownPlacement} from './data-indices.js'
import {type NodeProof, nodeProofs} from './node-report.js'
import {clusterCall, type PlannedRequest, storeCommand} from './planned.js'
import {VERIFY_STEPS} from './steps.js'

export interface VerifyReport extends StepReport {
  /** The Migration Assistant release whose backfill the read-back modelled, and where that release came from. */
  backfill?: {reader?: string; release: string; said: string}
  /** The bucket's own rules, one finding a line (fail, warn, note, not checked). */
  bucketRules?: BucketFinding[]
  cluster: {distribution?: string; endpoint: string; version?: string}
  command: 'snapshot verify'
  /** The index (or indices, comma-separated) whose shard data the test snapshot copied, if any. */
  dataIndex?: {created: boolean; name: string}
  /** Every data node of a cluster of several: what it wrote in the test snapshot, where, and whether it was read back. */
  nodes?: NodeProof[]
  repository: {location: string; name: string; type: 'fs' | 's3'}
  snapshot: string
}

export type VerifyEvents = StepEvents

/**
 * Every S3 request in flight listens on the run's signal: reading back the shards of several nodes, or
 * cleaning up their files, keeps more than Node's default 10 listeners on it at once, which is no leak.
 */
function roomy(signal: AbortSignal): AbortSignal {
  setMaxListeners(64, signal)
  return signal
}

/** Cleanup, after the steps (also after a failure or an interrupt): what it removes, in the order it removes it. */
export const CLEANUP_STEP = {
  name: 'cleanup',
  plan(view: VerifyView): PlannedRequest[] {
    const {dataIndex, testLocation} = view
    const {bucket} = testLocation.shell
    return [
      clusterCall('DELETE', snapshotPath(view.repository, view.snapshot)),
      ...(dataIndex?.created ? [clusterCall('DELETE', `/${dataIndex.name}`)] : []),
      clusterCall('DELETE', repositoryPath(view.repository)),
      storeCommand(testLocation.shell.removeAll(), "the test repository's own files"),
      ...(view.createBucket && bucket ? [storeCommand(bucket.delete)] : []),
    ]
  },
  skipReason: (view: VerifyView) => (view.keep ? 'kept (--keep)' : undefined),
  title: 'Test resources removed',
}

function diagnosisContext(request: VerifyRequest, endpoint: string, context: VerifyContext): DiagnosisContext {
  const placement = context && knownPlacement(context)
  return {
    clusterEndpoint: endpoint,
    createBucket: request.createBucket,
    engine: context?.info && {distribution: context.info.distribution, version: context.info.version},
    nodes: placement?.nodes.map((node) => node.name),
    repository: request.repository,
    s3Client: request.nodeS3Client,
    snapshot: request.snapshot,
    ...context.location.facts,
  }
}

/**
 * Runs the verification steps in order; after the first failure the rest are skipped.
 * Cleanup always runs (unless --keep), also after a failure or an interrupt.
 */
export async function runVerification(
  request: VerifyRequest,
  dependencies: VerifyDependencies,
  events: VerifyEvents = {},
): Promise<VerifyReport> {
  const location = dependencies.locations.of(request.storage)
  const testLocation = location.child(request.repository)
  if (dependencies.signal) roomy(dependencies.signal)
  const context: VerifyContext = {
    ...request,
    ...dependencies,
    journalEntry: {
      clusterEndpoint: dependencies.cluster.endpoint,
      repository: request.repository,
      runId: request.runId,
      snapshot: request.snapshot,
      startedAt: new Date().toISOString(),
      storage: testLocation.record(),
    },
    location,
    notes: [],
    notProven: [],
    testLocation,
  }
  const {interrupted, results: steps} = await runSteps(VERIFY_STEPS, context, {
    diagnosisFor: (error) => diagnose(error, diagnosisContext(request, dependencies.cluster.endpoint, context)),
    events,
    signal: dependencies.signal,
  })

  const cleanup = await cleanUp(context, events, interrupted)
  steps.push(cleanup.result)
  const nodes = nodeProofs(context, steps)
  return {
    ...stepReport('snapshot verify', steps, interrupted, cleanup.leftovers),
    cluster: {
      distribution: context.info?.distribution,
      endpoint: dependencies.cluster.endpoint,
      version: context.info?.version,
    },
    notProven: context.notProven,
    ...(request.backfill
      ? {
          backfill: {
            reader: context.backfillReader?.name,
            release: request.backfill.release,
            said: request.backfill.said,
          },
        }
      : {}),
    ...(context.bucketFindings ? {bucketRules: context.bucketFindings} : {}),
    notes: [
      ...(request.backfill ? [`backfill modelled: ${request.backfill.said}`] : []),
      ...context.notes,
      ...(context.bucketFindings ?? [])
        .filter((finding) => finding.level !== 'fail')
        .map((finding) => `bucket ${finding.rule} (${finding.level}): ${finding.text}`),
    ],
    repository: {
      location: testLocation.describe(),
      name: request.repository,
      type: testLocation.type,
    },
    snapshot: request.snapshot,
    ...(context.dataIndex ? {dataIndex: {created: context.dataIndex.created, name: context.dataIndex.name}} : {}),
    ...(nodes ? {nodes} : {}),
  }
}

/** How long cleanup may take: short after Ctrl-C (the user wants out), longer after a failure. */
export const CLEANUP_BUDGET_MS = {interrupted: 30_000, otherwise: 600_000}

async function cleanUp(
  context: VerifyContext,
  events: VerifyEvents,
  interrupted: boolean,
): Promise<{leftovers: string[]; result: StepResult}> {
  const entry = context.journalEntry
  const createdAnything =
    entry.bucketCreated || entry.probeKey || entry.repositoryRegistered || entry.snapshotStarted || entry.testIndex
  // The step as a report names it (without its plan, which only the dry run reads).
  const cleanupStep = {name: CLEANUP_STEP.name, title: CLEANUP_STEP.title}
  const keptReason = CLEANUP_STEP.skipReason(context)
  if (keptReason && createdAnything) {
    await context.journal.record({...entry, kept: true})
    const kept = [
      entry.snapshotStarted && `snapshot ${entry.snapshot}`,
      entry.repositoryRegistered && `repository ${entry.repository}`,
      entry.testIndex && `index ${entry.testIndex}`,
      `files under ${describeRecord(entry.storage)}`,
    ].filter(Boolean)
    const result = skippedStep(cleanupStep, `${keptReason}: ${kept.join(', ')}; \`console repo clean\` removes them`)
    events.onStepEnd?.(result)
    return {leftovers: [], result}
  }

  events.onStepStart?.(cleanupStep)
  const started = Date.now()
  // Cleanup does not listen to the interrupt (after Ctrl-C it is exactly what must still happen), but
  // to a budget of its own: what it cannot finish in time stays in the journal, named.
  const budget = context.cleanupBudgetMs ?? (interrupted ? CLEANUP_BUDGET_MS.interrupted : CLEANUP_BUDGET_MS.otherwise)
  const {leftovers, named, removed} = createdAnything
    ? await removeVerificationResources(entry, {
        cluster: boundedCluster(context.cluster, context.cleanupCallWaitMs),
        locations: context.locations,
        rightAfterRun: true,
        signal: roomy(AbortSignal.timeout(budget)),
      })
    : {leftovers: [], named: [], removed: []}
  if (leftovers.length === 0) await context.journal.forget(entry.runId)
  const result: StepResult =
    leftovers.length === 0
      ? {
          ...cleanupStep,
          detail: [
            removed.length > 0 ? `removed ${removed.join(', ')}` : 'nothing to remove',
            ...named.map((what) => `left behind: ${what}`),
          ].join('; '),
          durationMs: Date.now() - started,
          status: 'passed',
        }
      : {
          ...cleanupStep,
          detail: `left behind: ${leftovers.join('; ')}`,
          diagnosis: {
            cause: 'Some test resources could not be removed; they are recorded in the journal.',
            code: 'cleanup-incomplete',
            remediation: 'Run `console repo clean` once the cause is fixed; it finishes this cleanup.',
          },
          durationMs: Date.now() - started,
          status: 'failed',
        }
  events.onStepEnd?.(result)
  return {leftovers, result}
}
