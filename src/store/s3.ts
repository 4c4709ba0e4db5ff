import type {S3Client} from '@aws-sdk/client-s3'

import type {S3Storage} from '../services/model.js'

import {debugEnabled, debugRequest} from '../debug.js'
import {InterruptedError} from '../errors.js'
import {PLUGIN_USER_AGENT} from '../user-agent.js'
import {requireS3Answers} from './s3-answer.js'

export interface S3ClientOptions {
  /** How long a bulk operation (DeleteObjects) waits for its answer to begin. */
  bulkRequestTimeoutMs?: number
  /** How long a connection may take to open. */
  connectionTimeoutMs?: number
  /** Fixed credentials (tests); otherwise the SDK's default chain, as the console uses it. */
  credentials?: {accessKeyId: string; secretAccessKey: string; sessionToken?: string}
  /** How long an answer that is flowing may pause (a large GetObject, a long listing page). */
  idleTimeoutMs?: number
  maxAttempts?: number
  /** How long a small control request (HeadBucket, a listing page, a probe) waits for its answer to begin. */
  requestTimeoutMs?: number
  userAgentExtra?: string
}

/**
 * Each attempt is bounded, and the SDK's retries multiply it (4 attempts): a store that accepts
 * connections and never answers is named within about 20 s of a control request, not minutes.
 * DeleteObjects gets longer, as the server works through up to 1,000 keys before its answer begins.
 */
export const S3_TIMEOUTS = {
  bulkRequestTimeoutMs: 30_000,
  connectionTimeoutMs: 5000,
  idleTimeoutMs: 60_000,
  requestTimeoutMs: 5000,
}

/** Operations whose answer may take long to begin, for the work the server does first. */
const BULK_OPERATIONS = new Set(['DeleteObjects'])

/** Each client's wait for a bulk operation's answer. */
const bulkTimeouts = new WeakMap<S3Client, number>()

/**
 * The URL of an endpoint as the repository plugin reads it: without a scheme it is https, or the
 * repository's `protocol` setting when one is given (`endpoint: host:9000, protocol: http`).
 */
export function endpointUrl(endpoint: string, protocol?: unknown): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(endpoint)) return endpoint
  return `${protocol === 'http' ? 'http' : 'https'}://${endpoint}`
}

/** The console's own S3 client for the repository's bucket, loaded only when a bucket is touched. */
/** The S3 clients of a run, one per region and endpoint, made when a bucket is first touched. */
export type S3Clients = (target: Pick<S3Storage, 'endpoint' | 'region'>) => Promise<S3Client>

export async function createS3Client(
  storage: Pick<S3Storage, 'endpoint' | 'region'>,
  options: S3ClientOptions = {},
): Promise<S3Client> {
  // The SDK warns on every run under Node 20 that future versions will need Node 22; it is noise for a CLI user.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'
  const [{S3Client}, {NodeHttpHandler}] = await Promise.all([
    import('@aws-sdk/client-s3'),
    import('@smithy/node-http-handler'),
  ])
  const client = new S3Client({
    credentials: options.credentials,
    customUserAgent: [PLUGIN_USER_AGENT, options.userAgentExtra].filter(Boolean).join(' '),
    // The repository plugin takes an endpoint without a scheme (https is meant); the SDK needs one.
    endpoint: storage.endpoint === undefined ? undefined : endpointUrl(storage.endpoint),
    // S3-compatible stores want path-style addressing and no default request checksums.
    forcePathStyle: storage.endpoint !== undefined,
    // AWS_MAX_ATTEMPTS, when set, is the user's choice; otherwise one attempt more than the SDK's default.
    maxAttempts: options.maxAttempts ?? (process.env.AWS_MAX_ATTEMPTS ? undefined : 4),
    region: storage.region,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    // Without these a silent store holds a call forever. requestTimeout bounds the wait for an answer's
    // headers (sendS3 lengthens it for bulk operations), socketTimeout a pause once the answer flows.
    requestHandler: new NodeHttpHandler({
      connectionTimeout: options.connectionTimeoutMs ?? S3_TIMEOUTS.connectionTimeoutMs,
      requestTimeout: options.requestTimeoutMs ?? S3_TIMEOUTS.requestTimeoutMs,
      socketTimeout: options.idleTimeoutMs ?? S3_TIMEOUTS.idleTimeoutMs,
      // Without it the handler only logs a warning when the timeout passes, and keeps waiting.
      throwOnRequestTimeout: true,
    }),
    responseChecksumValidation: 'WHEN_REQUIRED',
  })
  bulkTimeouts.set(client, options.bulkRequestTimeoutMs ?? S3_TIMEOUTS.bulkRequestTimeoutMs)
  addEndpointToFailures(
    client,
    storage.endpoint === undefined ? `https://s3.${storage.region}.amazonaws.com` : endpointUrl(storage.endpoint),
  )
  requireS3Answers(client)
  if (debugEnabled('s3')) addRequestLog(client)
  return client
}

/** Every failure, after the SDK's retries, carries the endpoint it came from. */
function addEndpointToFailures(client: S3Client, endpoint: string): void {
  client.middlewareStack.add(
    (next) => async (args) => {
      try {
        return await next(args)
      } catch (error) {
        if (error && typeof error === 'object') Object.assign(error, {consoleEndpoint: endpoint})
        throw error
      }
    },
    {name: 'consoleFailureEndpoint', priority: 'high', step: 'initialize'},
  )
}

/** One debug line per HTTP attempt, inside the SDK's retry loop. */
function addRequestLog(client: S3Client): void {
  client.middlewareStack.add(
    (next) => async (args) => {
      const request = args.request as {headers?: Record<string, string>; method?: string; path?: string}
      const started = Date.now()
      // The SDK numbers its own attempts in this header: "attempt=2; max=4".
      const attempt = Number(/attempt=(\d+)/.exec(request.headers?.['amz-sdk-request'] ?? '')?.[1] ?? 1)
      const line = {attempt, method: request.method ?? '?', path: request.path ?? '?'}
      try {
        const output = await next(args)
        debugRequest('s3', {
          ...line,
          durationMs: Date.now() - started,
          status: (output.response as {statusCode?: number}).statusCode ?? '?',
        })
        return output
      } catch (error) {
        const status =
          (error as {$metadata?: {httpStatusCode?: number}}).$metadata?.httpStatusCode ?? (error as Error).name
        debugRequest('s3', {...line, durationMs: Date.now() - started, status})
        throw error
      }
    },
    {name: 'consoleRequestLog', priority: 'low', step: 'finalizeRequest'},
  )
}

/** What went wrong with an S3 call, in the terms the diagnoses match on. */
export interface S3Failure {
  bucketRegion?: string
  /** The store's URL, when the failure came through a client of createS3Client. */
  endpoint?: string
  message: string
  name: string
  operation: string
  status?: number
}

export function describeS3Error(operation: string, error: unknown): S3Failure {
  const candidate = error as {
    $metadata?: {httpStatusCode?: number}
    $response?: {headers?: Record<string, string>}
    Code?: string
    code?: string
    consoleEndpoint?: string
    message?: string
    name?: string
  }
  const status = candidate.$metadata?.httpStatusCode
  const headers = candidate.$response?.headers ?? {}
  const name =
    candidate.Code ??
    (candidate.name && candidate.name !== 'Error' ? candidate.name : (candidate.code ?? 'UnknownError'))
  const message = candidate.message && candidate.message !== 'UnknownError' ? candidate.message : name
  return {
    bucketRegion: headers['x-amz-bucket-region'],
    endpoint: candidate.consoleEndpoint,
    message,
    name,
    operation,
    status,
  }
}

export class S3OperationError extends Error {
  constructor(readonly failure: S3Failure) {
    super(
      `${failure.operation} failed: ${failure.name}${failure.status ? ` (${failure.status})` : ''}${failure.message && failure.message !== failure.name ? `: ${failure.message}` : ''}`,
    )
    this.name = 'S3OperationError'
  }
}

/** Whether an S3 call failed because the caller's credentials may not make it (403 AccessDenied). */
export const isAccessDenied = (error: unknown): boolean =>
  error instanceof S3OperationError && (error.failure.status === 403 || error.failure.name === 'AccessDenied')

/** Runs one S3 call; a failure becomes an S3OperationError that names the operation, an abort an InterruptedError. */
export async function s3Call<T>(operation: string, call: () => Promise<T>, signal?: AbortSignal): Promise<T> {
  if (signal?.aborted) throw new InterruptedError()
  try {
    return await call()
  } catch (error) {
    if (signal?.aborted || (error as Error).name === 'AbortError') throw new InterruptedError()
    throw new S3OperationError(describeS3Error(operation, error))
  }
}

/** Sends one command with the run's abort signal, so Ctrl-C (or a cleanup budget) ends it at once. */
export function sendS3<Output = unknown>(
  s3: S3Client,
  operation: string,
  command: object,
  signal?: AbortSignal,
): Promise<Output> {
  // Each command class has its own input type; the client's send is the same for all of them.
  const send = s3.send.bind(s3) as (
    command: object,
    options: {abortSignal?: AbortSignal; requestTimeout?: number},
  ) => Promise<Output>
  const requestTimeout = BULK_OPERATIONS.has(operation) ? bulkTimeouts.get(s3) : undefined
  return s3Call(operation, () => send(command, {abortSignal: signal, requestTimeout}), signal)
}

/**
 * Every page of a paginated listing. A store that hands out the same marker twice would make the
 * listing loop forever: that ends with an error naming the operation.
 */
export async function* listPages<Page>(
  operation: string,
  fetchPage: (marker: string | undefined) => Promise<Page>,
  nextMarker: (page: Page) => string | undefined,
): AsyncGenerator<Page> {
  const seen = new Set<string>()
  let marker: string | undefined
  for (;;) {
    const page = await fetchPage(marker)
    yield page
    marker = nextMarker(page)
    if (marker === undefined) return
    if (seen.has(marker))
      throw new S3OperationError({
        message: 'the store returned a continuation marker it had already returned; the listing would never end',
        name: 'RepeatedContinuationToken',
        operation,
      })
    seen.add(marker)
  }
}

/** One page of ListObjectsV2, as the plugin reads it. */
export interface ObjectListingPage {
  CommonPrefixes?: {Prefix?: string}[]
  Contents?: {Key?: string; Size?: number}[]
  IsTruncated?: boolean
  NextContinuationToken?: string
}

/** How a caller runs each request of a longer piece of work: as it is, or patiently (see pace.ts). */
export type Patience = <T>(call: () => Promise<T>) => Promise<T>

export const atOnce: Patience = (call) => call()

/** Every page of ListObjectsV2 under a prefix (optionally grouped by a delimiter), bounded as listPages is. */
export async function* listObjectPages(
  s3: S3Client,
  request: {Bucket: string; Delimiter?: string; Prefix?: string},
  signal?: AbortSignal,
  patience: Patience = atOnce,
): AsyncGenerator<ObjectListingPage> {
  const {ListObjectsV2Command} = await import('@aws-sdk/client-s3')
  yield* listPages<ObjectListingPage>(
    'ListObjectsV2',
    (token) =>
      patience(() =>
        sendS3(s3, 'ListObjectsV2', new ListObjectsV2Command({...request, ContinuationToken: token}), signal),
      ),
    (page) => (page.IsTruncated ? page.NextContinuationToken : undefined),
  )
}
