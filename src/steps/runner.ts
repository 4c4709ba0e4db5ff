import type {Diagnosis} from '../diagnose/index.js'
import type {StepResult} from './report.js'

import {Refusal} from '../errors.js'
import {ExitCode} from '../exit-codes.js'

/** One named step of a command: data that a runner executes and a report renders. */
export interface Step<Context> {
  name: string
  /** Does the work; returns the detail shown on success (or why it could not look), throws on failure. */
  run: (context: Context) => Promise<string | {skipped: string}>
  /** Why the step does not apply to this run, or undefined when it does. */
  skipReason?: (context: Context) => string | undefined
  title: string
}

export interface StepEvents {
  onStepEnd?: (result: StepResult) => void
  onStepStart?: (step: {name: string; title: string}) => void
}

export interface StepRunOptions {
  diagnosisFor: (error: unknown) => Diagnosis
  events?: StepEvents
  signal?: AbortSignal
}

/** The plan a plan step made, for the steps after it (which run only once it has). */
export function planned<Plan>(context: {plan?: Plan}): Plan {
  if (context.plan === undefined) throw new Error('a step that carries out the plan ran before the plan was made')
  return context.plan
}

export function skippedStep(step: {name: string; title: string}, detail: string): StepResult {
  return {detail, durationMs: 0, name: step.name, status: 'skipped', title: step.title}
}

/** Runs steps in order; after the first failure (or an interrupt) the rest are reported as skipped. */
export async function runSteps<Context>(steps: Step<Context>[], context: Context, options: StepRunOptions) {
  const results: StepResult[] = []
  let failed = false
  let interrupted = false
  for (const step of steps) {
    if (failed || interrupted || options.signal?.aborted) {
      interrupted ||= Boolean(options.signal?.aborted)
      const result = skippedStep(step, interrupted ? 'interrupted' : 'an earlier step failed')
      options.events?.onStepEnd?.(result)
      results.push(result)
      continue
    }

    const result = await runStep(step, context, options)
    if (result.status === 'failed') failed = true
    results.push(result)
  }

  // An interrupt during the last step that the step itself did not notice still counts.
  interrupted ||= Boolean(options.signal?.aborted)
  return {failed, interrupted, results}
}

const refusalDiagnosis = (refusal: Refusal): Diagnosis => ({
  cause: refusal.message,
  code: 'refused',
  remediation: refusal.actions.join('; ') || 'correct the command and run it again',
})

async function runStep<Context>(step: Step<Context>, context: Context, options: StepRunOptions): Promise<StepResult> {
  const skipReason = step.skipReason?.(context)
  if (skipReason) {
    const result = skippedStep(step, skipReason)
    options.events?.onStepEnd?.(result)
    return result
  }

  options.events?.onStepStart?.(step)
  const started = Date.now()
  let result: StepResult
  try {
    const outcome = await step.run(context)
    result =
      typeof outcome === 'string'
        ? {detail: outcome, durationMs: Date.now() - started, name: step.name, status: 'passed', title: step.title}
        : {...skippedStep(step, outcome.skipped), durationMs: Date.now() - started}
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    if (options.signal?.aborted) {
      // What fails because of Ctrl-C needs no diagnosis: the user stopped it.
      result = {
        detail: message === 'interrupted' ? message : `interrupted: ${message}`,
        durationMs: Date.now() - started,
        name: step.name,
        status: 'failed',
        title: step.title,
      }
      options.events?.onStepEnd?.(result)
      return result
    }

    // A refusal (the command line's own, or a location the plugin cannot prove) is exit 2, never a failed check.
    const refused = error instanceof Refusal
    result = {
      detail: message,
      diagnosis: refused ? refusalDiagnosis(error) : options.diagnosisFor(error),
      durationMs: Date.now() - started,
      exitCode: refused ? ExitCode.usage : ExitCode.checkFailed,
      name: step.name,
      status: 'failed',
      title: step.title,
    }
  }

  options.events?.onStepEnd?.(result)
  return result
}
