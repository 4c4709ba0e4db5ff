import type {ServicesConfig} from './model.js'

import {loadServicesFile} from './load.js'

/** What the config hook found: the file's contents, no file at all, or why it is unusable. */
export type ServicesOutcome = {error?: Error; services?: ServicesConfig}

// One per oclif Config of the run, so each CLI invocation (and each in-process test run) has its own.
const outcomes = new WeakMap<object, Promise<ServicesOutcome>>()

export function readServicesOnce(
  owner: object,
  configFile?: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ServicesOutcome> {
  let outcome = outcomes.get(owner)
  if (!outcome) {
    outcome = loadServicesFile(configFile, env).then(
      (services) => ({services}),
      (error: Error) => ({error}),
    )
    outcomes.set(owner, outcome)
  }

  return outcome
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
