import type {AddressInfo, Server as NetServer, Socket} from 'node:net'

import {type ClientRequest, type Server as HttpServer, type IncomingMessage, request} from 'node:http'

/** Listens on a free port of 127.0.0.1; close() cuts every connection still open, then stops the server. */
export async function listenOnLoopback(
  server: HttpServer | NetServer,
): Promise<{close: () => Promise<void>; url: string}> {
  const sockets = new Set<Socket>()
  server.on('connection', (socket: Socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const {port} = server.address() as AddressInfo
  return {
    async close() {
      for (const socket of sockets) socket.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
    url: `http://127.0.0.1:${port}`,
  }
}

/** Sends `incoming` on to `target` as it came (method, path, headers); failing to reach it cuts the incoming connection. */
export function forwardTo(
  target: URL,
  incoming: IncomingMessage,
  onAnswer: (answer: IncomingMessage) => void,
): ClientRequest {
  const outgoing = request(
    {headers: incoming.headers, host: target.hostname, method: incoming.method, path: incoming.url, port: target.port},
    onAnswer,
  )
  outgoing.on('error', () => incoming.socket.destroy())
  return outgoing
}
