import type {S3Client} from '@aws-sdk/client-s3'

import type {S3Storage} from '../services/model.js'
import {PLUGIN_USER_AGENT} from '../cluster/client.js'

export interface S3ClientOptions {
  userAgentExtra?: string
  /** Fixed credentials (tests); otherwise the SDK's default chain, as the console uses it. */
  credentials?: {accessKeyId: string; secretAccessKey: string; sessionToken?: string}
  maxAttempts?: number
}

/** The console's own S3 client for the repository's bucket, loaded only when a bucket is touched. */
export async function createS3Client(storage: Pick<S3Storage, 'region' | 'endpoint'>, options: S3ClientOptions = {}): Promise<S3Client> {
  // The SDK warns on every run under Node 20 that future versions will need Node 22; it is noise for a CLI user.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'
  const {S3Client} = await import('@aws-sdk/client-s3')
  return new S3Client({
    region: storage.region,
    endpoint: storage.endpoint,
    // S3-compatible stores want path-style addressing and no default request checksums.
    forcePathStyle: storage.endpoint !== undefined,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    customUserAgent: [PLUGIN_USER_AGENT, options.userAgentExtra].filter(Boolean).join(' '),
    credentials: options.credentials,
    // AWS_MAX_ATTEMPTS, when set, is the user's choice; otherwise one attempt more than the SDK's default.
    maxAttempts: options.maxAttempts ?? (process.env.AWS_MAX_ATTEMPTS ? undefined : 4),
  })
}

/** What went wrong with an S3 call, in the terms the diagnoses match on. */
export interface S3Failure {
  operation: string
  name: string
  status?: number
  message: string
  bucketRegion?: string
}

export function describeS3Error(operation: string, error: unknown): S3Failure {
  const candidate = error as {
    name?: string
    Code?: string
    message?: string
    $metadata?: {httpStatusCode?: number}
    $response?: {headers?: Record<string, string>}
    code?: string
  }
  const status = candidate.$metadata?.httpStatusCode
  const headers = candidate.$response?.headers ?? {}
  const name = candidate.Code ?? (candidate.name && candidate.name !== 'Error' ? candidate.name : candidate.code ?? 'UnknownError')
  const message = candidate.message && candidate.message !== 'UnknownError' ? candidate.message : name
  return {operation, name, status, message, bucketRegion: headers['x-amz-bucket-region']}
}

export class S3OperationError extends Error {
  constructor(readonly failure: S3Failure) {
    super(`${failure.operation} failed: ${failure.name}${failure.status ? ` (${failure.status})` : ''}${failure.message && failure.message !== failure.name ? `: ${failure.message}` : ''}`)
    this.name = 'S3OperationError'
  }
}

/** Runs one S3 call; a failure becomes an S3OperationError that names the operation. */
export async function s3Call<T>(operation: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call()
  } catch (error) {
    if ((error as Error).name === 'AbortError') throw error
    throw new S3OperationError(describeS3Error(operation, error))
  }
}
