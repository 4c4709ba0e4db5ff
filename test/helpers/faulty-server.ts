import nock from 'nock'
import {createServer, type Server} from 'node:net'

import {listenOnLoopback} from './loopback.js'

/**
 * A real TCP peer on 127.0.0.1 for faults nock cannot play faithfully: it answers each connection
 * with the next behaviour in the list (reset, hang, or a raw HTTP response).
 */
export type Behaviour = 'hang' | 'reset' | {body: string; status: number}

export async function faultyServer(
  behaviours: Behaviour[],
): Promise<{close: () => Promise<void>; connections: () => number; url: string}> {
  nock.enableNetConnect('127.0.0.1')
  let connections = 0
  const server: Server = createServer((socket) => {
    const behaviour = behaviours[Math.min(connections, behaviours.length - 1)]
    connections++
    socket.once('data', () => {
      // 'hang' answers nothing at all.
      if (behaviour === 'reset') socket.resetAndDestroy()
      else if (behaviour !== 'hang')
        socket.end(
          `HTTP/1.1 ${behaviour.status} X\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(behaviour.body)}\r\nconnection: close\r\n\r\n${behaviour.body}`,
        )
    })
  })
  const listening = await listenOnLoopback(server)
  return {
    async close() {
      await listening.close()
      nock.disableNetConnect()
    },
    connections: () => connections,
    url: listening.url,
  }
}

/** A loopback port with nothing listening: connecting to it is refused. */
export async function closedPort(): Promise<string> {
  nock.enableNetConnect('127.0.0.1')
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const {port} = server.address() as {port: number}
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return `http://127.0.0.1:${port}`
}
