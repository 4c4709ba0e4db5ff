import type {Hook} from '@oclif/core'

/**
 * The migration console already has a `console` command (Python) with many more commands
 * (`backfill`, `clusters`, `snapshot create`, ...). A command this plugin does not define is handed,
 * with the arguments as typed, stdin, stdout, stderr and its exit code, to that CLI: the one named by
 * CONSOLE_FALLBACK_CLI, else the next `console` on PATH that is not this one.
 */
const hook: Hook<'command_not_found'> = async function ({argv, id}) {
  const {findConsoleCli, runConsoleCli} = await import('../../console-cli.js')
  const typed = (globalThis as Record<symbol, string[] | undefined>)[Symbol.for('console-snapshot-plugin.argv')] ?? [
    ...id.split(':'),
    ...(argv ?? []),
  ]
  const cli = await findConsoleCli()
  if (!cli) {
    this.error(
      `"${id.replaceAll(':', ' ')}" is not a command of this plugin, and no other console CLI was found on PATH (set CONSOLE_FALLBACK_CLI to the migration console's own console command)`,
      {exit: 127},
    )
    return
  }

  process.exit(await runConsoleCli(cli, typed))
}

export default hook
