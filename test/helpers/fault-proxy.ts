import type {Socket} from 'node:net'

import {createServer, request as forward, type IncomingMessage, type Server, type ServerResponse} from 'node:http'

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
 * `key-errors` forwards a DeleteObjects and adds a per-key InternalError for the keys chosen.
 */
export type Fault =
  | {keys: (key: string) => boolean; kind: 'key-errors'}
  | {kind: 'hang'}
  | {kind: 'reset-mid-answer'}
  | {kind: 'slow-down'}

export interface FaultProxy {
  close(): Promise<void>
  /** Requests of the console's S3 client seen so far, and the faults played on them. */
  readonly faults: {fault: Fault['kind']; request: ProxiedRequest}[]
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

const SLOW_DOWN =
  '<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>'

/** Adds a per-key InternalError for each chosen key of the request to a 200 DeleteObjects answer. */
function withKeyErrors(answer: string, requested: string, chosen: (key: string) => boolean): string {
  const keys = [...requested.matchAll(/<Key>([^<]*)<\/Key>/g)].map((match) => match[1]).filter((key) => chosen(key))
  const errors = keys
    .map(
      (key) =>
        `<Error><Key>${key}</Key><Code>InternalError</Code><Message>injected by the fault proxy</Message></Error>`,
    )
    .join('')
  return answer.replace(/<\/DeleteResult>\s*$/, `${errors}</DeleteResult>`)
}

/**
 * An HTTP proxy on 127.0.0.1 (port 0) in front of a real S3 store, for the store's faults: latency on
 * every answer, and per request a fault chosen by `decide` (count, operation, path).
 */
export async function faultProxy(
  upstream: string,
  options: {decide?: (request: ProxiedRequest) => Fault | undefined; latencyMs?: number} = {},
): Promise<FaultProxy> {
  const target = new URL(upstream)
  const requests: ProxiedRequest[] = []
  const faults: FaultProxy['faults'] = []
  const sockets = new Set<Socket>()
  let healed = false

  const pass = (incoming: IncomingMessage, body: Buffer, reply: (answer: IncomingMessage, data: Buffer) => void) => {
    const outgoing = forward(
      {
        headers: incoming.headers,
        host: target.hostname,
        method: incoming.method,
        path: incoming.url,
        port: target.port,
      },
      (answer) => {
        const chunks: Buffer[] = []
        answer.on('data', (chunk: Buffer) => chunks.push(chunk))
        answer.on('end', () => reply(answer, Buffer.concat(chunks)))
      },
    )
    outgoing.on('error', () => incoming.socket.destroy())
    outgoing.end(body)
  }

  const handle = (incoming: IncomingMessage, response: ServerResponse, body: Buffer) => {
    const method = incoming.method ?? 'GET'
    const path = incoming.url ?? '/'
    const fromConsole = CONSOLE_AGENT.test(String(incoming.headers['user-agent'] ?? ''))
    let fault: Fault | undefined
    if (fromConsole) {
      const request: ProxiedRequest = {index: requests.length, method, operation: operationOf(method, path), path}
      requests.push(request)
      fault = healed ? undefined : options.decide?.(request)
      if (fault) faults.push({fault: fault.kind, request})
    }

    if (fault?.kind === 'hang') return
    if (fault?.kind === 'slow-down') {
      response.writeHead(503, {'content-type': 'application/xml'})
      response.end(SLOW_DOWN)
      return
    }

    pass(incoming, body, (answer, data) => {
      let payload = data
      if (fault?.kind === 'key-errors' && answer.statusCode === 200)
        payload = Buffer.from(withKeyErrors(data.toString(), body.toString(), fault.keys))
      const headers = {...answer.headers, 'content-length': String(payload.length)}
      if (fault?.kind === 'reset-mid-answer') {
        response.writeHead(answer.statusCode ?? 500, headers)
        response.write(payload.subarray(0, Math.floor(payload.length / 2)))
        // Let the half answer leave before the connection is cut.
        setTimeout(() => incoming.socket.resetAndDestroy(), 20)
        return
      }

      const send = () => {
        response.writeHead(answer.statusCode ?? 500, headers)
        response.end(payload)
      }

      if (fromConsole && options.latencyMs) setTimeout(send, options.latencyMs)
      else send()
    })
  }

  const server: Server = createServer((incoming, response) => {
    const chunks: Buffer[] = []
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk))
    incoming.on('end', () => handle(incoming, response, Buffer.concat(chunks)))
  })
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const {port} = server.address() as {port: number}
  return {
    async close() {
      for (const socket of sockets) socket.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
    faults,
    heal() {
      healed = true
    },
    requests,
    url: `http://127.0.0.1:${port}`,
  }
}
