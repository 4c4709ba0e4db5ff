import type {Diagnosis} from '../diagnose/index.js'
import {ExitCode} from '../errors.js'

export type StepStatus = 'passed' | 'failed' | 'skipped'

export interface StepResult {
  name: string
  title: string
  status: StepStatus
  detail: string
  durationMs: number
  diagnosis?: Diagnosis
}

/** The report of a command that runs steps: rendered as text, or as-is under --json. */
export interface StepReport {
  command: string
  ok: boolean
  interrupted: boolean
  exitCode: number
  steps: StepResult[]
  /** What the run created and could not remove; `console repo clean` finishes it. */
  leftovers: string[]
}

/** 130 interrupted; 2 when a step refused the request as given (a usage diagnosis); 1 a failed check; else 0. */
export function exitCodeOf(steps: StepResult[], interrupted: boolean): number {
  if (interrupted) return ExitCode.interrupted
  const failed = steps.filter((step) => step.status === 'failed')
  if (failed.some((step) => step.diagnosis?.code === 'usage')) return ExitCode.usage
  return failed.length > 0 ? ExitCode.checkFailed : ExitCode.ok
}

/** The fields every command's report shares, derived from its steps: one verdict for text and --json alike. */
export function stepReport<Command extends string>(command: Command, steps: StepResult[], interrupted: boolean, leftovers: string[] = []) {
  const exitCode = exitCodeOf(steps, interrupted)
  return {command, ok: exitCode === 0, interrupted, exitCode, steps, leftovers}
}
