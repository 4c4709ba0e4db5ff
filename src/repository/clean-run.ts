import type {ClusterClient} from '../cluster/client.js'
import type {RepositoryBody} from '../cluster/snapshots.js'
import type {Journal} from '../journal.js'
import type {KeptObject} from '../location/delete-owned.js'
import type {LocationRecord} from '../location/files.js'
import type {Locations} from '../location/open.js'
import type {S3Storage} from '../services/model.js'
import type {CleanPlan} from './clean-plan.js'

import {recordOfEarlierForm, recordProblem} from '../location/record.js'
import {type StepReport, stepReport, type StepResult} from '../steps/report.js'

/*
 * What every `console repo clean` run shares, with or without --repository: its journal entry, its request, its
 * dependencies, the state its steps build up and the report it ends with.
 */

/** An accepted `repo clean --repository`, kept until it is all gone so a second run can finish it. */
export interface CleanEntry {
  body: RepositoryBody
  /** Where the accepted plan's files were: the entry licenses nothing elsewhere. */
  identity?: LocationRecord
  repository: string
  runId: string
  startedAt: string
}

/** Why an entry read from the clean journal cannot be one the console wrote; undefined when it can. */
export function cleanEntryProblem(entry: unknown): string | undefined {
  const candidate = entry as Partial<CleanEntry> | undefined
  if (typeof candidate !== 'object' || candidate === null) return 'is not an object'
  if (typeof candidate.repository !== 'string' || candidate.repository === '') return 'names no repository'
  if (typeof candidate.body?.type !== 'string' || typeof (candidate.body.settings ?? {}) !== 'object')
    return 'holds no registration body'
  const identity = recordOfEarlierForm(candidate.identity)
  return identity === undefined ? undefined : recordProblem(identity, {bucketRootAllowed: true})
}

/** An entry as this release reads it: one written before the one record form licenses its location still. */
export function asCleanEntry(entry: CleanEntry): CleanEntry {
  const identity = recordOfEarlierForm(entry.identity)
  return identity === entry.identity ? entry : {...entry, identity: identity as LocationRecord}
}

export interface CleanRequest {
  deleteBucket: boolean
  dryRun: boolean
  force: boolean
  /** Undefined: finish what interrupted verify runs left (the journal). */
  repository?: string
  s3Fallback?: Partial<S3Storage>
}

export interface CleanDependencies {
  cleanJournal: Journal<CleanEntry>
  cluster: ClusterClient
  /** Shows the plan and asks; for typed-name consent the user must type the name (or pass --confirm NAME). */
  confirm: (message: string, typed?: string) => Promise<boolean>
  /** Where repositories are: the run's one factory of locations, holding its S3 clients. */
  locations: Locations
  onProgress?: (message: string) => void
  signal?: AbortSignal
}

export interface CleanReport extends StepReport {
  command: 'repo clean'
  /** Objects found at the location that the repository does not own: kept, never deleted. */
  kept: KeptObject[]
  /** What the run planned to do (and, with --dry-run, would do). */
  plan: string[]
  repository?: string
}

export interface CleanContext extends CleanDependencies, CleanRequest {
  kept: KeptObject[]
  leftovers: string[]
  plan?: CleanPlan
  planLines: string[]
}

export const cleanContext = (request: CleanRequest, dependencies: CleanDependencies): CleanContext => ({
  ...request,
  ...dependencies,
  kept: [],
  leftovers: [],
  planLines: [],
})

export const cleanReport = (context: CleanContext, results: StepResult[], interrupted: boolean): CleanReport => ({
  ...stepReport('repo clean', results, interrupted, context.leftovers),
  kept: context.kept,
  plan: context.planLines,
  repository: context.repository,
})
