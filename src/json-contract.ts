/**
 * The one --json contract of all three commands: an envelope around the command's typed report.
 * JSON Schemas are generated from these types into schemas/ (npm run schemas) and the tests
 * validate every command's real output against them.
 */
import type {Diagnosis} from './diagnose/index.js'
import type {RunStatus} from './exit-codes.js'
import type {PluginCommand} from './plugin-commands.js'
import type {CleanReport} from './repository/clean-run.js'
import type {DeleteReport} from './repository/delete-snapshots.js'
import type {VerifyReport} from './verify/run.js'

export interface JsonError {
  /** What to do next, as commands or flags to add. */
  actions: string[]
  diagnosis?: Diagnosis
  message: string
}

export interface JsonEnvelope<Result> {
  error?: JsonError
  exitCode: number
  /** The command's report; absent when the run stopped before it had one (then error says why). */
  result?: Result
  status: RunStatus
  /** Everything the command would have printed as a warning on a terminal. */
  warnings: string[]
}

/** `snapshot verify --dry-run`: the guide's procedure for this run, as the commands a person would type. */
export interface VerifyDryRun {
  command: 'snapshot verify'
  commands: string[]
  dryRun: true
  exitCode: 0
}

export type SnapshotVerifyJson = JsonEnvelope<VerifyDryRun | VerifyReport>
export type SnapshotDeleteJson = JsonEnvelope<DeleteReport>
export type RepoCleanJson = JsonEnvelope<CleanReport>

/** Every command's --json document by the name the command list gives it: a command without one does not compile. */
export interface CommandJson {
  RepoCleanJson: RepoCleanJson
  SnapshotDeleteJson: SnapshotDeleteJson
  SnapshotVerifyJson: SnapshotVerifyJson
}
export type EveryCommandHasJson =
  Exclude<PluginCommand['jsonType'], keyof CommandJson> extends never
    ? true
    : {missing: Exclude<PluginCommand['jsonType'], keyof CommandJson>}
export const EVERY_COMMAND_HAS_JSON: EveryCommandHasJson = true
