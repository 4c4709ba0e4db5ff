import {DeleteObjectsCommand, S3Client} from '@aws-sdk/client-s3'
import {createServer, type IncomingMessage, type Server, type ServerResponse} from 'node:http'

import {forwardTo, listenOnLoopback} from './loopback.js'
import {type AskedObject, escapeXml, parseDeleteRequest} from './s3-xml.js'

export type {AskedObject} from './s3-xml.js'

/** One request of the console's S3 client, as the proxy classifies it. */
export interface ProxiedRequest {
  /** 0-based, counting only the console's requests. */
  index: number
  method: string
  operation: 'DeleteObjects' | 'GetObject' | 'HeadBucket' | 'HeadObject' | 'ListObjects' | 'other' | 'PutObject'
  path: string
}

/**
 * What happens to one request: passed through (after any latency), answered by the proxy itself, or
 * cut. `reset-mid-answer` forwards the request (the store does the work), sends the headers and half
 * the body, then resets the connection; `hang` accepts the request and never answers;
 * `key-errors` answers a DeleteObjects itself: the keys chosen stay in the store and are answered with a
 * per-key InternalError, the others the proxy deletes with its own DeleteObjects (the request is signed, so it
 * cannot be forwarded with fewer keys).
 */
export type Fault =
  | {keys: (key: string) => boolean; kind: 'key-errors'}
  | {kind: 'hang'}
  | {kind: 'reset-mid-answer'}
  | {kind: 'slow-down'}

/** A fault played on one request; for key-errors, the objects it kept in the store and answered as failed. */
export interface PlayedFault {
  fault: Fault['kind']
  refused?: AskedObject[]
  request: ProxiedRequest
}

export interface FaultProxy {
  /**
   * What went through the bandwidth cap: bytes of the answers to the console (down) and of its request
   * bodies (up), the longest answer (its bytes and how long it flowed), and the longest pause between two
   * chunks of any transfer.
   */
  readonly capped: {down: number; longest: {bytes: number; ms: number}; maxPauseMs: number; up: number}
  close(): Promise<void>
  /** Requests of the console's S3 client seen so far, and the faults played on them. */
  readonly faults: PlayedFault[]
  /** From now on every request passes through untouched (the store has recovered). */
  heal(): void
  readonly requests: ProxiedRequest[]
  readonly url: string
}

// The console's S3 client names itself; the cluster's own client (it reaches the store through the
// same proxy, as the registration's endpoint) passes untouched, so only the tools meet the faults.
const CONSOLE_AGENT = /console-snapshot-plugin/

function operationOf(method: string, path: string): ProxiedRequest['operation'] {
  const [pathname, query = ''] = path.split('?')
  const isBucket = pathname.split('/').filter(Boolean).length <= 1
  if (method === 'POST' && /(^|&)delete(=|&|$)/.test(query)) return 'DeleteObjects'
  if (method === 'GET' && isBucket && /list-type=2|(^|&)versions/.test(query)) return 'ListObjects'
  if (method === 'HEAD') return isBucket ? 'HeadBucket' : 'HeadObject'
  if (method === 'GET' && !isBucket) return 'GetObject'
  if (method === 'PUT' && !isBucket) return 'PutObject'
  return 'other'
}

/** The proxy answers in the store's name, as S3 does: with a request id (a HEAD answer has no body to show it is S3's). */
const STORE_ANSWER = {'x-amz-request-id': 'fault-proxy'}

const SLOW_DOWN =
  '<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>'

interface DeleteOutcome {
  deleted: {DeleteMarker?: boolean; DeleteMarkerVersionId?: string; Key: string; VersionId?: string}[]
  errors: {Code: string; Key: string; Message: string; VersionId?: string}[]
}

/** A 200 DeleteObjects answer in the shape S3 gives it (in quiet mode, only the errors). */
export function deleteResult({deleted, errors}: DeleteOutcome, quiet: boolean): string {
  const element = (name: string, value: boolean | string | undefined) =>
    value === undefined ? '' : `<${name}>${escapeXml(String(value))}</${name}>`
  const deletedElements = quiet
    ? []
    : deleted.map(
        (entry) =>
          `<Deleted>${element('Key', entry.Key)}${element('VersionId', entry.VersionId)}${element('DeleteMarker', entry.DeleteMarker)}${element('DeleteMarkerVersionId', entry.DeleteMarkerVersionId)}</Deleted>`,
      )
  const errorElements = errors.map(
    (error) =>
      `<Error>${element('Key', error.Key)}${element('VersionId', error.VersionId)}${element('Code', error.Code)}${element('Message', error.Message)}</Error>`,
  )
  return `<?xml version="1.0" encoding="UTF-8"?>\n<DeleteResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${[...deletedElements, ...errorElements].join('')}</DeleteResult>`
}

/** The store's credentials, for the proxy's own DeleteObjects (a key-errors fault). */
export interface StoreCredentials {
  accessKey: string
  region?: string
  secretKey: string
}

/** How often a capped link sends: every transfer under way gets a share of each tick. */
const TICK_MS = 20

interface Transfer {
  data: Buffer
  done: () => void
  gone: () => boolean
  lastChunk: number
  offset: number
  started: number
  write: (chunk: Buffer) => void
}

/**
 * One direction of a link with a bandwidth cap: what is sent through it leaves in small chunks every
 * TICK_MS, at most `bytesPerSecond` in all, shared evenly by the transfers under way, so that an answer
 * flows slowly but steadily (a late tick sends what the time elapsed allows, up to 100 ms worth).
 */
class CappedLink {
  longest = {bytes: 0, ms: 0}
  maxPauseMs = 0
  sent = 0
  private last = 0
  private timer: NodeJS.Timeout | undefined
  private readonly transfers = new Set<Transfer>()

  constructor(private readonly bytesPerSecond: number) {}

  close(): void {
    clearTimeout(this.timer)
    this.timer = undefined
    this.transfers.clear()
  }

  send(data: Buffer, write: (chunk: Buffer) => void, done: () => void, gone: () => boolean): void {
    if (data.length === 0) {
      done()
      return
    }

    const now = Date.now()
    this.transfers.add({data, done, gone, lastChunk: now, offset: 0, started: now, write})
    if (this.timer) return
    this.last = Date.now()
    this.timer = setTimeout(() => this.tick(), TICK_MS)
  }

  private tick(): void {
    const now = Date.now()
    const budget = Math.max(1, Math.floor((this.bytesPerSecond * Math.min(now - this.last, 100)) / 1000))
    this.last = now
    const share = Math.max(1, Math.floor(budget / this.transfers.size))
    for (const transfer of this.transfers) {
      if (transfer.gone()) {
        this.transfers.delete(transfer)
        continue
      }

      const chunk = transfer.data.subarray(transfer.offset, transfer.offset + share)
      transfer.offset += chunk.length
      this.sent += chunk.length
      this.maxPauseMs = Math.max(this.maxPauseMs, now - transfer.lastChunk)
      transfer.lastChunk = now
      transfer.write(chunk)
      if (transfer.offset >= transfer.data.length) {
        this.transfers.delete(transfer)
        if (now - transfer.started > this.longest.ms)
          this.longest = {bytes: transfer.data.length, ms: now - transfer.started}
        transfer.done()
      }
    }

    this.timer = this.transfers.size > 0 ? setTimeout(() => this.tick(), TICK_MS) : undefined
  }
}

/**
 * An HTTP proxy on 127.0.0.1 (port 0) in front of a real S3 store, for the store's faults: latency on
 * every answer, a bandwidth cap, and per request a fault chosen by `decide` (count, operation, path).
 */
export async function faultProxy(
  upstream: string,
  options: {
    /**
     * A bandwidth cap on the console's traffic, each way: the answers it gets and the request bodies
     * forwarded to the store flow at most this fast (all transfers together), in small steady chunks.
     */
    bandwidthBytesPerSecond?: number
    /** Needed for a key-errors fault: the proxy deletes what was not refused with these. */
    credentials?: StoreCredentials
    decide?: (request: ProxiedRequest) => Fault | undefined
    latencyMs?: number
    /**
     * Called with what a key-errors fault refused, before its answer leaves: the console cannot retry
     * before it returns, so what it finds in the store is what the answer's errors stand for.
     */
    onRefused?: (bucket: string, refused: AskedObject[]) => Promise<void>
  } = {},
): Promise<FaultProxy> {
  const target = new URL(upstream)
  const requests: ProxiedRequest[] = []
  const faults: PlayedFault[] = []
  let healed = false
  let client: S3Client | undefined
  const cap = options.bandwidthBytesPerSecond
  const down = cap ? new CappedLink(cap) : undefined
  const up = cap ? new CappedLink(cap) : undefined
  const store = () => {
    if (!options.credentials) throw new Error('a key-errors fault needs the store credentials (option credentials)')
    client ??= new S3Client({
      credentials: {accessKeyId: options.credentials.accessKey, secretAccessKey: options.credentials.secretKey},
      endpoint: upstream,
      forcePathStyle: true,
      region: options.credentials.region ?? process.env.S3_REGION ?? 'us-east-1',
    })
    return client
  }

  /**
   * A key-errors fault: the chosen objects stay, the others are deleted by the proxy's own request
   * straight to the store (what the store itself refuses is passed on as its error).
   */
  const answerKeyErrors = async (
    path: string,
    body: Buffer,
    chosen: (key: string) => boolean,
    played: PlayedFault,
  ): Promise<{payload: Buffer; status: number}> => {
    const bucket = decodeURIComponent(path.split('?')[0].split('/').find(Boolean) ?? '')
    const {objects, quiet} = parseDeleteRequest(body.toString())
    const refused = objects.filter((object) => chosen(object.Key))
    const passed = objects.filter((object) => !chosen(object.Key))
    played.refused = refused
    const outcome: DeleteOutcome = {
      deleted: [],
      errors: refused.map((object) => ({...object, Code: 'InternalError', Message: 'injected by the fault proxy'})),
    }
    if (passed.length > 0) {
      const answer = await store().send(
        new DeleteObjectsCommand({Bucket: bucket, Delete: {Objects: passed, Quiet: false}}),
      )
      for (const entry of answer.Deleted ?? []) outcome.deleted.push({...entry, Key: entry.Key!})
      for (const error of answer.Errors ?? [])
        outcome.errors.push({
          Code: error.Code ?? 'InternalError',
          Key: error.Key!,
          Message: error.Message ?? '',
          VersionId: error.VersionId,
        })
    }

    await options.onRefused?.(bucket, refused)
    return {payload: Buffer.from(deleteResult(outcome, quiet)), status: 200}
  }

  const pass = (
    incoming: IncomingMessage,
    body: Buffer,
    capped: boolean,
    reply: (answer: IncomingMessage, data: Buffer) => void,
  ) => {
    const outgoing = forwardTo(target, incoming, (answer) => {
      const chunks: Buffer[] = []
      answer.on('data', (chunk: Buffer) => chunks.push(chunk))
      answer.on('end', () => reply(answer, Buffer.concat(chunks)))
    })
    if (capped && up)
      up.send(
        body,
        (chunk) => outgoing.write(chunk),
        () => outgoing.end(),
        () => outgoing.destroyed,
      )
    else outgoing.end(body)
  }

  const handle = (incoming: IncomingMessage, response: ServerResponse, body: Buffer) => {
    const method = incoming.method ?? 'GET'
    const path = incoming.url ?? '/'
    const fromConsole = CONSOLE_AGENT.test(String(incoming.headers['user-agent'] ?? ''))
    let fault: Fault | undefined
    let played: PlayedFault | undefined
    if (fromConsole) {
      const request: ProxiedRequest = {index: requests.length, method, operation: operationOf(method, path), path}
      requests.push(request)
      fault = healed ? undefined : options.decide?.(request)
      if (fault) {
        played = {fault: fault.kind, request}
        faults.push(played)
      }
    }

    if (fault?.kind === 'hang') return
    if (fault?.kind === 'slow-down') {
      response.writeHead(503, {'content-type': 'application/xml', ...STORE_ANSWER})
      response.end(SLOW_DOWN)
      return
    }

    const later = (send: () => void) => {
      if (fromConsole && options.latencyMs) setTimeout(send, options.latencyMs)
      else send()
    }

    /** The answer: its headers at once, its body through the cap when there is one. */
    const answerWith = (status: number, headers: Record<string, string | string[] | undefined>, payload: Buffer) => {
      response.writeHead(status, headers)
      if (fromConsole && down)
        down.send(
          payload,
          (chunk) => response.write(chunk),
          () => response.end(),
          () => response.destroyed,
        )
      else response.end(payload)
    }

    if (fault?.kind === 'key-errors') {
      answerKeyErrors(path, body, fault.keys, played!).then(
        ({payload, status}) =>
          later(() =>
            answerWith(
              status,
              {'content-length': String(payload.length), 'content-type': 'application/xml', ...STORE_ANSWER},
              payload,
            ),
          ),
        (error: Error) => {
          const payload = Buffer.from(
            `<?xml version="1.0" encoding="UTF-8"?><Error><Code>InternalError</Code><Message>${escapeXml(`the fault proxy's own DeleteObjects failed: ${error.message}`)}</Message></Error>`,
          )
          response.writeHead(500, {
            'content-length': String(payload.length),
            'content-type': 'application/xml',
            ...STORE_ANSWER,
          })
          response.end(payload)
        },
      )
      return
    }

    pass(incoming, body, fromConsole, (answer, payload) => {
      const headers = {...answer.headers, 'content-length': String(payload.length)}
      if (fault?.kind === 'reset-mid-answer') {
        response.writeHead(answer.statusCode ?? 500, headers)
        response.write(payload.subarray(0, Math.floor(payload.length / 2)))
        // Let the half answer leave before the connection is cut.
        setTimeout(() => incoming.socket.resetAndDestroy(), 20)
        return
      }

      later(() => answerWith(answer.statusCode ?? 500, headers, payload))
    })
  }

  const server: Server = createServer((incoming, response) => {
    const chunks: Buffer[] = []
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk))
    incoming.on('end', () => handle(incoming, response, Buffer.concat(chunks)))
  })
  const listening = await listenOnLoopback(server)
  return {
    get capped() {
      return {
        down: down?.sent ?? 0,
        longest: down?.longest ?? {bytes: 0, ms: 0},
        maxPauseMs: Math.max(down?.maxPauseMs ?? 0, up?.maxPauseMs ?? 0),
        up: up?.sent ?? 0,
      }
    },
    async close() {
      down?.close()
      up?.close()
      await listening.close()
      client?.destroy()
    },
    faults,
    heal() {
      healed = true
    },
    requests,
    url: listening.url,
  }
}
