import type {Hook, Interfaces} from '@oclif/core'

import {normalizeArgv} from '@oclif/core/help'

/**
 * The arguments as typed: the command line's own (process.argv) when they are what this run parsed, once
 * bin/run.js has moved the console's global options after the command (`console --json backfill status`
 * stays so for the console's CLI); else, when a host called oclif's run with arguments of its own, the
 * command's words and arguments as oclif has them.
 */
export async function typedArguments(config: Interfaces.Config, id: string, argv: string[]): Promise<string[]> {
  const {globalOptionsAfterCommand} = await import('../../console-cli.js')
  const typed = process.argv.slice(2)
  const parsed = normalizeArgv(config, [...globalOptionsAfterCommand(typed)])
  const thisRun = [id, ...argv]
  const same = parsed.length === thisRun.length && parsed.every((argument, index) => argument === thisRun[index])
  return same ? typed : [...id.split(':'), ...argv]
}

/**
 * The migration console already has a `console` command (Python) with many more commands
 * (`backfill`, `clusters`, `snapshot create`, ...). A command this plugin does not define is handed,
 * with the arguments as typed, stdin, stdout, stderr and its exit code, to that CLI: the one named by
 * CONSOLE_FALLBACK_CLI, else the next `console` on PATH that is not this one.
 */
const hook: Hook<'command_not_found'> = async function ({argv, id}) {
  const {findConsoleCli, runConsoleCli} = await import('../../console-cli.js')
  const cli = await findConsoleCli()
  if (!cli) {
    this.error(
      `"${id.replaceAll(':', ' ')}" is not a command of this plugin, and no other console CLI was found on PATH (set CONSOLE_FALLBACK_CLI to the migration console's own console command)`,
      {exit: 127},
    )
    return
  }

  process.exit(await runConsoleCli(cli, await typedArguments(this.config, id, argv ?? [])))
}

export default hook
