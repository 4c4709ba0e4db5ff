import path from 'node:path'

import {type ClusterClient, ClusterRequestError} from './client.js'

/** path.repo of the nodes (the union), read only where an fs repository needs it; undefined when refused. */
export async function pathRepo(cluster: ClusterClient, signal: AbortSignal | undefined): Promise<string[] | undefined> {
  type Body = {
    nodes?: Record<string, {settings?: {path?: {repo?: string | string[]}; 'path.repo'?: string | string[]}}>
  }
  let body: Body | undefined
  try {
    ;({body} = await cluster.send<Body>(
      {
        idempotent: true,
        method: 'GET',
        path: '/_nodes/settings',
        query: {filter_path: String.raw`nodes.*.settings.path.repo,nodes.*.settings.path\.repo`},
      },
      signal,
    ))
  } catch (error) {
    if (error instanceof ClusterRequestError && error.status !== undefined && error.status < 500) return undefined
    throw error
  }

  const entries = new Set<string>()
  for (const node of Object.values(body?.nodes ?? {})) {
    const value = node.settings?.path?.repo ?? node.settings?.['path.repo'] ?? []
    for (const entry of Array.isArray(value) ? value : String(value).split(','))
      if (entry.trim()) entries.add(path.normalize(entry.trim()))
  }

  return [...entries]
}

/** path.repo asked at most once per run, and only when a caller needs it. */
export function pathRepoOnce(cluster: ClusterClient, signal?: AbortSignal): () => Promise<string[] | undefined> {
  let answer: Promise<string[] | undefined> | undefined
  return () => {
    answer ??= pathRepo(cluster, signal)
    return answer
  }
}
