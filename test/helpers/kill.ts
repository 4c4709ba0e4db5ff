import {spawn} from 'node:child_process'
import path from 'node:path'

import {moto, type Store} from './e2e.js'
import {repoRoot} from './paths.js'

/** Park-Miller: the same numbers in [0, 1) for the same seed, so a run's kill moments can be repeated exactly. */
export function seeded(seed: number): () => number {
  let state = (Math.abs(Math.trunc(seed)) % 2_147_483_646) + 1
  return () => {
    state = (state * 48_271) % 2_147_483_647
    return (state - 1) / 2_147_483_646
  }
}

export interface KilledRun {
  exitCode: null | number
  /** True when the kill landed while the command still ran; false when it had ended by itself first. */
  killed: boolean
  stdout: string
}

/**
 * Starts the CLI as the e2e suite runs it (the store's credentials, a scripted session, `dataDir` as its data
 * folder) and kills it with SIGKILL `afterMs` after the start, unless it ended first.
 */
export function killedAt(args: string[], dataDir: string, afterMs: number, store: Store = moto()): Promise<KilledRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(repoRoot, 'bin', 'run.js'), ...args], {
      env: {
        ...process.env,
        AWS_ACCESS_KEY_ID: store.accessKey,
        AWS_SECRET_ACCESS_KEY: store.secretKey,
        CI: 'true',
        CONSOLE_DATA_DIR: dataDir,
        MIGRATION_SERVICES_YAML_PATH: '',
      },
      stdio: ['ignore', 'pipe', 'ignore'],
    })
    let stdout = ''
    child.stdout.on('data', (chunk) => (stdout += chunk))
    const timer = setTimeout(() => child.kill('SIGKILL'), afterMs)
    child.on('error', reject)
    // Ended by the signal, not by itself: a command that had already exited is not counted as killed.
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      resolve({exitCode: code, killed: signal === 'SIGKILL', stdout})
    })
  })
}

/** How long the command takes when nothing kills it (it must end 0), in ms: kill moments are drawn below it. */
export async function unkilledDuration(args: string[], dataDir: string, store: Store = moto()): Promise<number> {
  const started = Date.now()
  const run = await killedAt(args, dataDir, 600_000, store)
  if (run.exitCode !== 0) throw new Error(`the unkilled run of ${args.join(' ')} ended ${run.exitCode}: ${run.stdout}`)
  return Date.now() - started
}
