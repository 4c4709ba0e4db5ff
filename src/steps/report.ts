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

export function exitCodeOf(steps: StepResult[], interrupted: boolean): number {
  if (interrupted) return ExitCode.interrupted
  return steps.some((step) => step.status === 'failed') ? ExitCode.checkFailed : ExitCode.ok
}
