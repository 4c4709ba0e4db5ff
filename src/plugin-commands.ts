/**
 * The one list of this plugin's commands: help (EXIT CODES), the config hook, the JSON schemas and the
 * tests read it. A new command is added here, beside its file under src/commands/ and its --json type.
 */
export const PLUGIN_COMMANDS = [
  {id: 'snapshot:verify', jsonType: 'SnapshotVerifyJson', schema: 'snapshot-verify'},
  {id: 'snapshot:delete', jsonType: 'SnapshotDeleteJson', schema: 'snapshot-delete'},
  {id: 'repo:clean', jsonType: 'RepoCleanJson', schema: 'repo-clean'},
] as const

export type PluginCommand = (typeof PLUGIN_COMMANDS)[number]

/** Whether an oclif command id (`snapshot:verify`, or `snapshot verify` with the space separator) is one of ours. */
export function isPluginCommand(id: string | undefined): boolean {
  const normalised = id?.replaceAll(' ', ':')
  return PLUGIN_COMMANDS.some((command) => command.id === normalised)
}
