import type {S3Client} from '@aws-sdk/client-s3'

import type {ClusterClient, ClusterClientOptions} from './cluster/client.js'
import type {Locations} from './location/open.js'
import type {Prompter, Question} from './prompts.js'

import {UsageError} from './errors.js'
import {endpointProblem, redactEndpoint} from './names.js'
import {ServicesFileError} from './services/load.js'
import {type ClusterConfig, isSolrSource, type S3Storage, s3StorageOf, type ServicesConfig} from './services/model.js'
import {readServicesOnce} from './services/shared.js'

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

export interface SessionOptions {
  clusterClientOptions?: ClusterClientOptions
  /** The command as the user types it (`snapshot delete`), for messages. */
  command: string
  configFile?: string
  /** --endpoint and --keep-auth. */
  endpoint?: string
  keepAuth: boolean
  /** What holds the config hook's reading of the services file (the run's oclif Config). */
  owner: object
  /** Live progress (cluster retries). */
  progress: (message: string) => void
  prompter: Prompter
  warn: (message: string) => void
}

/**
 * The values one run works with, each resolved once from a flag, the services file or a prompt:
 * the services file, the source cluster and its client, the S3 clients. Knows nothing of oclif.
 */
export class RunSession {
  private cluster?: Promise<ClusterClient>
  private clusterConfig?: Promise<ClusterConfig>
  private locationFactory?: Locations
  /** One S3 client per region and endpoint, created when a bucket is first touched. */
  private readonly s3 = (storage: {endpoint?: string; region: string}): Promise<S3Client> => {
    const key = `${storage.region} ${storage.endpoint ?? ''}`
    let client = this.s3Clients.get(key)
    if (!client) {
      client = import('./store/s3.js').then(({createS3Client}) =>
        createS3Client(storage, {userAgentExtra: this.services?.userAgentExtra}),
      )
      this.s3Clients.set(key, client)
    }

    return client
  }
  private readonly s3Clients = new Map<string, Promise<S3Client>>()

  private constructor(
    /** The services file as the config hook read it; undefined when there is none. */
    readonly services: ServicesConfig | undefined,
    private readonly options: SessionOptions,
  ) {}

  /**
   * Fields the plugin does not know are named in one warning (a newer console may write them);
   * an unusable file or a Solr source ends the run here.
   */
  static async open(options: SessionOptions): Promise<RunSession> {
    const outcome = await readServicesOnce(options.owner, options.configFile)
    if (outcome.error) throw outcome.error
    const {services} = outcome
    if (services?.unknownFields.length)
      options.warn(`${services.file}: fields this plugin does not know, ignored: ${services.unknownFields.join(', ')}`)
    if (services && isSolrSource(services))
      throw new ServicesFileError(services.file, [
        `the source is Solr (source_cluster.version ${services.sourceCluster!.version}): Solr has no snapshot repository (the console backs it up as files), so there is nothing for \`console ${options.command}\` to verify or delete; use the console's own \`console snapshot create\` and \`status\` for Solr backups`,
      ])
    return new RunSession(services, options)
  }

  /** The services file's S3 storage: the bucket, region and endpoint of a registration that lacks them. */
  get s3Fallback(): S3Storage | undefined {
    return s3StorageOf(this.services)
  }

  /** The source cluster's client, created once (the endpoint asked for when neither flag nor file gives it). */
  clusterClient(): Promise<ClusterClient> {
    this.cluster ??= this.sourceCluster().then(async (cluster) => {
      if (cluster.allowInsecure && cluster.endpoint.startsWith('https:'))
        this.options.warn(`TLS certificate verification is off for ${cluster.endpoint} (allow_insecure: true)`)
      const {createClusterClient} = await import('./cluster/client.js')
      return createClusterClient(cluster, {
        onRetry: (request, attempt, reason) =>
          this.options.progress(`retrying ${request.method} ${request.path} (attempt ${attempt + 1}): ${reason}`),
        userAgentExtra: this.services?.userAgentExtra,
        ...this.options.clusterClientOptions,
      })
    })
    return this.cluster
  }

  /** A value from the services file that this command uses, checked now: the file, field, value and rule are named. */
  fileValue<Value extends string | undefined>(
    field: string,
    value: Value,
    problem: (value: string) => string | undefined,
  ): Value {
    const broken = value === undefined ? undefined : problem(value)
    if (broken)
      throw new ServicesFileError(this.services?.file ?? 'the services file', [
        `${field}: "${redactEndpoint(value!)}" ${broken} (\`console ${this.options.command}\` uses it)`,
      ])
    return value
  }

  /**
   * Where repositories are: one factory of locations per run, the only holder of the run's S3 clients (a location's
   * files reach their bucket through it).
   */
  async locations(): Promise<Locations> {
    const {Locations} = await import('./location/open.js')
    this.locationFactory ??= new Locations(this.s3)
    return this.locationFactory
  }

  /** A flag's value, else the file's, else the answer to a prompt (never in a scripted session). */
  async resolveValue(
    flagValue: string | undefined,
    fileValue: string | undefined,
    question: Question,
  ): Promise<string> {
    return flagValue ?? fileValue ?? this.options.prompter.ask(question)
  }

  /** The cluster every command talks to: --endpoint, else the file's, else asked once; the file's credentials stay with its host. */
  sourceCluster(): Promise<ClusterConfig> {
    this.clusterConfig ??= this.resolveSourceCluster()
    return this.clusterConfig
  }

  private async resolveSourceCluster(): Promise<ClusterConfig> {
    const fromFile = this.services?.sourceCluster
    const endpoint = (
      await this.resolveValue(checkedFlag('--endpoint', this.options.endpoint, endpointProblem), fromFile?.endpoint, {
        flag: '--endpoint',
        message: 'Source cluster endpoint (https://host:port)',
        problem: endpointProblem,
        what: 'the source cluster endpoint',
      })
    ).replace(/\/+$/, '')
    let auth = fromFile?.auth ?? {kind: 'none'}
    if (
      fromFile &&
      auth.kind !== 'none' &&
      new URL(endpoint).host !== new URL(fromFile.endpoint).host &&
      !this.options.keepAuth
    ) {
      this.options.warn(
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
}
