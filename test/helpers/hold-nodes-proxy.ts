import type {Socket} from 'node:net'

import {createServer, request as forward} from 'node:http'

/**
 * An S3 endpoint that only the console reaches: the console's requests (its client names itself) go on to
 * the store, every other request (the cluster's nodes) is accepted and held without an answer, as when
 * the nodes' subnet has no route to S3 (no VPC endpoint, no NAT) and their packets go nowhere.
 */
export async function holdNodesProxy(upstream: string) {
  const target = new URL(upstream)
  const held: string[] = []
  const sockets = new Set<Socket>()
  const server = createServer((incoming, response) => {
    if (!/console-snapshot-plugin/.test(String(incoming.headers['user-agent'] ?? ''))) {
      held.push(`${incoming.method} ${incoming.url}`)
      incoming.resume()
      return
    }

    const outgoing = forward(
      {
        headers: incoming.headers,
        host: target.hostname,
        method: incoming.method,
        path: incoming.url,
        port: target.port,
      },
      (answer) => {
        response.writeHead(answer.statusCode ?? 500, answer.headers)
        answer.pipe(response)
      },
    )
    outgoing.on('error', () => incoming.socket.destroy())
    incoming.pipe(outgoing)
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
    /** The requests held so far (the nodes'). */
    held,
    url: `http://127.0.0.1:${port}`,
  }
}
