import type {S3Client} from '@aws-sdk/client-s3'

import {Command, Flags, Interfaces} from '@oclif/core'
import path from 'node:path'

import type {ClusterClient, ClusterClientOptions} from './cluster/client.js'
import type {Diagnosis} from './diagnose/index.js'
import type {JsonEnvelope} from './json-contract.js'
import type {StepReport} from './steps/report.js'
import type {StepEvents} from './steps/runner.js'
import type {JournalEntry} from './verify/journal.js'

import {InterruptedError, UsageError} from './errors.js'
import {ExitCode, statusOf} from './exit-codes.js'
import {Journal} from './journal.js'
import {endpointProblem, redactEndpoint} from './names.js'
import {isScriptedSession, type Prompter, type Question, ScriptedPrompter, TerminalPrompter} from './prompts.js'
import {ServicesFileError} from './services/load.js'
import {type ClusterConfig, isSolrSource, type ServicesConfig} from './services/model.js'
import {readServicesOnce} from './services/shared.js'
import {verifyEntryProblem} from './verify/journal.js'

/**
 * What a host that embeds these commands (or a test) may provide instead of the defaults: the
 * prompt seam and cluster client settings. Kept on globalThis so that every copy of this module
 * a host may load sees the same choice.
 */
export interface Embedding {
  clusterClientOptions?: ClusterClientOptions
  prompter?: Prompter
}
const EMBEDDING = Symbol.for('console-snapshot-plugin.embedding')
export function embedding(): Embedding {
  const holder = globalThis as {[EMBEDDING]?: Embedding}
  holder[EMBEDDING] ??= {}
  return holder[EMBEDDING]
}

export type BaseFlags<T extends typeof Command> = Interfaces.InferredFlags<
  (typeof BaseCommand)['baseFlags'] & T['flags']
>

/** A value checked before use: the flag that gave it, and the rule it must follow. */
export function checkedFlag(
  flag: string,
  value: string | undefined,
  problem: (value: string) => string | undefined,
): string | undefined {
  if (value === undefined) return undefined
  const broken = problem(value)
  // Printed without any credentials the value may carry.
  if (broken) throw new UsageError(`${flag} "${redactEndpoint(value)}": ${broken}`)
  return value
}

/**
 * Everything the three commands share: the services file from the config hook, the prompt seam,
 * the cluster client, Ctrl-C, and one error path that turns any failure into text or JSON and an exit code.
 */
export abstract class BaseCommand<T extends typeof Command> extends Command {
  static override baseFlags = {
    'config-file': Flags.string({
      description:
        'services file of the migration console (default: $MIGRATION_SERVICES_YAML_PATH, /config/migration_services.yaml, /etc/migration_services.yaml)',
      helpGroup: 'GLOBAL',
    }),
    endpoint: Flags.string({
      description: "source cluster URL, instead of the services file's source_cluster.endpoint",
      helpGroup: 'GLOBAL',
    }),
    'keep-auth': Flags.boolean({
      dependsOn: ['endpoint'],
      description: "with --endpoint on another host than the services file's: still send the file's credentials there",
      helpGroup: 'GLOBAL',
    }),
    'no-color': Flags.boolean({
      description: 'no colour in the report (also when NO_COLOR is set or the output is not a terminal)',
      helpGroup: 'GLOBAL',
    }),
    'no-prompt': Flags.boolean({description: 'never ask; fail naming the missing flag instead', helpGroup: 'GLOBAL'}),
    verbose: Flags.boolean({description: 'show stack traces of unexpected errors', helpGroup: 'GLOBAL'}),
  }
  // oclif owns --json: run() returns the envelope, printed as the only thing on stdout.
  static override enableJsonFlag = true
  protected flags!: BaseFlags<T>
  protected prompter!: Prompter
  /** Warnings of this run: on stderr in text mode, in the envelope under --json. */
  protected readonly warnings: string[] = []
  private readonly cleanups: (() => void)[] = []
  private interruptController = new AbortController()
  private lastPlainProgress = 0
  private spinner?: {message?: string; started: number; step: string; timer: NodeJS.Timeout}
  /** oclif's ux (the spinner), loaded once when the steps start on a terminal: its own entry, not oclif's whole index. */
  private uxModule?: typeof import('@oclif/core/ux')

  public override async catch(error: Error & {exitCode?: number; oclif?: {exit?: number}}): Promise<unknown> {
    // this.exit() ends a command by throwing; that is not a failure to report.
    if ((error as {code?: string}).code === 'EEXIT') throw error
    this.stopSpinner()
    const json = this.jsonEnabled()
    let exitCode: number
    let diagnosis: Diagnosis | undefined
    let actions: string[] = []
    if (error instanceof UsageError) {
      exitCode = ExitCode.usage
      actions = error.actions
    } else if (error instanceof InterruptedError) exitCode = ExitCode.interrupted
    // oclif's own parse errors (unknown flag, contradicting flags) carry exit 2.
    else if (error.oclif?.exit === ExitCode.usage) exitCode = ExitCode.usage
    else {
      exitCode = ExitCode.checkFailed
      const {diagnose} = await import('./diagnose/index.js')
      diagnosis = diagnose(error)
    }

    if (json) {
      const envelope: JsonEnvelope<never> = {
        error: {actions, diagnosis, message: error.message},
        exitCode,
        status: statusOf(exitCode),
        warnings: this.warnings,
      }
      this.logJson(envelope)
    } else {
      process.stderr.write(`error: ${error.message}\n`)
      for (const action of actions) process.stderr.write(`  try: ${action}\n`)
      if (diagnosis) process.stderr.write(`  cause: ${diagnosis.cause}\n  next:  ${diagnosis.remediation}\n`)
      if (this.flags?.verbose || process.env.DEBUG) process.stderr.write(`${error.stack}\n`)
    }

    this.exit(exitCode)
  }

  protected async clusterClient(cluster: ClusterConfig, services: ServicesConfig | undefined): Promise<ClusterClient> {
    if (cluster.allowInsecure && cluster.endpoint.startsWith('https:'))
      this.warnUser(`TLS certificate verification is off for ${cluster.endpoint} (allow_insecure: true)`)
    const {createClusterClient} = await import('./cluster/client.js')
    return createClusterClient(cluster, {
      onRetry: (request, attempt, reason) =>
        this.showProgress(`retrying ${request.method} ${request.path} (attempt ${attempt + 1}): ${reason}`),
      userAgentExtra: services?.userAgentExtra,
      ...embedding().clusterClientOptions,
    })
  }

  /**
   * The consent the domain asks for, after showing its plan: yes/no, or, for the most destructive
   * plans, the name of what is deleted, typed back or given as --confirm NAME (--yes alone is not enough).
   */
  protected confirmer(options: {
    confirmName?: string
    yes: boolean
  }): (message: string, typed?: string) => Promise<boolean> {
    return async (message, typed) => {
      if (typed !== undefined) {
        if (options.confirmName !== undefined) {
          if (options.confirmName === typed) return true
          throw new UsageError(
            `--confirm "${options.confirmName}" does not name ${typed}, which this would delete: nothing was deleted`,
            [`pass --confirm ${typed} if that is what you mean`],
          )
        }

        if (!this.prompter.interactive)
          throw new UsageError(
            `this deletes ${typed} with data verify did not make: pass --confirm ${typed} (--yes alone is not enough)`,
            [`add --confirm ${typed} to the command, or --dry-run to see the plan`],
          )
        const answer = await this.prompter.ask({
          flag: '--confirm',
          message: `${message}Type ${typed} to confirm`,
          problem: (value) => (value === typed ? undefined : `must be exactly "${typed}"`),
          what: 'the confirmation',
        })
        return answer === typed
      }

      if (options.yes || options.confirmName !== undefined) return true
      return this.prompter.confirm({flag: '--yes', message})
    }
  }

  /** The envelope of a report: what --json prints and run() returns. */
  protected envelope<Result extends {exitCode: number}>(result: Result): JsonEnvelope<Result> {
    return {exitCode: result.exitCode, result, status: statusOf(result.exitCode), warnings: this.warnings}
  }

  /** A value from the services file that this command uses, checked now: the file, field, value and rule are named. */
  protected fileValue<Value extends string | undefined>(
    services: ServicesConfig,
    field: string,
    value: Value,
    problem: (value: string) => string | undefined,
  ): Value {
    const broken = value === undefined ? undefined : problem(value)
    if (broken)
      throw new ServicesFileError(services.file, [
        `${field}: "${redactEndpoint(value!)}" ${broken} (\`console ${this.id?.replaceAll(':', ' ')}\` uses it)`,
      ])
    return value
  }

  public override async finally(error: Error | undefined): Promise<unknown> {
    for (const cleanup of this.cleanups.splice(0)) cleanup()
    return super.finally(error)
  }

  public override async init(): Promise<void> {
    await super.init()
    const {flags} = await this.parse({
      baseFlags: (this.ctor as typeof BaseCommand).baseFlags,
      enableJsonFlag: this.ctor.enableJsonFlag,
      flags: this.ctor.flags,
      strict: this.ctor.strict,
    })
    this.flags = flags as BaseFlags<T>
    const scripted = isScriptedSession({json: this.jsonEnabled(), noPrompt: this.flags['no-prompt']})
    this.prompter = embedding().prompter ?? (scripted ? new ScriptedPrompter() : new TerminalPrompter())
  }

  /** Aborted on the first Ctrl-C; a second one ends the process at once. The listeners go when the command ends. */
  protected interruptSignal(): AbortSignal {
    let interrupts = 0
    const onInterrupt = () => {
      interrupts++
      if (interrupts === 1) {
        this.warnUser('interrupted: cleaning up what this run created (Ctrl-C again to stop at once)')
        this.interruptController.abort()
      } else process.exit(ExitCode.interrupted)
    }

    process.on('SIGINT', onInterrupt)
    process.on('SIGTERM', onInterrupt)
    this.cleanups.push(() => {
      process.off('SIGINT', onInterrupt)
      process.off('SIGTERM', onInterrupt)
    })
    return this.interruptController.signal
  }

  /** problem: why an entry read from the file is not one the console wrote (see Journal). */
  protected journal<Entry extends {runId: string} = JournalEntry>(
    name = 'verify-journal.json',
    problem: (entry: unknown) => string | undefined = verifyEntryProblem,
  ): Journal<Entry> {
    return new Journal<Entry>(path.join(this.config.dataDir, name), problem)
  }

  /** The progress callback the domain calls with counts. */
  protected progress(): (message: string) => void {
    return (message) => this.showProgress(message)
  }

  /** Deleting commands refuse at once in a scripted session without consent: nothing has been sent yet. */
  protected refuseUnconfirmedScriptedDeletion(options: {confirmName?: string; dryRun: boolean; yes: boolean}): void {
    if (!options.yes && options.confirmName === undefined && !options.dryRun && !this.prompter.interactive)
      throw new UsageError('refusing to delete without confirmation in a scripted session: pass --yes', [
        'add --yes to confirm, or --dry-run to see what would be deleted',
      ])
  }

  /** The summary in text mode; the envelope under --json (returned when the run passed, so oclif prints it); then the exit code. */
  protected async report<Result extends StepReport>(report: Result): Promise<JsonEnvelope<Result>> {
    const envelope = this.envelope(report)
    if (this.jsonEnabled()) {
      if (report.exitCode === ExitCode.ok) return envelope
      this.logJson(envelope)
    } else {
      const {renderSummary} = await import('./render/text.js')
      this.log(renderSummary(report, {color: this.useColor()}))
    }

    if (report.exitCode !== ExitCode.ok) this.exit(report.exitCode)
    return envelope
  }

  /** A flag's value, else the file's, else the answer to a prompt (never in a scripted session). */
  protected async resolveValue(
    flagValue: string | undefined,
    fileValue: string | undefined,
    question: Question,
  ): Promise<string> {
    return flagValue ?? fileValue ?? this.prompter.ask(question)
  }

  /** One S3 client per region and endpoint, created when a bucket is first touched. */
  protected s3Clients(
    services: ServicesConfig | undefined,
  ): (storage: {endpoint?: string; region: string}) => Promise<S3Client> {
    const clients = new Map<string, Promise<S3Client>>()
    return (storage) => {
      const key = `${storage.region} ${storage.endpoint ?? ''}`
      let client = clients.get(key)
      if (!client) {
        client = import('./storage/s3.js').then(({createS3Client}) =>
          createS3Client(storage, {userAgentExtra: services?.userAgentExtra}),
        )
        clients.set(key, client)
      }

      return client
    }
  }

  /**
   * The services file as the config hook read it; undefined when there is none. Fields the plugin does
   * not know are named in one warning (a newer console may write them); a Solr source ends here.
   */
  protected async services(): Promise<ServicesConfig | undefined> {
    const outcome = await readServicesOnce(this.config, this.flags['config-file'])
    if (outcome.error) throw outcome.error
    const {services} = outcome
    if (services?.unknownFields.length)
      this.warnUser(`${services.file}: fields this plugin does not know, ignored: ${services.unknownFields.join(', ')}`)
    if (isSolrSource(services))
      throw new ServicesFileError(services!.file, [
        `the source is Solr (${services!.sourceCluster?.version ? `source_cluster.version ${services!.sourceCluster.version}` : 'snapshot.solr_collections'}): Solr has no snapshot repository (the console backs it up as files), so there is nothing for \`console ${this.id?.replaceAll(':', ' ')}\` to verify or delete; use the console's own \`console snapshot create\` and \`status\` for Solr backups`,
      ])
    return services
  }

  /** Live progress of the running step: in the spinner on a terminal, at most one plain line per 10 s elsewhere. */
  protected showProgress(message: string): void {
    if (this.jsonEnabled()) return
    if (this.spinner) {
      this.spinner.message = message
      this.refreshSpinner()
      return
    }

    if (process.stderr.isTTY) return
    if (Date.now() - this.lastPlainProgress < 10_000) return
    this.lastPlainProgress = Date.now()
    process.stderr.write(`  … ${message}\n`)
  }

  protected async sourceCluster(services: ServicesConfig | undefined): Promise<ClusterConfig> {
    const fromFile = services?.sourceCluster
    const endpoint = (
      await this.resolveValue(checkedFlag('--endpoint', this.flags.endpoint, endpointProblem), fromFile?.endpoint, {
        flag: '--endpoint',
        message: 'Source cluster endpoint (https://host:port)',
        problem: endpointProblem,
        what: 'the source cluster endpoint',
      })
    ).replace(/\/+$/, '')
    let auth = fromFile?.auth ?? {kind: 'none'}
    // The file's credentials belong to the file's host: another host gets them only when asked for.
    if (
      fromFile &&
      auth.kind !== 'none' &&
      new URL(endpoint).host !== new URL(fromFile.endpoint).host &&
      !this.flags['keep-auth']
    ) {
      this.warnUser(
        `--endpoint ${endpoint} is not ${fromFile.endpoint}: the services file's ${auth.kind === 'sigv4' ? 'sigv4 signing' : 'credentials'} are not sent there (pass --keep-auth to send them)`,
      )
      auth = {kind: 'none'}
    }

    const signing = auth.kind === 'sigv4' && endpoint === fromFile?.endpoint ? fromFile.sigv4SigningEndpoint : undefined
    return {
      allowInsecure: fromFile?.allowInsecure ?? false,
      auth,
      endpoint,
      sigv4SigningEndpoint: signing,
      version: fromFile?.version,
    }
  }

  /**
   * Each step as it runs: on a terminal a spinner with the step, its elapsed time and live progress
   * (counts, retries), then the step's line; elsewhere one plain line per step. Nothing under --json.
   */
  protected async stepPrinter(): Promise<StepEvents> {
    if (this.jsonEnabled()) return {}
    const {renderStepLine} = await import('./render/text.js')
    if (process.stderr.isTTY) this.uxModule = await import('@oclif/core/ux')
    let stepNumber = 0
    const color = this.useColor()
    return {
      onStepEnd: (step) => {
        this.stopSpinner()
        this.log(renderStepLine(step, ++stepNumber, {color}))
      },
      onStepStart: (step) => {
        if (!process.stderr.isTTY) return
        const {ux} = this.uxModule!
        const label = `${stepNumber + 1}. ${step.title}`
        const started = Date.now()
        ux.action.start(label, '0 s')
        const timer = setInterval(() => this.refreshSpinner(), 1000)
        timer.unref()
        this.spinner = {started, step: label, timer}
        this.cleanups.push(() => this.stopSpinner())
      },
    }
  }

  /** Whether the report may use colour: a terminal, no NO_COLOR, no --no-color. */
  protected useColor(): boolean {
    return Boolean(process.stdout.isTTY) && !process.env.NO_COLOR && !this.flags?.['no-color']
  }

  protected warnUser(message: string): void {
    this.warnings.push(message)
    if (!this.jsonEnabled()) {
      this.pauseSpinner()
      process.stderr.write(`warning: ${message}\n`)
    }
  }

  private pauseSpinner(): void {
    if (this.spinner && this.uxModule) this.uxModule.ux.action.pause(() => {})
  }

  private refreshSpinner(): void {
    if (!this.spinner || !this.uxModule) return
    const seconds = Math.round((Date.now() - this.spinner.started) / 1000)
    this.uxModule.ux.action.status = `${seconds} s${this.spinner.message ? `, ${this.spinner.message}` : ''}`
  }

  private stopSpinner(): void {
    if (!this.spinner) return
    clearInterval(this.spinner.timer)
    this.uxModule?.ux.action.stop()
    // The step's own line (with its time) follows on stdout: the spinner's last line is taken back.
    process.stderr.write('\u001B[1A\u001B[2K')
    this.spinner = undefined
  }
}
