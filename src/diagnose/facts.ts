import {type ClusterErrorCause, ClusterRequestError} from '../cluster/client.js'
import {S3OperationError} from '../store/s3.js'

/**
 * A failure flattened into what the diagnosis table matches on: where it came from,
 * every error type in its chain of causes, their reasons as one text, status and codes.
 */
/**
 * Every check that fails without an error response (a plugin missing, a bucket elsewhere). Each has its
 * row in the diagnosis table: a name without one does not compile (see table.ts).
 */
export type CheckName =
  | 'backfill-path-missing'
  | 'backfill-version-unsupported'
  | 'bucket-absent'
  | 'bucket-elsewhere'
  | 'bucket-forbidden'
  | 'bucket-rules'
  | 'cluster-silent'
  | 'nodes-store-silent'
  | 'plugin-missing'
  | 'scope-primary-unallocated'
  | 'shard-file-corrupt'
  | 'shard-file-missing'
  | 'shard-file-unreadable'
  | 'snapshot-not-successful'
  | 'snapshot-still-in-bucket'
  | 'snapshot-still-listed'

export interface FailureFacts {
  /** The check that failed, for a CheckFailure. */
  check?: CheckName
  /** Network or TLS error code (ECONNREFUSED, DEPTH_ZERO_SELF_SIGNED_CERT, ...). */
  code?: string
  details: Record<string, unknown>
  /** The S3 error name (AccessDenied, NoSuchBucket, ...), or the error's class name. */
  name?: string
  /** The cluster's own top-level reason, or the error message. */
  reason: string
  /** The request or S3 operation that failed. */
  request?: string
  source: 'check' | 'cluster' | 'cluster-network' | 'other' | 's3'
  status?: number
  /** All reasons and messages, joined, for pattern matching. */
  text: string
  /** Every `type` in the cluster error, outermost first, with nested causes and suppressed errors. */
  types: string[]
}

/** A failed check that is not an error response: a plugin missing, a bucket elsewhere. */
export class CheckFailure extends Error {
  constructor(
    readonly check: CheckName,
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
      return {
        code: error.code,
        details: {endpoint: error.endpoint},
        reason: error.message,
        request: error.request,
        source: 'cluster-network',
        text: error.message,
        types: [],
      }
    const causes = collectCauses(error.clusterError)
    // Some answers are not cluster errors at all (a proxy's text, Amazon OpenSearch Service's {"message"}).
    const bodyText =
      typeof error.body === 'string' ? error.body : error.clusterError ? '' : JSON.stringify(error.body ?? '')
    const message = (error.body as undefined | {message?: unknown})?.message
    return {
      details: {endpoint: error.endpoint},
      reason: error.clusterError?.reason ?? (typeof message === 'string' ? message.trim() : error.message),
      request: error.request,
      source: 'cluster',
      status: error.status,
      text: [...causes.map((cause) => cause.reason ?? ''), bodyText].join(' | '),
      types: causes.map((cause) => cause.type ?? '').filter(Boolean),
    }
  }

  if (error instanceof S3OperationError) {
    const {failure} = error
    return {
      details: {bucketRegion: failure.bucketRegion, endpoint: failure.endpoint},
      name: failure.name,
      reason: error.message,
      request: failure.operation,
      source: 's3',
      status: failure.status,
      text: `${failure.name} ${failure.message}`,
      types: [],
    }
  }

  if (error instanceof CheckFailure)
    return {
      check: error.check,
      details: error.details,
      reason: error.message,
      source: 'check',
      text: error.message,
      types: [],
    }
  const message = error instanceof Error ? error.message : String(error)
  return {details: {}, name: (error as Error)?.name, reason: message, source: 'other', text: message, types: []}
}
