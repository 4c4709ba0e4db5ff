import type {Hook} from '@oclif/core'

import {isPluginCommand} from '../../plugin-commands.js'

// Only this plugin's commands read the services file; help, version and a host CLI's
// other commands pass through untouched (nothing is even imported), so they stay as fast as they were.
const HELP_FLAGS = new Set(['--help', '-h'])

const hook: Hook<'init'> = async function ({argv, config, id}) {
  if (!isPluginCommand(id)) return
  if (argv.some((argument) => HELP_FLAGS.has(argument))) return
  const {configFileFromArgv, readServicesOnce} = await import('../../services/shared.js')
  // Errors are kept, not thrown: the command reports them through its own error path (text or --json, exit 2).
  await readServicesOnce(config, configFileFromArgv(argv))
}

export default hook
