import type {ServicesConfig} from './model.js'

import {loadServicesFile} from './load.js'

/** What the config hook found: the file's contents, no file at all, or why it is unusable. */
export type ServicesOutcome = {error?: Error; services?: ServicesConfig}

// Kept on the oclif Config of the run, so each CLI invocation (and each in-process test run) has its own,
// and every copy of this module that a host may load finds the same one.
const OUTCOME = Symbol.for('console-snapshot-plugin.services')

export function readServicesOnce(
  owner: object,
  configFile?: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ServicesOutcome> {
  const holder = owner as {[OUTCOME]?: Promise<ServicesOutcome>}
  holder[OUTCOME] ??= loadServicesFile(configFile, env).then(
    (services) => ({services}),
    (error: Error) => ({error}),
  )
  return holder[OUTCOME]
}

/** `--config-file PATH` or `--config-file=PATH` from raw argv, before oclif has parsed anything. */
export function configFileFromArgv(argv: string[]): string | undefined {
  for (const [index, argument] of argv.entries()) {
    if (argument === '--') return undefined
    if (argument === '--config-file') return argv[index + 1]
    if (argument.startsWith('--config-file=')) return argument.slice('--config-file='.length)
  }

  return undefined
}
