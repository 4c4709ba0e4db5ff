import type {Diagnosis} from '../diagnose/index.js'

import {ExitCode} from '../exit-codes.js'

export type StepStatus = 'failed' | 'passed' | 'skipped'

export interface StepResult {
  detail: string
  diagnosis?: Diagnosis
  durationMs: number
  /** For a failed step: how the run ends because of it (a refusal ends as bad usage does). */
  exitCode?: number
  name: string
  status: StepStatus
  title: string
}

/** The report of a command that runs steps: rendered as text, or as-is under --json. */
export interface StepReport {
  command: string
  exitCode: number
  interrupted: boolean
  /** What the run created and could not remove; `console repo clean` finishes it. */
  leftovers: string[]
  /** What the user should know beside the verdict (which backfill release a check modelled, a bucket rule). */
  notes?: string[]
  /** What this run could not prove (e.g. verify without shard data), said plainly beside the verdict. */
  notProven?: string[]
  ok: boolean
  steps: StepResult[]
}

/** 130 interrupted; else the exit code of the first failed step (a refusal: 2, a failed check: 1); else 0. */
export function exitCodeOf(steps: StepResult[], interrupted: boolean): number {
  if (interrupted) return ExitCode.interrupted
  const failed = steps.find((step) => step.status === 'failed')
  return failed ? (failed.exitCode ?? ExitCode.checkFailed) : ExitCode.ok
}

/** The fields every command's report shares, derived from its steps: one verdict for text and --json alike. */
export function stepReport<Command extends string>(
  command: Command,
  steps: StepResult[],
  interrupted: boolean,
  leftovers: string[] = [],
) {
  const exitCode = exitCodeOf(steps, interrupted)
  return {command, exitCode, interrupted, leftovers, ok: exitCode === 0, steps}
}
