import {createServer} from 'node:http'

import {forwardTo, listenOnLoopback} from './loopback.js'

/**
 * An S3 endpoint that only the console reaches: the console's requests (its client names itself) go on to
 * the store, every other request (the cluster's nodes) is accepted and held without an answer, as when
 * the nodes' subnet has no route to S3 (no VPC endpoint, no NAT) and their packets go nowhere.
 */
export async function holdNodesProxy(upstream: string) {
  const target = new URL(upstream)
  const held: string[] = []
  const server = createServer((incoming, response) => {
    if (!/console-snapshot-plugin/.test(String(incoming.headers['user-agent'] ?? ''))) {
      held.push(`${incoming.method} ${incoming.url}`)
      incoming.resume()
      return
    }

    const outgoing = forwardTo(target, incoming, (answer) => {
      response.writeHead(answer.statusCode ?? 500, answer.headers)
      answer.pipe(response)
    })
    incoming.pipe(outgoing)
  })
  const {close, url} = await listenOnLoopback(server)
  return {
    close,
    /** The requests held so far (the nodes'). */
    held,
    url,
  }
}
