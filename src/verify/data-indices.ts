import type {VerifyContext} from './context.js'

import {type IndexSize, smallestQualifyingIndex} from '../cluster/indices.js'
import {dataNodesOf, readShardPlacement, type ShardPlacement} from '../cluster/shard-placement.js'
import {chooseCoveringSet, coverageOf, type NodeCoverage} from './node-coverage.js'

/**
 * The index step's node coverage: where primaries live, which indices cover every data node, and what
 * the report says about the nodes none of them reaches.
 */

export const knownPlacement = (context: VerifyContext): ShardPlacement | undefined =>
  context.placement && 'nodes' in context.placement ? context.placement : undefined

/** Reads where primaries live; a refusal is said once, as what the run cannot prove. */
export async function readPlacement(context: VerifyContext): Promise<ShardPlacement | undefined> {
  context.placement = await readShardPlacement(context.cluster, context.signal)
  if ('refused' in context.placement) {
    context.notProven.push(
      `which data nodes wrote shard data: the cluster would not say where shards live (${context.placement.refused}); the test snapshot's shard data may come from one node only`,
    )
    return undefined
  }

  return context.placement
}

/** One shard per data node for --create-test-index; 1 where the cluster will not say, or has one data node. */
export const testIndexShards = (placement: ShardPlacement | undefined) =>
  Math.max(1, placement ? dataNodesOf(placement).length : 1)

/** The indices the default choice copies: every data node covered when it can be, else the smallest index. */
export function chooseIndices(
  context: VerifyContext,
  indices: IndexSize[],
  maxBytes: number,
  placement: ShardPlacement | undefined,
): IndexSize[] {
  if (!placement) {
    const chosen = smallestQualifyingIndex(indices, maxBytes)
    return chosen ? [chosen] : []
  }

  return settleCoverage(context, chooseCoveringSet(indices, placement, maxBytes)).indices
}

/** Records the coverage of these indices (named, or created), as placed now. */
export function coverNamed(context: VerifyContext, indices: IndexSize[], placement: ShardPlacement | undefined) {
  if (placement) settleCoverage(context, coverageOf(indices, placement))
}

function settleCoverage(context: VerifyContext, coverage: NodeCoverage): NodeCoverage {
  context.nodeCoverage = coverage
  if (coverage.indices.length > 0 && coverage.proven.length + coverage.unproven.length > 1)
    for (const {node, why} of coverage.unproven)
      context.notProven.push(
        `node ${node.name}'s shard writes: it ${why} (name an index with a primary there with --index, or add --create-test-index for one primary on every data node)`,
      )
  return coverage
}

/** The step's words on coverage: empty on a one-node cluster (it reads as before). */
export function coverageDetail(context: VerifyContext): string {
  const coverage = context.nodeCoverage
  if (!coverage || coverage.proven.length + coverage.unproven.length <= 1) return ''
  const proven = coverage.proven.map(({node, shards}) => `${node.name} (${shards.join(', ')})`).join(', ')
  const unproven = coverage.unproven.map(({node}) => node.name)
  return `; primaries on ${proven || 'no data node'}${unproven.length > 0 ? `; not covered: ${unproven.join(', ')}` : ', every data node'}`
}
