/** The ground floor: exit codes and the run status they map to, imported by every layer, importing nothing. */

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
  {
    code: ExitCode.ok,
    meaning:
      'done: every step passed (a snapshot already gone, or in a repository that is no longer registered, counts as deleted)',
  },
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

/** How the run ended; the exit code says the same as a number (see EXIT CODES in --help). */
export type RunStatus = 'failed' | 'interrupted' | 'ok' | 'refused'

/** The status word of an exit code, from the one map. */
export function statusOf(exitCode: number): RunStatus {
  if (exitCode === ExitCode.ok) return 'ok'
  if (exitCode === ExitCode.usage) return 'refused'
  if (exitCode === ExitCode.interrupted) return 'interrupted'
  return 'failed'
}
