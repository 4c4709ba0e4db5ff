import {spawn} from 'node:child_process'
import {constants, promises as fs} from 'node:fs'
import path from 'node:path'

/** The commands this plugin defines (oclif ids); every other one is handed to the console's own CLI. */
export const PLUGIN_COMMANDS: ReadonlySet<string> = new Set(['repo:clean', 'snapshot:delete', 'snapshot:verify'])

/** The global options of the console's CLI (`console --json -v snapshot delete`): each with whether it takes a value. */
const CONSOLE_GLOBAL_OPTIONS = new Map([
  ['--config-file', true],
  ['--force-use-config-file', false],
  ['--json', false],
  ['--verbose', false],
])

function globalOptionLength(argv: string[], index: number): number {
  const argument = argv[index]
  if (argument === undefined) return 0
  if (/^-v+$/.test(argument) || argument.startsWith('--config-file=')) return 1
  const takesValue = CONSOLE_GLOBAL_OPTIONS.get(argument)
  if (takesValue === undefined) return 0
  return takesValue ? (index + 1 < argv.length ? 2 : 0) : 1
}

/**
 * The console's CLI takes its global options before the command; oclif wants flags after the command
 * id. Moves the console's global options typed before the command to just after the command's words,
 * so `console --json -v snapshot delete` is `console snapshot delete --json -v`. Anything else stays.
 */
export function globalOptionsAfterCommand(typed: string[]): string[] {
  let index = 0
  for (let length = globalOptionLength(typed, 0); length > 0; length = globalOptionLength(typed, index)) index += length
  if (index === 0) return typed
  const rest = typed.slice(index)
  const firstFlag = rest.findIndex((argument) => argument.startsWith('-'))
  const words = firstFlag === -1 ? rest.length : firstFlag
  return [...rest.slice(0, words), ...typed.slice(0, index), ...rest.slice(words)]
}

/** This package's own executable, so the search never finds itself. */
const SELF = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', 'bin', 'run.js')

async function realpath(file: string): Promise<string | undefined> {
  return fs.realpath(file).catch(() => undefined)
}

/** The console's own CLI: CONSOLE_FALLBACK_CLI, else the first `console` on PATH that is not this package. */
export async function findConsoleCli(env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  if (env.CONSOLE_FALLBACK_CLI) return env.CONSOLE_FALLBACK_CLI
  const self = await realpath(SELF)
  for (const directory of (env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    const candidate = path.join(directory, 'console')
    const resolved = await realpath(candidate)
    if (!resolved || resolved === self) continue
    const executable = await fs.access(candidate, constants.X_OK).then(
      () => true,
      () => false,
    )
    if (executable) return candidate
  }

  return undefined
}

/** Runs it with the same arguments and streams; resolves to its exit code (128 + signal when killed). */
export function runConsoleCli(cli: string, args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(cli, args, {stdio: 'inherit'})
    const forward = (signal: NodeJS.Signals) => child.kill(signal)
    process.on('SIGINT', forward)
    process.on('SIGTERM', forward)
    child.on('error', reject)
    child.on('close', (code, signal) => {
      process.off('SIGINT', forward)
      process.off('SIGTERM', forward)
      resolve(code ?? 128 + (signal === 'SIGINT' ? 2 : signal === 'SIGTERM' ? 15 : 1))
    })
  })
}
