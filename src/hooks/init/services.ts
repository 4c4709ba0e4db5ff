import type {Hook} from '@oclif/core'

// Only this plugin's commands read the services file; help, version and a host CLI's
// other commands pass through untouched (nothing is even imported), so they stay as fast as they were.
const COMMANDS_THAT_READ_SERVICES = new Set(['repo:clean', 'snapshot:delete', 'snapshot:verify'])
const HELP_FLAGS = new Set(['--help', '-h'])

const hook: Hook<'init'> = async function ({argv, config, id}) {
  if (!id || !COMMANDS_THAT_READ_SERVICES.has(id.replaceAll(' ', ':'))) return
  if (argv.some((argument) => HELP_FLAGS.has(argument))) return
  const {configFileFromArgv, readServicesOnce} = await import('../../services/shared.js')
  // Errors are kept, not thrown: the command reports them through its own error path (text or --json, exit 2).
  await readServicesOnce(config, configFileFromArgv(argv))
}

export default hook
