import type {Interfaces} from '@oclif/core'

import {Command} from '@oclif/core/command'
import * as Flags from '@oclif/core/flags'
import path from 'node:path'

import type {ClusterClientOptions} from './cluster/client.js'
import type {Diagnosis} from './diagnose/index.js'
import type {JsonEnvelope} from './json-contract.js'
import type {StepProgress} from './render/progress.js'
import type {StepReport} from './steps/report.js'
import type {StepEvents} from './steps/runner.js'
import type {JournalEntry} from './verify/journal.js'

import {type Confirm, confirmer, type ConsentFlags, refuseUnconfirmedScriptedDeletion} from './consent.js'
import {setVerbosity} from './debug.js'
import {InterruptedError, Refusal} from './errors.js'
import {ExitCode, statusOf} from './exit-codes.js'
import {Journal} from './journal.js'
import {isScriptedSession, type Prompter, ScriptedPrompter, TerminalPrompter} from './prompts.js'
import {RunSession} from './session.js'
import {verifyEntryProblem} from './verify/journal.js'

/**
 * What a host that embeds these commands (or a test) may provide instead of the defaults: the
 * prompt seam and cluster client settings.
 */
export interface Embedding {
  clusterClientOptions?: ClusterClientOptions
  prompter?: Prompter
}
const hostChoice: Embedding = {}
export function embedding(): Embedding {
  return hostChoice
}

export type BaseFlags<T extends typeof Command> = Interfaces.InferredFlags<
  (typeof BaseCommand)['baseFlags'] & T['flags']
>

/**
 * Everything the three commands share: the run's session (services file, cluster, S3), the prompt seam,
 * consent, progress, Ctrl-C, and one error path that turns any failure into text or JSON and an exit code.
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
    'force-use-config-file': Flags.boolean({
      description:
        "as the console's CLI takes it; this plugin always reads the services file (never the Kubernetes workflow's configuration)",
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
    // -v / -vv / --verbose as the console's CLI counts them; before or after the command.
    verbose: Flags.boolean({
      char: 'v',
      description:
        'log each request on stderr (method, path, status, time; as DEBUG=console:*) and show stack traces of unexpected errors (-vv, as the console writes it, is taken too)',
      helpGroup: 'GLOBAL',
    }),
  }
  // oclif owns --json: run() returns the envelope, printed as the only thing on stdout.
  static override enableJsonFlag = true
  protected flags!: BaseFlags<T>
  /** Live progress of the running step (counts, retries): the callback the domain calls. */
  protected readonly progress = (message: string): void => {
    if (!this.jsonEnabled()) this.stepProgress?.show(message)
  }
  protected prompter!: Prompter
  /** Warnings of this run: on stderr in text mode, in the envelope under --json. */
  protected readonly warnings: string[] = []
  private readonly cleanups: (() => void)[] = []
  private interruptController = new AbortController()
  /** Created when the steps start, and only in text mode. */
  private stepProgress?: StepProgress

  public override async catch(error: Error & {exitCode?: number; oclif?: {exit?: number}}): Promise<unknown> {
    // this.exit() ends a command by throwing; that is not a failure to report.
    if ((error as {code?: string}).code === 'EEXIT') throw error
    this.stepProgress?.stop()
    const json = this.jsonEnabled()
    let exitCode: number
    let diagnosis: Diagnosis | undefined
    let actions: string[] = []
    // A refusal of the command line or of a location the plugin cannot prove: exit 2, with what to do instead.
    const refused = error instanceof Refusal ? error : undefined
    if (refused) {
      exitCode = ExitCode.usage
      actions = refused.actions
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

  /** The domain's consent callback: the plan is shown, then yes/no or the name typed back (see consent.ts). */
  protected confirmer(flags: ConsentFlags): Confirm {
    return confirmer(this.prompter, flags)
  }

  /** The envelope of a report: what --json prints and run() returns. */
  protected envelope<Result extends {exitCode: number}>(result: Result): JsonEnvelope<Result> {
    return {exitCode: result.exitCode, result, status: statusOf(result.exitCode), warnings: this.warnings}
  }

  public override async finally(error: Error | undefined): Promise<unknown> {
    for (const cleanup of this.cleanups.splice(0)) cleanup()
    this.stepProgress?.stop()
    return super.finally(error)
  }

  public override async init(): Promise<void> {
    await super.init()
    const {flags, raw} = await this.parse({
      baseFlags: (this.ctor as typeof BaseCommand).baseFlags,
      enableJsonFlag: this.ctor.enableJsonFlag,
      flags: this.ctor.flags,
      strict: this.ctor.strict,
    })
    this.flags = flags as BaseFlags<T>
    // -vv is one token that oclif reads as --verbose twice.
    setVerbosity(raw.filter((token) => token.type === 'flag' && token.flag === 'verbose').length)
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

  /** The session of this run: the services file read by the config hook, and the clients resolved from it once. */
  protected openSession(): Promise<RunSession> {
    return RunSession.open({
      clusterClientOptions: embedding().clusterClientOptions,
      command: this.id?.replaceAll(':', ' ') ?? '',
      configFile: this.flags['config-file'],
      endpoint: this.flags.endpoint,
      keepAuth: this.flags['keep-auth'],
      owner: this.config,
      progress: this.progress,
      prompter: this.prompter,
      warn: (message) => this.warnUser(message),
    })
  }

  /** Deleting commands refuse at once in a scripted session without consent: nothing has been sent yet. */
  protected refuseUnconfirmedScriptedDeletion(flags: ConsentFlags): void {
    refuseUnconfirmedScriptedDeletion(this.prompter, flags)
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

  /** Each step as it runs (see render/progress.ts); nothing under --json. */
  protected async stepPrinter(): Promise<StepEvents> {
    if (this.jsonEnabled()) return {}
    const {StepProgress} = await import('./render/progress.js')
    this.stepProgress = await StepProgress.create({
      color: this.useColor(),
      log: (line) => this.log(line),
      terminal: Boolean(process.stderr.isTTY),
    })
    return this.stepProgress.events()
  }

  /** Whether the report may use colour: a terminal, no NO_COLOR, no --no-color. */
  protected useColor(): boolean {
    return Boolean(process.stdout.isTTY) && !process.env.NO_COLOR && !this.flags?.['no-color']
  }

  protected warnUser(message: string): void {
    this.warnings.push(message)
    if (!this.jsonEnabled()) {
      this.stepProgress?.pause()
      process.stderr.write(`warning: ${message}\n`)
    }
  }
}
