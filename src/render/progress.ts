import type {StepEvents} from '../steps/runner.js'

import {renderStepLine} from './text.js'

export interface ProgressOutput {
  color: boolean
  /** Where step lines go (stdout). */
  log: (line: string) => void
  /** Whether stderr is a terminal: a spinner there, plain lines elsewhere. */
  terminal: boolean
}

const PLAIN_PROGRESS_EVERY_MS = 10_000

/**
 * What a person sees while the steps run: on a terminal a spinner with the step, its elapsed time and
 * live progress (counts, retries), then the step's line; elsewhere one plain line per step and at most
 * one progress line per 10 s. Silent under --json (not created there).
 */
export class StepProgress {
  private lastPlainProgress = 0
  private spinner?: {message?: string; started: number; timer: NodeJS.Timeout}
  private stepNumber = 0

  private constructor(
    private readonly output: ProgressOutput,
    /** oclif's ux (the spinner): its own entry, not oclif's whole index, and only on a terminal. */
    private readonly ux: typeof import('@oclif/core/ux') | undefined,
  ) {}

  static async create(output: ProgressOutput): Promise<StepProgress> {
    return new StepProgress(output, output.terminal ? await import('@oclif/core/ux') : undefined)
  }

  /** The step events the domain's runner calls. */
  events(): StepEvents {
    return {
      onStepEnd: (step) => {
        this.stop()
        this.output.log(renderStepLine(step, ++this.stepNumber, {color: this.output.color}))
      },
      onStepStart: (step) => {
        if (!this.ux) return
        this.ux.ux.action.start(`${this.stepNumber + 1}. ${step.title}`, '0 s')
        const timer = setInterval(() => this.refresh(), 1000)
        timer.unref()
        this.spinner = {started: Date.now(), timer}
      },
    }
  }

  /** Before a warning is written: the spinner steps aside. */
  pause(): void {
    if (this.spinner) this.ux?.ux.action.pause(() => {})
  }

  /** Live progress of the running step (counts, retries). */
  show(message: string): void {
    if (this.spinner) {
      this.spinner.message = message
      this.refresh()
      return
    }

    if (this.output.terminal) return
    if (Date.now() - this.lastPlainProgress < PLAIN_PROGRESS_EVERY_MS) return
    this.lastPlainProgress = Date.now()
    process.stderr.write(`  … ${message}\n`)
  }

  stop(): void {
    if (!this.spinner) return
    clearInterval(this.spinner.timer)
    this.ux?.ux.action.stop()
    // The step's own line (with its time) follows on stdout: the spinner's last line is taken back.
    process.stderr.write('\u001B[1A\u001B[2K')
    this.spinner = undefined
  }

  private refresh(): void {
    if (!this.spinner || !this.ux) return
    const seconds = Math.round((Date.now() - this.spinner.started) / 1000)
    this.ux.ux.action.status = `${seconds} s${this.spinner.message ? `, ${this.spinner.message}` : ''}`
  }
}
