import {ExitCode} from './exit-codes.js'

/** What the plugin refuses to do (exit 2), with what the user can do instead; never a failed check. */
export class Refusal extends Error {
  constructor(
    message: string,
    readonly actions: string[] = [],
  ) {
    super(message)
    this.name = 'Refusal'
  }
}

/** A refusal of the command line itself: a flag, a value, a missing confirmation. */
export class UsageError extends Refusal {
  readonly exitCode = ExitCode.usage

  constructor(message: string, actions: string[] = []) {
    super(message, actions)
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
