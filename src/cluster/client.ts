import type {ClusterConfig} from '../services/model.js'

import {debugRequest} from '../debug.js'
import {InterruptedError} from '../errors.js'
import {PLUGIN_USER_AGENT} from '../user-agent.js'
import {type AuthDependencies, authorizerFor} from './auth.js'

export interface RetryPolicy {
  baseDelayMs: number
  maxDelayMs: number
  /** Attempts after the first. */
  retries: number
}

export const DEFAULT_RETRY: RetryPolicy = {baseDelayMs: 500, maxDelayMs: 8000, retries: 3}

export interface ClusterRequest {
  body?: unknown
  /**
   * Whether sending it twice has the same effect as once. A request that is not is retried
   * only when it certainly never reached the cluster (refused connection, 429, 503).
   */
  idempotent: boolean
  method: 'DELETE' | 'GET' | 'HEAD' | 'POST' | 'PUT'
  path: string
  query?: Record<string, string>
  /** Attempts after the first, instead of the client's policy (0: a wait that must end once, naming who is silent). */
  retries?: number
  timeoutMs?: number
}

export interface ClusterResponse<T = unknown> {
  body: T
  status: number
}

/** A cluster error body: {"error":{"type","reason","caused_by",...},"status"}. */
export interface ClusterErrorCause {
  caused_by?: ClusterErrorCause
  reason?: null | string
  root_cause?: ClusterErrorCause[]
  suppressed?: ClusterErrorCause[]
  type?: string
}

/** A request that failed: at the network (code) or with an error status (status, body). */
export class ClusterRequestError extends Error {
  constructor(
    readonly method: string,
    readonly path: string,
    readonly endpoint: string,
    readonly status: number | undefined,
    readonly body: unknown,
    readonly code: string | undefined,
    message: string,
  ) {
    super(message)
    this.name = 'ClusterRequestError'
  }

  /** The structured error the cluster sent, if it sent one. */
  get clusterError(): ClusterErrorCause | undefined {
    const error = (this.body as undefined | {error?: unknown})?.error
    return typeof error === 'object' && error !== null ? (error as ClusterErrorCause) : undefined
  }

  get request(): string {
    return `${this.method} ${this.path}`
  }
}

export interface ClusterClient {
  readonly endpoint: string
  send<T = unknown>(request: ClusterRequest, signal?: AbortSignal): Promise<ClusterResponse<T>>
}

export interface ClusterClientOptions extends AuthDependencies {
  /** Called before each retry, for progress on a terminal. */
  onRetry?: (request: ClusterRequest, attempt: number, reason: string) => void
  retry?: RetryPolicy
  timeoutMs?: number
  userAgentExtra?: string
}

const TRANSIENT_NETWORK_CODES = new Set([
  'EAI_AGAIN',
  'ECONNABORTED',
  'ECONNREFUSED',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'ETIMEDOUT',
])
const NEVER_SENT_CODES = new Set(['EAI_AGAIN', 'ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH'])

function retryDelay(policy: RetryPolicy, attempt: number, retryAfterSeconds?: number): number {
  if (retryAfterSeconds !== undefined && Number.isFinite(retryAfterSeconds))
    return Math.min(policy.maxDelayMs, Math.max(0, retryAfterSeconds * 1000))
  const exponential = policy.baseDelayMs * 2 ** (attempt - 1)
  return Math.min(policy.maxDelayMs, exponential / 2 + Math.random() * (exponential / 2))
}

/** Whether a failed attempt may be repeated, given what it was and how it failed. */
export function isRetryable(
  request: ClusterRequest,
  failure: {code?: string; status?: number; structured?: boolean},
): boolean {
  if (failure.status === 429 || failure.status === 503) return true
  if (failure.code !== undefined)
    return request.idempotent ? TRANSIENT_NETWORK_CODES.has(failure.code) : NEVER_SENT_CODES.has(failure.code)
  if (!request.idempotent || failure.status === undefined) return false
  if (failure.status === 502 || failure.status === 504) return true
  // A 500 with a structured cluster error (repository_verification_exception, ...) is an answer, not a fault.
  return failure.status === 500 && !failure.structured
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new InterruptedError())
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    const onAbort = () => {
      clearTimeout(timer)
      reject(new InterruptedError())
    }

    signal?.addEventListener('abort', onAbort, {once: true})
  })
}

export function createClusterClient(cluster: ClusterConfig, options: ClusterClientOptions = {}): ClusterClient {
  const authorize = authorizerFor(cluster.auth, {
    ...options,
    signingEndpoint: options.signingEndpoint ?? cluster.sigv4SigningEndpoint,
  })
  const policy = options.retry ?? DEFAULT_RETRY
  const userAgent = [PLUGIN_USER_AGENT, options.userAgentExtra].filter(Boolean).join(' ')
  const {endpoint} = cluster

  async function attempt<T>(
    request: ClusterRequest,
    attemptNumber: number,
    signal?: AbortSignal,
  ): Promise<ClusterResponse<T>> {
    const started = Date.now()
    const line = {attempt: attemptNumber, method: request.method, path: request.path}
    try {
      const response = await attemptOnce<T>(request, signal)
      debugRequest('cluster', {...line, durationMs: Date.now() - started, status: response.status})
      return response
    } catch (error) {
      debugRequest('cluster', {...line, durationMs: Date.now() - started, status: networkCode(error)})
      throw error
    }
  }

  async function attemptOnce<T>(request: ClusterRequest, signal?: AbortSignal): Promise<ClusterResponse<T>> {
    const {default: got} = await import('got')
    const url = new URL(endpoint + (request.path.startsWith('/') ? request.path : `/${request.path}`))
    for (const [key, value] of Object.entries(request.query ?? {})) url.searchParams.set(key, value)
    const body = request.body === undefined ? undefined : JSON.stringify(request.body)
    const headers: Record<string, string> = {accept: 'application/json', 'user-agent': userAgent}
    if (body !== undefined) headers['content-type'] = 'application/json'
    const signedHeaders = await authorize({body, headers, method: request.method, url})
    const response = await got(url, {
      body,
      followRedirect: false,
      headers: signedHeaders,
      https: {rejectUnauthorized: !cluster.allowInsecure},
      method: request.method,
      retry: {limit: 0},
      signal,
      throwHttpErrors: false,
      timeout: {request: request.timeoutMs ?? options.timeoutMs ?? 30_000},
    })
    let parsed: unknown = response.body
    if (typeof response.body === 'string' && response.body.length > 0) {
      try {
        parsed = JSON.parse(response.body)
      } catch {
        parsed = response.body
      }
    }

    const answer: ClusterResponse<T> & {retryAfter?: string} = {
      body: parsed as T,
      retryAfter: response.headers['retry-after'],
      status: response.statusCode,
    }
    return answer
  }

  async function send<T>(request: ClusterRequest, signal?: AbortSignal): Promise<ClusterResponse<T>> {
    for (let attemptNumber = 1; ; attemptNumber++) {
      if (signal?.aborted) throw new InterruptedError()
      let failure: {
        code?: string
        error: ClusterRequestError
        retryAfter?: number
        status?: number
        structured?: boolean
      }
      try {
        const response = (await attempt<T>(request, attemptNumber, signal)) as ClusterResponse<T> & {
          retryAfter?: string
        }
        if (response.status < 400) return {body: response.body, status: response.status}
        const error = new ClusterRequestError(
          request.method,
          request.path,
          endpoint,
          response.status,
          response.body,
          undefined,
          describeHttpFailure(request, response.status, response.body),
        )
        failure = {
          error,
          retryAfter: response.retryAfter === undefined ? undefined : Number(response.retryAfter),
          status: response.status,
          structured: error.clusterError !== undefined,
        }
      } catch (error) {
        if (error instanceof InterruptedError) throw error
        if (signal?.aborted) throw new InterruptedError()
        const code = networkCode(error)
        failure = {
          code,
          error: new ClusterRequestError(
            request.method,
            request.path,
            endpoint,
            undefined,
            undefined,
            code,
            `${request.method} ${request.path} at ${endpoint}: ${networkMessage(error, code)}`,
          ),
        }
      }

      if (attemptNumber > (request.retries ?? policy.retries) || !isRetryable(request, failure)) throw failure.error
      options.onRetry?.(request, attemptNumber, failure.error.message)
      await sleep(retryDelay(policy, attemptNumber, failure.retryAfter), signal)
    }
  }

  return {endpoint, send}
}

function networkCode(error: unknown): string {
  const candidate = error as {cause?: {code?: string}; code?: string; name?: string}
  if (candidate.name === 'TimeoutError' || candidate.code === 'ETIMEDOUT') return 'ETIMEDOUT'
  return candidate.cause?.code ?? candidate.code ?? 'EUNKNOWN'
}

function networkMessage(error: unknown, code: string): string {
  switch (code) {
    case 'EAI_AGAIN': {
      return 'host name lookup failed temporarily (DNS)'
    }

    case 'ECONNREFUSED': {
      return 'connection refused'
    }

    case 'ECONNRESET': {
      return 'connection reset by the server'
    }

    case 'ENOTFOUND': {
      return 'host name not found (DNS)'
    }

    case 'ETIMEDOUT': {
      return 'timed out'
    }

    default: {
      return (error as Error).message ?? code
    }
  }
}

function describeHttpFailure(request: ClusterRequest, status: number, body: unknown): string {
  const error = (body as undefined | {error?: ClusterErrorCause | string})?.error
  const reason = typeof error === 'string' ? error : (error?.reason ?? error?.type)
  return `${request.method} ${request.path} answered ${status}${reason ? `: ${reason}` : ''}`
}
