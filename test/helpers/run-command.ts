import {run} from '@oclif/core'

import {sourceConfig} from './source-cli.js'

export interface CommandOutcome {
  exitCode: number
  stderr: string
  stdout: string
}

/**
 * Runs a command of the CLI from source in this process (so nock sees its requests, and the test's imports of
 * src/ are the modules the command uses), capturing output and the exit code.
 */
export async function runCommand(
  argv: string[],
  env: Record<string, string | undefined> = {},
): Promise<CommandOutcome> {
  const saved = Object.fromEntries(Object.keys(env).map((key) => [key, process.env[key]]))
  for (const [key, value] of Object.entries(env)) {
    if (value === undefined) delete process.env[key]
    else process.env[key] = value
  }

  let stdout = ''
  let stderr = ''
  const writeOut = process.stdout.write.bind(process.stdout)
  const writeErr = process.stderr.write.bind(process.stderr)
  process.stdout.write = ((chunk: string | Uint8Array) => {
    stdout += chunk.toString()
    return true
  }) as typeof process.stdout.write
  process.stderr.write = ((chunk: string | Uint8Array) => {
    stderr += chunk.toString()
    return true
  }) as typeof process.stderr.write
  let exitCode = 0
  try {
    await run(argv, await sourceConfig())
  } catch (error) {
    const exit = (error as {oclif?: {exit?: number}}).oclif?.exit
    if (exit === undefined) throw error
    exitCode = exit
  } finally {
    process.stdout.write = writeOut
    process.stderr.write = writeErr
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key]
      else process.env[key] = value
    }
  }

  return {exitCode, stderr, stdout}
}
