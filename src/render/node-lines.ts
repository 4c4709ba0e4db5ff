import type {NodeProof} from '../verify/node-report.js'

import {formatBytes} from '../format.js'
import {HASHED_SHARD_SEGMENT} from '../snapshot-format/layout-keys.js'

const describeWhere = (directory: string) =>
  `${HASHED_SHARD_SEGMENT.test(directory.split('/')[0]) ? 'hashed prefix' : 'base path'} ${directory}`

/** The report's lines for the per-node section. */
export function renderNodeProofs(nodes: NodeProof[] | undefined): string[] {
  if (!nodes || nodes.length === 0) return []
  const lines = [`data nodes (${nodes.filter((node) => node.status === 'proven').length} of ${nodes.length} proven):`]
  for (const node of nodes) {
    const parts = node.shards.length > 0 ? [`wrote ${node.shards.join(', ')}`] : []
    if (node.where.length > 0) parts.push(`at ${node.where.map((directory) => describeWhere(directory)).join(', ')}`)
    if (node.readBack) parts.push('read back')
    if (node.multipart !== undefined)
      parts.push(
        node.multipart ? 'uploaded in parts' : `no file over the ${formatBytes(5 * 1024 * 1024)} buffer (not in parts)`,
      )
    if (node.why) parts.push(node.why)
    lines.push(`  ${node.name}: ${node.status}${parts.length > 0 ? ` — ${parts.join('; ')}` : ''}`)
  }

  return lines
}
