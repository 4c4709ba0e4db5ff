import {spawn} from 'node:child_process'
import {constants, promises as fs} from 'node:fs'
import path from 'node:path'

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

/**
 * The commands of the console's own CLI (console_link's cli.py, main of 2026-08-07), by topic, for help:
 * they are handed to that CLI as typed. `legacy` topics are gone when the console runs with
 * MIGRATIONS_CLI_CONSOLE_DISABLE_LEGACY_COMMANDS=true, as the console itself reads it.
 */
export const CONSOLE_TOPICS: {commands: [string, string][]; legacy?: boolean; summary: string; topic: string}[] = [
  {
    commands: [
      ['start', 'start the backfill'],
      ['pause', 'pause it'],
      ['stop', 'stop it'],
      ['scale', 'set its number of workers'],
      ['status', 'its progress (--deep-check)'],
      ['describe', 'its configuration'],
      ['reset', 'delete its metadata for this session'],
    ],
    legacy: true,
    summary: 'the document backfill',
    topic: 'backfill',
  },
  {
    commands: [
      ['connection-check', 'reach the source and target clusters'],
      ['cat-indices', 'the indices of both clusters'],
      ['curl', 'send a request to a cluster'],
      ['clear-indices', 'delete the indices of a cluster (--acknowledge-risk)'],
      ['generate-data', 'write test documents'],
      ['run-test-benchmarks', 'run test workloads'],
      ['run-aoss-test-benchmarks', 'run test workloads on a serverless collection'],
    ],
    summary: 'the source and target clusters',
    topic: 'clusters',
  },
  {commands: [], summary: 'a shell completion script', topic: 'completion'},
  {
    commands: [
      ['location', 'where the failed documents are kept'],
      ['count', 'how many there are'],
      ['list', 'list them'],
    ],
    summary: 'documents the backfill could not migrate',
    topic: 'failed-document-stream',
  },
  {
    commands: [
      ['create-topic', 'create a topic'],
      ['list-topics', 'list topics'],
      ['delete-topic', 'delete a topic'],
      ['describe-consumer-group', 'a consumer group'],
      ['list-consumer-groups', 'list consumer groups'],
      ['describe-topic-records', 'records of a topic'],
      ['dump-topic-records', 'write records of a topic out'],
    ],
    summary: 'the Kafka topics of captured traffic',
    topic: 'kafka',
  },
  {
    commands: [
      ['migrate', 'migrate metadata to the target'],
      ['evaluate', 'what a migration would do'],
    ],
    legacy: true,
    summary: 'index metadata',
    topic: 'metadata',
  },
  {
    commands: [
      ['list', 'list metrics'],
      ['get-data', 'values of a metric'],
    ],
    legacy: true,
    summary: 'metrics of the capture proxy and replayer',
    topic: 'metrics',
  },
  {
    commands: [
      ['start', 'start the replayer'],
      ['stop', 'stop it'],
      ['scale', 'set its number of instances'],
      ['status', 'its state'],
      ['describe', 'its configuration'],
    ],
    legacy: true,
    summary: 'the traffic replayer',
    topic: 'replay',
  },
  {
    commands: [
      ['create', 'take the migration snapshot (--wait, --max-snapshot-rate-mb-per-node)'],
      ['status', 'its progress (--deep-check)'],
      ['unregister-repo', 'remove the repository registration, keeping its files (--acknowledge-risk)'],
    ],
    legacy: true,
    summary: 'the migration snapshot',
    topic: 'snapshot',
  },
  {
    commands: [['show', 'convert captured tuples to readable JSON']],
    legacy: true,
    summary: 'captured tuples',
    topic: 'tuples',
  },
]

/** The console's topics as the console offers them (legacy ones only while they are enabled). */
export function consoleTopics(env: NodeJS.ProcessEnv = process.env): typeof CONSOLE_TOPICS {
  const legacyOff = (env.MIGRATIONS_CLI_CONSOLE_DISABLE_LEGACY_COMMANDS ?? '').toLowerCase() === 'true'
  return CONSOLE_TOPICS.filter((topic) => !(legacyOff && topic.legacy))
}

/** The console's version through its own CLI (`console --version`); a failure is said, never thrown. */
export function consoleVersion(cli: string, timeoutMs = 15_000): Promise<string> {
  return new Promise((resolve) => {
    const child = spawn(cli, ['--version'], {stdio: ['ignore', 'pipe', 'ignore']})
    let output = ''
    const timer = setTimeout(() => child.kill('SIGTERM'), timeoutMs)
    child.stdout.on('data', (chunk) => {
      output += chunk
    })
    child.on('error', (error) => {
      clearTimeout(timer)
      resolve(`unknown (${error.message})`)
    })
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      const text = output.trim().split('\n')[0]
      resolve(
        code === 0 && text
          ? text
          : `unknown (\`${cli} --version\` ${signal ? `was stopped (${signal})` : `ended with ${code}`})`,
      )
    })
  })
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
