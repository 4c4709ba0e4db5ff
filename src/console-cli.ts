import {spawn} from 'node:child_process'
import {constants, promises as fs} from 'node:fs'
import path from 'node:path'

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
