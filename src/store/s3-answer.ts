import type {S3Client} from '@aws-sdk/client-s3'

import {Readable} from 'node:stream'

/**
 * Whether an answer came from an S3 API, told from its nature and not its status code: S3 and the stores
 * that speak its API (MinIO, Ceph, moto, GCS's interoperability API) put a request id of their own on
 * every answer, and their bodies are S3's XML. A load balancer's default page, a wrong port or a search
 * cluster mistyped as the S3 endpoint answers without either, often with 200 or 404, which the SDK would
 * otherwise read as "bucket exists" or "bucket absent".
 */

type Headers = Record<string, string | undefined>

const S3_HEADER = /^(x-amz-request-id|x-amzn-requestid|x-amz-id-2|x-amz-bucket-region|x-goog-[a-z-]+)$/i
const S3_SERVER = /\b(AmazonS3|MinIO|Ceph|RadosGW|amazon\.com)\b/i
/** Root elements of S3's XML answers (results and errors). */
const S3_XML =
  /<(Error>\s*<Code>|ListBucketResult|ListVersionsResult|VersioningConfiguration|DeleteResult|LocationConstraint|InitiateMultipartUploadResult|CompleteMultipartUploadResult|CopyObjectResult|ListAllMyBucketsResult)\b/

/** The header that shows an answer is S3's, if any. */
export function s3HeaderOf(headers: Headers): string | undefined {
  const name = Object.keys(headers).find((key) => S3_HEADER.test(key))
  if (name) return name
  return S3_SERVER.test(headers.server ?? '') ? 'server' : undefined
}

/** Whether a body is one of S3's XML answers. */
export const isS3Xml = (body: string): boolean => S3_XML.test(body.slice(0, 4096))

/** What answered, in words: "an HTML page (text/html)", "a search cluster's JSON (application/json)", … */
export function describeAnswer(headers: Headers, body: string): string {
  const type = (headers['content-type'] ?? '').split(';')[0].trim().toLowerCase()
  const typeText = type ? ` (${type})` : ' (no content type)'
  const text = body.trimStart()
  if (type === 'text/html' || /^<!doctype html|^<html/i.test(text)) return `an HTML page${typeText}`
  if (type.includes('json') || /^[[{]/.test(text)) {
    const cluster =
      /"(cluster_name|cluster_uuid|tagline)"\s*:/.test(text) ||
      /"type"\s*:\s*"[a-z_]+_exception"/.test(text) ||
      headers['x-elastic-product'] !== undefined ||
      headers['x-opensearch-product'] !== undefined
    return cluster ? `a search cluster's JSON${typeText}` : `a JSON document${typeText}`
  }

  if (type.includes('xml')) return `XML that is not S3's${typeText}`
  return body.length > 0
    ? `an answer without S3's headers${typeText}`
    : `an empty answer without S3's headers${typeText}`
}

/** An answer that did not come from an S3 API: the step that got it fails naming what answered. */
export class NotS3AnswerError extends Error {
  constructor(
    readonly answered: string,
    readonly url: string,
    readonly status: number,
  ) {
    super(`${answered} answered ${status} at ${url}, not S3`)
    this.name = 'NotS3Answer'
  }
}

/** Enough of a body to tell what it is (S3's XML root or error code comes first). */
const HEAD_BYTES = 4096

/**
 * The beginning of a body, and the whole body again as a stream (the beginning, then the rest as it flows),
 * so that a large answer is never held in memory to be looked at.
 */
async function peekBody(body: unknown): Promise<{head: Buffer; whole: Readable}> {
  if (!body || typeof (body as AsyncIterable<unknown>)[Symbol.asyncIterator] !== 'function')
    return {head: Buffer.alloc(0), whole: Readable.from([])}
  const iterator = (body as AsyncIterable<Buffer | string>)[Symbol.asyncIterator]()
  const seen: Buffer[] = []
  let size = 0
  let done = false
  while (size < HEAD_BYTES) {
    const next = await iterator.next()
    if (next.done) {
      done = true
      break
    }

    const piece = Buffer.from(next.value)
    seen.push(piece)
    size += piece.length
  }

  async function* again() {
    yield* seen
    if (done) return
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield Buffer.from(next.value)
  }

  return {head: Buffer.concat(seen), whole: Readable.from(again())}
}

interface RawRequest {
  hostname?: string
  method?: string
  path?: string
  port?: number
  protocol?: string
}

interface RawResponse {
  body?: unknown
  headers?: Headers
  statusCode?: number
}

const urlOf = (request: RawRequest) =>
  `${request.protocol ?? 'https:'}//${request.hostname ?? '?'}${request.port ? `:${request.port}` : ''}${request.path ?? '/'}`

/**
 * Reads every raw answer before the SDK does: one without S3's headers passes only when its body is S3's
 * XML; anything else ends the call with a NotS3AnswerError, never retried.
 */
export function requireS3Answers(client: S3Client): void {
  client.middlewareStack.add(
    (next) => async (args) => {
      const result = await next(args)
      const response = result.response as RawResponse
      const headers = Object.fromEntries(
        Object.entries(response.headers ?? {}).map(([key, value]) => [key.toLowerCase(), value]),
      )
      if (s3HeaderOf(headers)) return result
      const {head, whole} = await peekBody(response.body)
      const text = head.toString('utf8')
      if (isS3Xml(text)) {
        response.body = whole
        return result
      }

      throw new NotS3AnswerError(
        describeAnswer(headers, text),
        urlOf(args.request as RawRequest),
        response.statusCode ?? 0,
      )
    },
    // Inside the deserializer (low priority in its step): the raw answer, before the SDK reads it.
    {name: 'consoleRequireS3Answer', priority: 'low', step: 'deserialize'},
  )
}
