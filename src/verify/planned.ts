import type {ShellCommand} from '../location/files.js'
import type {Step} from '../steps/runner.js'
import type {VerifyContext, VerifyView} from './context.js'

/**
 * A request a verify step will send, as data: a call to the cluster, or a command at the store (a bucket, a shared
 * directory) as its location spells it. `--dry-run` prints these, so what is printed is what the steps send.
 */
export type PlannedRequest =
  | (ShellCommand & {to: 'store'})
  | {body?: unknown; method: string; note?: string; path: string; to: 'cluster'}
  /** What the console reads itself, too many reads to spell one by one. */
  | {note: string; to: 'reads'}

/** A verify step: what it does (`run`), and what it will send (`plan`); a step whose skip rule applies plans nothing. */
export interface VerifyStep extends Step<VerifyContext> {
  /** The requests the step sends, in order, as a dry run shows them. */
  plan?: (view: VerifyView) => PlannedRequest[]
  skipReason?: (view: VerifyView) => string | undefined
}

export const clusterCall = (
  method: string,
  path: string,
  options: {body?: unknown; note?: string} = {},
): PlannedRequest => ({method, path, to: 'cluster', ...options})

/** A store command, with what the step looks for in its answer added to the location's own note. */
export const storeCommand = (command: ShellCommand, note?: string): PlannedRequest => {
  const notes = [command.note, note].filter(Boolean).join(': ')
  return {command: command.command, to: 'store', ...(notes ? {note: notes} : {})}
}
