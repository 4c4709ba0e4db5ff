import type {RepositoryBody} from '../cluster/snapshots.js'

import {type ClusterClient} from '../cluster/client.js'
import {NODES_STORE_WAIT_MS, verifyThroughNodes} from '../cluster/repository-verification.js'
import {CheckFailure} from '../diagnose/index.js'

/** The store the nodes must reach, in words: its endpoint for S3 (AWS's regional one by default), its path for fs. */
function storeOf(body: RepositoryBody): string {
  const settings = body.settings as Record<string, string | undefined>
  if (body.type !== 's3') return `the shared path ${settings.location ?? ''}`
  const endpoint = settings.endpoint ?? `s3.${settings.region ?? '<region>'}.amazonaws.com`
  return `S3 at ${endpoint} (bucket ${settings.bucket ?? ''})`
}

/**
 * The nodes' own proof that they reach the store, bounded: registered without verification first (that
 * needs only the cluster, so cleanup can always unregister it), then verified with one bounded wait.
 */
export async function proveNodesReachStore(
  cluster: ClusterClient,
  repository: string,
  body: RepositoryBody,
  {signal, waitMs = NODES_STORE_WAIT_MS}: {signal?: AbortSignal; waitMs?: number} = {},
): Promise<void> {
  const outcome = await verifyThroughNodes(cluster, repository, signal, waitMs)
  if (outcome.ok) return
  const seconds = Math.round(waitMs / 1000)
  const store = storeOf(body)
  if (outcome.silent === 'nodes-to-store')
    throw new CheckFailure(
      'nodes-store-silent',
      `the nodes' verification of ${repository} (POST _snapshot/${repository}/_verify) did not come back within ${seconds} s, while the cluster still answers the console: the nodes' route to ${store} is silent`,
      {store},
    )
  throw new CheckFailure(
    'cluster-silent',
    `the nodes' verification of ${repository} did not come back within ${seconds} s, and the cluster at ${cluster.endpoint} no longer answers GET / either: the console's route to the cluster is silent`,
    {endpoint: cluster.endpoint},
  )
}
