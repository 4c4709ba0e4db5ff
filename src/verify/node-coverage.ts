import {type IndexSize, qualifiesForShardData} from '../cluster/indices.js'
import {type ClusterNode, dataNodesOf, type ShardPlacement} from '../cluster/shard-placement.js'
import {formatBytes} from '../format.js'

/**
 * Which indices the test snapshot copies so that every data node writes a shard: each node uploads the
 * primaries it holds with its own S3 client, so an index whose primaries sit on one node proves one node.
 */

export interface NodeCoverage {
  /** The indices chosen (or named), smallest first. */
  indices: IndexSize[]
  /** Data nodes holding a primary of a chosen index, with those shards (`index[shard]`). */
  proven: {node: ClusterNode; shards: string[]}[]
  /** Data nodes no chosen index has a primary on, and why. */
  unproven: {node: ClusterNode; why: string}[]
}

/** Past this many combinations the search takes the greedy cover instead (a cluster of very many indices and nodes). */
export const COVER_SEARCH_LIMIT = 50_000

type Candidate = {index: IndexSize; nodes: Set<string>}

const totalBytes = (set: Candidate[]) => set.reduce((sum, candidate) => sum + candidate.index.primaryBytes, 0)
const names = (set: Candidate[]) => set.map((candidate) => candidate.index.index).join(',')
const better = (a: Candidate[], b: Candidate[] | undefined) =>
  !b || totalBytes(a) < totalBytes(b) || (totalBytes(a) === totalBytes(b) && names(a) < names(b))

function unionOf(set: Candidate[]): Set<string> {
  const union = new Set<string>()
  for (const candidate of set) for (const node of candidate.nodes) union.add(node)
  return union
}

/** The fewest candidates (then the fewest bytes, then by name) whose nodes include every target node. */
function smallestCover(candidates: Candidate[], target: Set<string>): Candidate[] {
  let tried = 0
  for (let size = 1; size <= Math.min(target.size, candidates.length); size++) {
    let best: Candidate[] | undefined
    const pick = (start: number, chosen: Candidate[]): boolean => {
      if (chosen.length === size) {
        tried++
        const union = unionOf(chosen)
        if ([...target].every((node) => union.has(node)) && better(chosen, best)) best = [...chosen]
        return tried < COVER_SEARCH_LIMIT
      }

      for (let next = start; next < candidates.length; next++)
        if (!pick(next + 1, [...chosen, candidates[next]])) return false
      return true
    }

    if (!pick(0, [])) return greedyCover(candidates, target)
    if (best) return best
  }

  return greedyCover(candidates, target)
}

function greedyCover(candidates: Candidate[], target: Set<string>): Candidate[] {
  const left = new Set(target)
  const chosen: Candidate[] = []
  while (left.size > 0) {
    const gain = (candidate: Candidate) => [...candidate.nodes].filter((node) => left.has(node)).length
    const next = candidates
      .filter((candidate) => gain(candidate) > 0)
      .sort((a, b) => gain(b) - gain(a) || a.index.primaryBytes - b.index.primaryBytes)[0]
    if (!next) break
    chosen.push(next)
    for (const node of next.nodes) left.delete(node)
  }

  return chosen
}

/** Which data nodes these indices' primaries sit on, and why the others are not proven. */
export function coverageOf(
  indices: IndexSize[],
  placement: ShardPlacement,
  whyNot: (node: ClusterNode) => string = () => 'holds no primary of the copied index(es)',
): NodeCoverage {
  const chosen = new Set(indices.map((index) => index.index))
  const shardsOn = (node: ClusterNode) =>
    placement.primaries
      .filter((primary) => primary.nodeId === node.id && chosen.has(primary.index))
      .map((primary) => `${primary.index}[${primary.shard}]`)
      .sort()
  const data = dataNodesOf(placement)
  return {
    indices: [...indices].sort((a, b) => a.primaryBytes - b.primaryBytes || a.index.localeCompare(b.index)),
    proven: data.map((node) => ({node, shards: shardsOn(node)})).filter((entry) => entry.shards.length > 0),
    unproven: data.filter((node) => shardsOn(node).length === 0).map((node) => ({node, why: whyNot(node)})),
  }
}

/**
 * The default choice: the smallest set of qualifying indices (open, not system, with documents, primaries
 * under the cap) whose primaries together sit on every data node that any of them reaches.
 */
export function chooseCoveringSet(indices: IndexSize[], placement: ShardPlacement, maxBytes: number): NodeCoverage {
  const dataIds = new Set(dataNodesOf(placement).map((node) => node.id))
  const nodesOf = (index: string) =>
    new Set(
      placement.primaries
        .filter((primary) => primary.index === index && dataIds.has(primary.nodeId))
        .map((primary) => primary.nodeId),
    )
  // One candidate per distinct set of nodes: the smallest index that has it.
  const byNodes = new Map<string, Candidate>()
  for (const index of indices
    .filter((entry) => qualifiesForShardData(entry, maxBytes))
    .sort((a, b) => a.primaryBytes - b.primaryBytes || a.index.localeCompare(b.index))) {
    const nodes = nodesOf(index.index)
    const key = [...nodes].sort().join(',')
    if (nodes.size > 0 && !byNodes.has(key)) byNodes.set(key, {index, nodes})
  }

  const candidates = [...byNodes.values()]
  const cover = smallestCover(candidates, unionOf(candidates))
  const sizes = new Map(indices.map((index) => [index.index, index]))
  const whyNot = (node: ClusterNode) => {
    const held = [...new Set(placement.primaries.filter((p) => p.nodeId === node.id).map((p) => p.index))].sort()
    if (held.length === 0) return 'holds no primary shard'
    return `holds primaries only of indices verify does not pick by itself (closed, system, without documents, or over ${formatBytes(maxBytes)}): ${held
      .slice(0, 5)
      .map((name) => `${name}${sizes.get(name) ? ` (${formatBytes(sizes.get(name)!.primaryBytes)})` : ''}`)
      .join(', ')}${held.length > 5 ? `, and ${held.length - 5} more` : ''}`
  }

  return coverageOf(
    cover.map((candidate) => candidate.index),
    placement,
    whyNot,
  )
}
