import type {RunStatus} from './json-contract.js'

/**
 * The one exit-code map: what scripted users rely on, shown in every command's help (EXIT CODES),
 * used by the error path and by every report. Declared here and nowhere else.
 */
export const ExitCode = {
  checkFailed: 1,
  interrupted: 130,
  ok: 0,
  usage: 2,
} as const

export const EXIT_CODE_MEANINGS: {code: number; meaning: string}[] = [
  {code: ExitCode.ok, meaning: 'done: every step passed (a snapshot already gone counts as deleted)'},
  {
    code: ExitCode.checkFailed,
    meaning: 'a check, deletion or cleanup failed; the report says which step and why (its diagnosis)',
  },
  {
    code: ExitCode.usage,
    meaning:
      'nothing was deleted: bad usage or configuration, a refusal (ownership in doubt, no --yes in a scripted session) or a declined confirmation',
  },
  {
    code: ExitCode.interrupted,
    meaning:
      'interrupted (Ctrl-C); what the run created was cleaned up, or is named in the journal for `console repo clean`',
  },
]

/** The status word of an exit code, from the one map. */
export function statusOf(exitCode: number): RunStatus {
  if (exitCode === ExitCode.ok) return 'ok'
  if (exitCode === ExitCode.usage) return 'refused'
  if (exitCode === ExitCode.interrupted) return 'interrupted'
  return 'failed'
}

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
