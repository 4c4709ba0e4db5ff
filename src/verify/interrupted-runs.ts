import {listRepositories} from '../cluster/snapshots.js'
import {diagnose} from '../diagnose/index.js'
import {UsageError} from '../errors.js'
import {describeRecord} from '../location/record.js'
import * as cleanRun from '../repository/clean-run.js'
import {runSteps, type Step, type StepEvents} from '../steps/runner.js'
import {isTestRepositoryName} from '../verify-names.js'
import {removeVerificationResources} from './cleanup.js'
import {type JournalEntry, type VerifyJournal} from './journal.js'

/**
 * `console repo clean` without --repository: finish what interrupted verify runs left (their journal),
 * or, with --forget, drop journal entries without touching anything they name.
 */
export interface InterruptedRunsDependencies extends cleanRun.CleanDependencies {
  verifyJournal: VerifyJournal
}

interface InterruptedRunsContext extends cleanRun.CleanContext, InterruptedRunsDependencies {
  forget?: string[]
}

const JOURNAL_STEPS: Step<InterruptedRunsContext>[] = [
  {
    name: 'journal',
    async run(context) {
      const entries = await context.verifyJournal.entries()
      if (entries.length === 0) return 'the journal is empty'
      const describe = (entry: JournalEntry) => `${entry.repository}${entry.kept ? ' (kept with --keep)' : ''}`
      // An entry of another cluster cannot be finished from here: it says so and how to drop it.
      const elsewhere = entries.filter((entry) => entry.clusterEndpoint !== context.cluster.endpoint)
      const here = entries.filter((entry) => entry.clusterEndpoint === context.cluster.endpoint)
      const notes = elsewhere.map(
        (entry) =>
          `${entry.repository} was created on ${entry.clusterEndpoint}, not ${context.cluster.endpoint}: run with --endpoint ${entry.clusterEndpoint} to finish it, or \`console repo clean --forget ${entry.runId}\` to drop the entry`,
      )
      if (here.length === 0) return {skipped: notes.join('; ')}
      const plan = here.map(
        (entry) =>
          `${describe(entry)}: its snapshot,${entry.testIndex ? ` its test index ${entry.testIndex},` : ''} its registration and its own files under ${describeRecord(entry.storage)}`,
      )
      context.planLines = plan
      if (context.dryRun)
        return {
          skipped: `dry run, nothing changed: would remove ${plan.join('; ')}${notes.length > 0 ? `; ${notes.join('; ')}` : ''}`,
        }
      if (
        !(await context.confirm(
          `Remove what ${here.length} verify run(s) left?\n${plan.map((line) => `  - ${line}`).join('\n')}\n`,
        ))
      )
        throw new UsageError('not confirmed: nothing was deleted')
      for (const entry of here) {
        const result = await removeVerificationResources(entry, {
          cluster: context.cluster,
          locations: context.locations,
          signal: context.signal,
        })
        context.kept.push(...result.kept)
        notes.push(...result.named.map((what) => `left behind: ${what}`))
        if (result.leftovers.length === 0) await context.verifyJournal.forget(entry.runId)
        else
          context.leftovers.push(
            ...result.leftovers.map(
              (leftover) =>
                `${leftover} (run ${entry.runId}; once removed by hand, drop it with \`console repo clean --forget ${entry.runId}\`)`,
            ),
          )
      }

      if (context.leftovers.length > 0) throw new Error(`left behind: ${context.leftovers.join('; ')}`)
      return `finished ${here.length} run(s): ${here.map((entry) => describe(entry)).join(', ')}${notes.length > 0 ? `; ${notes.join('; ')}` : ''}`
    },
    title: 'Interrupted verify runs finished',
  },
  {
    name: 'test-repositories',
    async run(context) {
      const names = Object.keys(await listRepositories(context.cluster, context.signal)).filter((name) =>
        isTestRepositoryName(name),
      )
      return names.length > 0
        ? `still registered (clean each with --repository NAME): ${names.join(', ')}`
        : 'none registered'
    },
    title: 'Other verify_ test repositories',
  },
]

const FORGET_STEPS: Step<InterruptedRunsContext>[] = [
  {
    name: 'forget',
    async run(context) {
      const requested = context.forget ?? []
      // Every id is checked before any is dropped: one unknown id drops none.
      const known = new Set([...(await context.cleanJournal.runIds()), ...(await context.verifyJournal.runIds())])
      const unknown = requested.filter((runId) => !known.has(runId))
      if (unknown.length > 0)
        throw new UsageError(
          `no journal entry ${unknown.join(', ')}; \`console repo clean --dry-run\` lists the entries (nothing was dropped)`,
        )
      const dropped = [...new Set(requested)]
      if (!context.dryRun)
        for (const runId of dropped)
          if (!(await context.verifyJournal.forget(runId))) await context.cleanJournal.forget(runId)
      return `${context.dryRun ? 'dry run: would drop' : 'dropped'} ${dropped.join(', ')} (nothing in the cluster or the store was touched)`
    },
    title: 'Journal entries dropped',
  },
]

export async function cleanInterruptedRuns(
  request: Omit<cleanRun.CleanRequest, 'repository'> & {forget?: string[]},
  dependencies: InterruptedRunsDependencies,
  events: StepEvents = {},
): Promise<cleanRun.CleanReport> {
  const context: InterruptedRunsContext = {
    ...cleanRun.cleanContext(request, dependencies),
    ...dependencies,
    forget: request.forget,
  }
  const steps = request.forget?.length ? FORGET_STEPS : JOURNAL_STEPS
  const {interrupted, results} = await runSteps(steps, context, {
    diagnosisFor: (error) => diagnose(error, {command: 'repo clean'}),
    events,
    signal: dependencies.signal,
  })
  return cleanRun.cleanReport(context, results, interrupted)
}
