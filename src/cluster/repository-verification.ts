import {type ClusterClient, ClusterRequestError} from './client.js'
import {repositoryPath} from './snapshots.js'

/**
 * How long verify waits for the nodes to answer for the store: a repository's verification (each node
 * writes and reads a blob there) comes back in seconds when the nodes reach it; when they do not, their
 * S3 client retries for minutes. 25 s, once, then the silent side is named.
 */
export const NODES_STORE_WAIT_MS = 25_000

export type NodesVerification = {ok: false; silent: 'console-to-cluster' | 'nodes-to-store'} | {ok: true}

/**
 * Asks the nodes to verify a registered repository (`POST _snapshot/NAME/_verify`) and waits once. When
 * no answer comes in time, a quick `GET /` tells whose route is silent: the cluster still answers the
 * console, so the nodes' route to the store is the one that does not come back.
 */
export async function verifyThroughNodes(
  cluster: ClusterClient,
  repository: string,
  signal?: AbortSignal,
  waitMs = NODES_STORE_WAIT_MS,
): Promise<NodesVerification> {
  try {
    await cluster.send(
      {idempotent: false, method: 'POST', path: `${repositoryPath(repository)}/_verify`, retries: 0, timeoutMs: waitMs},
      signal,
    )
    return {ok: true}
  } catch (error) {
    if (!(error instanceof ClusterRequestError) || error.code !== 'ETIMEDOUT') throw error
  }

  try {
    await cluster.send({idempotent: true, method: 'GET', path: '/', retries: 0, timeoutMs: 5000}, signal)
    return {ok: false, silent: 'nodes-to-store'}
  } catch (error) {
    if (error instanceof ClusterRequestError && error.status === undefined)
      return {ok: false, silent: 'console-to-cluster'}
    throw error
  }
}
