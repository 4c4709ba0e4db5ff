import type {Interfaces} from '@oclif/core'

import {Config, Plugin} from '@oclif/core'
import {readFileSync} from 'node:fs'
import path from 'node:path'

import {repoRoot} from './paths.js'

/** package.json with its commands, hooks and help class pointing at the sources under src/ instead of dist/. */
function sourcePjson(): Interfaces.PJSON {
  const pjson = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8'))
  const {commands, helpClass, hooks} = pjson.oclif as {
    commands: string
    helpClass: string
    hooks: Record<string, string>
  }
  const fromDist = (target: string): string => target.replace(/^\.\/dist\//, './src/')
  pjson.oclif = {
    ...pjson.oclif,
    commands: fromDist(commands),
    helpClass: `${fromDist(helpClass)}.ts`,
    hooks: Object.fromEntries(Object.entries(hooks).map(([event, target]) => [event, `${fromDist(target)}.ts`])),
  }
  return pjson
}

let pjson: Interfaces.PJSON | undefined

/**
 * A fresh oclif Config for one run (the config hook keeps that run's services file on it) of this package as
 * a plugin whose commands, hooks and help class are the TypeScript sources under src/, loaded through tsx as
 * the tests' own imports of src/ are: a command run in a test and the modules the test imports are one copy
 * of each module. The manifest (which names dist/) is not read; the commands are found in src/commands. The
 * plugin is made anew for each run, as oclif's own run does: help rewrites the ids of the commands it shows.
 */
export async function sourceConfig(): Promise<Config> {
  pjson ??= sourcePjson()
  const plugin = new Plugin({ignoreManifest: true, isRoot: true, pjson: structuredClone(pjson), root: repoRoot})
  await plugin.load()
  return Config.load({plugins: new Map([[plugin.name, plugin]]), root: repoRoot})
}
