import {ClusterRequestError, type ClusterErrorCause} from '../cluster/client.js'
import {S3OperationError} from '../storage/s3.js'

/**
 * A failure flattened into what the diagnosis table matches on: where it came from,
 * every error type in its chain of causes, their reasons as one text, status and codes.
 */
export interface FailureFacts {
  source: 'cluster' | 'cluster-network' | 's3' | 'check' | 'other'
  status?: number
  /** Every `type` in the cluster error, outermost first, with nested causes and suppressed errors. */
  types: string[]
  /** All reasons and messages, joined, for pattern matching. */
  text: string
  /** Network or TLS error code (ECONNREFUSED, DEPTH_ZERO_SELF_SIGNED_CERT, ...). */
  code?: string
  /** The S3 error name (AccessDenied, NoSuchBucket, ...) or a check's failure name. */
  name?: string
  /** The request or S3 operation that failed. */
  request?: string
  /** The cluster's own top-level reason, or the error message. */
  reason: string
  details: Record<string, unknown>
}

/** A failed check that is not an error response: a plugin missing, a bucket elsewhere. */
export class CheckFailure extends Error {
  constructor(
    readonly check: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message)
    this.name = 'CheckFailure'
  }
}

function collectCauses(cause: ClusterErrorCause | undefined, into: ClusterErrorCause[] = []): ClusterErrorCause[] {
  if (!cause) return into
  into.push(cause)
  for (const root of cause.root_cause ?? []) into.push(root)
  collectCauses(cause.caused_by, into)
  for (const suppressed of cause.suppressed ?? []) collectCauses(suppressed, into)
  return into
}

export function factsOf(error: unknown): FailureFacts {
  if (error instanceof ClusterRequestError) {
    if (error.status === undefined)
      return {source: 'cluster-network', code: error.code, types: [], text: error.message, request: error.request, reason: error.message, details: {endpoint: error.endpoint}}
    const causes = collectCauses(error.clusterError)
    // Some answers are not cluster errors at all (a proxy's text, Amazon OpenSearch Service's {"message"}).
    const bodyText = typeof error.body === 'string' ? error.body : error.clusterError ? '' : JSON.stringify(error.body ?? '')
    const message = (error.body as {message?: unknown} | undefined)?.message
    return {
      source: 'cluster',
      status: error.status,
      types: causes.map((cause) => cause.type ?? '').filter(Boolean),
      text: [...causes.map((cause) => cause.reason ?? ''), bodyText].join(' | '),
      request: error.request,
      reason: error.clusterError?.reason ?? (typeof message === 'string' ? message.trim() : error.message),
      details: {endpoint: error.endpoint},
    }
  }
  if (error instanceof S3OperationError) {
    const {failure} = error
    return {
      source: 's3',
      status: failure.status,
      name: failure.name,
      types: [],
      text: `${failure.name} ${failure.message}`,
      request: failure.operation,
      reason: error.message,
      details: {bucketRegion: failure.bucketRegion},
    }
  }
  if (error instanceof CheckFailure)
    return {source: 'check', name: error.check, types: [], text: error.message, reason: error.message, details: error.details}
  const message = error instanceof Error ? error.message : String(error)
  return {source: 'other', name: (error as Error)?.name, types: [], text: message, reason: message, details: {}}
}
