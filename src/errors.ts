/**
 * The three ways a run can end badly, each with the exit code scripted users rely on:
 * 2 for bad usage or configuration (nothing was sent), 1 for a failed check, 130 for an interrupt.
 */
export const ExitCode = {
  ok: 0,
  checkFailed: 1,
  usage: 2,
  interrupted: 130,
} as const

export class UsageError extends Error {
  readonly exitCode = ExitCode.usage
  constructor(
    message: string,
    readonly actions: string[] = [],
  ) {
    super(message)
    this.name = 'UsageError'
  }
}

/** A value the command needs that neither a flag, the services file nor a prompt gave. */
export class MissingValueError extends UsageError {
  constructor(
    readonly what: string,
    readonly flag: string,
  ) {
    super(`${what} is required: pass ${flag} (no prompt in a scripted session)`, [`add ${flag} <value> to the command`])
    this.name = 'MissingValueError'
  }
}

export class InterruptedError extends Error {
  readonly exitCode = ExitCode.interrupted
  constructor(message = 'interrupted') {
    super(message)
    this.name = 'InterruptedError'
  }
}
