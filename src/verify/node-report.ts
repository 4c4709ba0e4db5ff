import type {SnapshotInfo} from '../cluster/snapshots.js'
import type {StepResult} from '../steps/report.js'
import type {VerifyContext} from './context.js'

import {dataNodesOf, nodeNamesById, type ShardPlacement} from '../cluster/shard-placement.js'
import {nodesNamedInVerification} from '../diagnose/index.js'
import {knownPlacement} from './data-indices.js'

/**
 * The report's per-node section: each data node writes its own primaries with its own S3 client, so the
 * report says for each one what it wrote in the test snapshot, where, and whether it was read back.
 */
export interface NodeProof {
  id: string
  /** Uploaded a file over buffer_size in parts (where the run forced multipart; SSE-KMS and abort permissions fail only there). */
  multipart?: boolean
  name: string
  /** Its shards were read back as the backfill reads them, lengths and checksums matching. */
  readBack: boolean
  /** The primaries it held in the test snapshot (`index[shard]`). */
  shards: string[]
  status: 'failed' | 'not proven' | 'proven'
  /** Where its shard files went: the shard directories (under the base path, or a hashed prefix). */
  where: string[]
  /** For a node not proven or failed: why. */
  why?: string
}

/** The nodes a failed snapshot names (by id in its shard failures), and the others that held its primaries. */
export function nodesOfFailure(
  info: SnapshotInfo,
  placement: ShardPlacement | undefined,
): {failedNodes?: string[]; succeededNodes?: string[]} {
  if (!placement || dataNodesOf(placement).length <= 1) return {}
  const names = nodeNamesById(placement)
  const failedIds = new Set((info.failures ?? []).map((failure) => failure.node_id).filter(Boolean) as string[])
  if (failedIds.size === 0) return {}
  const copied = new Set(info.indices ?? [])
  const holders = new Set(placement.primaries.filter((p) => copied.has(p.index)).map((p) => p.nodeId))
  return {
    failedNodes: [...failedIds].map((id) => names[id] ?? id).sort(),
    succeededNodes: [...holders]
      .filter((id) => !failedIds.has(id))
      .map((id) => names[id] ?? id)
      .sort(),
  }
}

const shardKey = (index: string, shard: number) => `${index}[${shard}]`

function failureOf(context: VerifyContext, nodeId: string): string | undefined {
  const failures = (context.snapshotInfo?.failures ?? []).filter((failure) => failure.node_id === nodeId)
  if (failures.length === 0) return undefined
  return failures
    .map(
      (failure) => `[${failure.index}][${failure.shard_id}] ${(failure.reason ?? failure.status ?? '').slice(0, 400)}`,
    )
    .join('; ')
}

/** Why a node that held a copied primary is not proven, when nothing failed on it. */
function stoppedBefore(context: VerifyContext): string {
  if (!context.snapshotInfo) return 'the run stopped before the test snapshot'
  if (context.snapshotInfo.state !== 'SUCCESS')
    return `wrote its shard(s), but the test snapshot ended ${context.snapshotInfo.state} on another node, so nothing was read back`
  return 'its shard(s) were not read back (the read-back did not run or failed)'
}

/** Every data node's line of the report; absent on a one-node cluster (it reads as before) or where placement is unknown. */
export function nodeProofs(context: VerifyContext, steps: StepResult[] = []): NodeProof[] | undefined {
  const placement = knownPlacement(context)
  const coverage = context.nodeCoverage
  if (!placement || !coverage || dataNodesOf(placement).length <= 1) return undefined
  const readShards = new Map(
    (context.readBack?.shards ?? []).map((shard) => [shardKey(shard.index, shard.shard), shard.directory]),
  )
  // A registration the cluster's verification refused names the nodes that could not write (`_verify`).
  const registration = steps.find((step) => step.name === 'repository' && step.status === 'failed')
  const refused = new Set(registration ? nodesNamedInVerification(registration.detail) : [])
  const large = (shard: string) => (context.segmentBytesByShard?.[shard] ?? 0) > 5 * 1024 * 1024
  return dataNodesOf(placement).map((node) => {
    const shards = coverage.proven.find((entry) => entry.node.id === node.id)?.shards ?? []
    const unproven = coverage.unproven.find((entry) => entry.node.id === node.id)
    const failed =
      failureOf(context, node.id) ??
      (refused.has(node.name)
        ? "the repository's verification could not write from this node (the repository step names the cause)"
        : undefined)
    const readBack = shards.length > 0 && shards.every((shard) => readShards.has(shard))
    const proof: NodeProof = {
      id: node.id,
      name: node.name,
      readBack,
      shards,
      status: failed ? 'failed' : readBack ? 'proven' : 'not proven',
      where: [...new Set(shards.map((shard) => readShards.get(shard)).filter(Boolean) as string[])],
    }
    if (context.bufferSize && shards.length > 0) proof.multipart = shards.some((shard) => large(shard))
    if (failed) proof.why = failed
    else if (unproven) proof.why = `it ${unproven.why}`
    else if (!readBack) proof.why = stoppedBefore(context)
    return proof
  })
}
