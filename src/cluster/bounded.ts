import {type ClusterClient, type ClusterRequest, ClusterRequestError} from './client.js'

/**
 * How long one of cleanup's cluster calls may go unanswered: cleanup's calls (listings, deleting a test
 * snapshot of one small index, unregistering) come back in seconds from a cluster that answers. With one
 * retry and the `GET /` that names the silent side, a silent cluster ends cleanup within about 30 s.
 */
export const CLEANUP_CALL_WAIT_MS = 10_000

/**
 * The cluster as cleanup uses it: every call waits at most `waitMs` (one retry). A call left unanswered is
 * followed by a quick `GET /` that names the silent side: the cluster still answers the console (the nodes are
 * still at it, e.g. waiting on the store), or the console's route to the cluster is silent, and then every
 * later call fails at once with the same words instead of waiting again.
 */
export function boundedCluster(cluster: ClusterClient, waitMs = CLEANUP_CALL_WAIT_MS): ClusterClient {
  let silent: Error | undefined
  const wait = waitMs < 1000 ? `${waitMs} ms` : `${Math.round(waitMs / 1000)} s`
  const send: ClusterClient['send'] = async (request: ClusterRequest, signal?: AbortSignal) => {
    if (silent) throw silent
    try {
      return await cluster.send(
        {
          ...request,
          retries: Math.min(request.retries ?? 1, 1),
          timeoutMs: Math.min(request.timeoutMs ?? waitMs, waitMs),
        },
        signal,
      )
    } catch (error) {
      if (!(error instanceof ClusterRequestError) || error.code !== 'ETIMEDOUT') throw error
      const answers = await cluster
        .send({idempotent: true, method: 'GET', path: '/', retries: 0, timeoutMs: Math.min(5000, waitMs)}, signal)
        .then(
          () => true,
          () => false,
        )
      const call = `${request.method} ${request.path}`
      if (answers)
        throw new Error(
          `${call} got no answer within ${wait} while the cluster at ${cluster.endpoint} still answers the console: the nodes are still at it (a call that needs the store waits on the nodes' route to it)`,
        )
      silent = new Error(
        `${call} got no answer within ${wait}, and the cluster at ${cluster.endpoint} no longer answers GET / either: the console's route to the cluster is silent`,
      )
      throw silent
    }
  }

  return {endpoint: cluster.endpoint, send}
}
