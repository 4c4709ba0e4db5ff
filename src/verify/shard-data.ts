import type {SnapshotInfo} from '../cluster/snapshots.js'
import type {DataIndex, VerifyRequest, VerifyView} from './context.js'

import {proveBackfillRead} from '../backfill/check.js'
import {createTestIndex, indexExists, type IndexSize, listIndexSizes} from '../cluster/indices.js'
import {dataNodesOf, largestSegmentByShard, nodeNamesById, type ShardPlacement} from '../cluster/shard-placement.js'
import {CheckFailure} from '../diagnose/index.js'
import {UsageError} from '../errors.js'
import {formatBytes} from '../format.js'
import {pathSegment} from '../names.js'
import {readBackSnapshot, ShardReadError} from '../snapshot-format/read-back.js'
import {testIndexName} from '../verify-names.js'
import {testFiles} from './cleanup.js'
import {chooseIndices, coverageDetail, coverNamed, readPlacement, testIndexShards} from './data-indices.js'
import {nodesOfFailure} from './node-report.js'
import {clusterCall, type VerifyStep} from './planned.js'

/**
 * The shard-data half of verify: the migration's snapshot copies indices, and the backfill reads
 * their shard files. A metadata-only snapshot proves neither.
 */

/** S3 uploads a file above buffer_size in parts; 5 MiB is the smallest buffer S3 allows. */
export const MULTIPART_BUFFER = {bytes: 5 * 1024 * 1024, setting: '5mb'}
export const DEFAULT_MAX_INDEX_BYTES = 64 * 1024 * 1024

const NOT_PROVEN_WITHOUT_DATA =
  'the shard-data path: that the cluster can write shard files (on OpenSearch 3.x under hashed prefixes outside the base path) and that the console can read what the backfill reads'

/**
 * A test snapshot that did not succeed, with the cluster's own reasons shard by shard (they name the object
 * it could not write) and, where the cluster's nodes are known, which nodes failed and which wrote theirs.
 */
export function snapshotFailure(snapshot: string, info: SnapshotInfo, placement?: ShardPlacement): CheckFailure {
  const names = nodeNamesById(placement)
  const several = placement !== undefined && dataNodesOf(placement).length > 1
  const nodeOf = (failure: {node_id?: string}) =>
    several && failure.node_id ? ` on ${names[failure.node_id] ?? failure.node_id}` : ''
  const reasons = (info.failures ?? []).map(
    (failure) =>
      `[${failure.index ?? '?'}][${failure.shard_id ?? '?'}]${nodeOf(failure)} ${failure.reason ?? failure.status ?? ''}`,
  )
  return new CheckFailure(
    'snapshot-not-successful',
    `snapshot ${snapshot} ended in state ${info.state}${reasons.length > 0 ? `: ${reasons.join('; ')}` : ''}`,
    {snapshot: info, ...nodesOfFailure(info, placement)},
  )
}

/** A read-back failure as a failed check, naming the object, with the store's status for the diagnosis. */
export function readBackFailure(error: ShardReadError): CheckFailure {
  const cause = error.cause as undefined | {failure?: {name?: string; status?: number}}
  return new CheckFailure(`shard-file-${error.kind}`, error.message, {
    errorName: cause?.failure?.name,
    key: error.key,
    status: cause?.failure?.status,
  })
}

/** The index the index step will choose, as a reader of a dry run would find it (none: metadata only). */
export function plannedDataIndex(request: VerifyRequest): VerifyView['dataIndex'] {
  const choice = request.shardData ?? {mode: 'metadata-only'}
  switch (choice.mode) {
    case 'create': {
      return {created: true, name: testIndexName(request.runId)}
    }

    case 'index': {
      return {created: false, name: choice.index}
    }

    case 'metadata-only': {
      return undefined
    }

    case 'smallest': {
      return {created: false, name: '<that index>'}
    }
  }
}

/** What the index step asks the cluster to find or make the index (a named one is only looked up). */
function indexPlan(view: VerifyView) {
  const choice = view.shardData ?? {mode: 'metadata-only'}
  // Where primaries sit is read first, then the indices chosen among.
  const placement = (note: string) =>
    clusterCall('GET', '/_cat/shards?format=json&h=index,shard,prirep,state,id,node', {note})
  if (choice.mode === 'smallest')
    return [
      placement('on several data nodes: the fewest such indices whose primaries sit on every data node'),
      clusterCall('GET', '/_cat/indices?format=json&bytes=b', {
        note: `the smallest open index with documents whose pri.store.size is under ${choice.maxIndexBytes} bytes`,
      }),
    ]
  if (choice.mode === 'index')
    return [
      placement('on several data nodes: whether its primaries sit on every data node'),
      clusterCall('GET', `/${pathSegment(choice.index)}/_settings`, {note: 'it must exist'}),
      clusterCall('GET', '/_cat/indices?format=json&bytes=b', {note: 'its documents and pri.store.size'}),
    ]
  if (choice.mode !== 'create') return []
  const index = testIndexName(view.runId)
  const settings = {number_of_replicas: 0, number_of_shards: 'N', 'routing.allocation.total_shards_per_node': 1}
  return [
    clusterCall('GET', '/_nodes?filter_path=nodes.*.roles', {note: 'N = the nodes with a data role'}),
    clusterCall('PUT', `/${index}`, {body: {settings: {index: settings}}, note: 'one primary on each data node'}),
    clusterCall('PUT', `/${index}/_doc/1`, {
      body: {body: 'console snapshot verify test document'},
      note: 'and four more',
    }),
  ]
}

export const INDEX_STEP: VerifyStep = {
  name: 'index',
  plan: indexPlan,
  async run(context) {
    const choice = context.shardData ?? {mode: 'metadata-only'}
    if (choice.mode === 'metadata-only') {
      context.notProven.push(`${NOT_PROVEN_WITHOUT_DATA} (--metadata-only)`)
      return {skipped: 'metadata only (--metadata-only): no index is copied'}
    }

    const placement = await readPlacement(context)
    let chosen: IndexSize[]
    let created = ''
    switch (choice.mode) {
      case 'create': {
        const name = testIndexName(context.runId)
        context.journalEntry.testIndex = name
        await context.journal.record(context.journalEntry)
        const shards = testIndexShards(placement)
        const documents = await createTestIndex(context.cluster, name, context.signal, shards)
        chosen = [{documents, index: name, primaries: shards, primaryBytes: 0, status: 'open'}]
        coverNamed(context, chosen, placement && (await readPlacement(context)))
        created = `created ${name} (${shards} shard(s)${shards > 1 ? ', one on each data node' : ''}, 0 replicas, ${documents} documents); deleted again in cleanup`
        break
      }

      case 'index': {
        if (!(await indexExists(context.cluster, choice.index, context.signal)))
          throw new UsageError(`--index ${choice.index}: no such index on ${context.cluster.endpoint}`, [
            'name an open index (`GET _cat/indices`), or leave --index out to take the smallest one',
          ])
        const found = (await listIndexSizes(context.cluster, context.signal)).find(
          (index) => index.index === choice.index,
        )
        chosen = [found ?? {documents: 0, index: choice.index, primaries: 1, primaryBytes: 0, status: 'open'}]
        coverNamed(context, chosen, placement)
        break
      }

      case 'smallest': {
        const indices = await listIndexSizes(context.cluster, context.signal)
        chosen = chooseIndices(context, indices, choice.maxIndexBytes, placement)
        if (chosen.length === 0) {
          context.notProven.push(
            `${NOT_PROVEN_WITHOUT_DATA}: no open, non-system index with documents is under ${formatBytes(choice.maxIndexBytes)}`,
          )
          return {
            skipped: `shard-data path not proven: none of the cluster's ${indices.length} index(es) is open, not a system index, holds documents and has primaries under ${formatBytes(choice.maxIndexBytes)} (raise --max-index-size, name one with --index, or add --create-test-index)`,
          }
        }

        break
      }
    }

    const names = chosen.map((index) => index.index)
    context.segmentBytesByShard = created ? {} : await largestSegmentByShard(context.cluster, names, context.signal)
    const index: DataIndex = {
      created: Boolean(created),
      documents: chosen.reduce((sum, entry) => sum + entry.documents, 0),
      indices: names,
      largestSegmentBytes: Math.max(0, ...Object.values(context.segmentBytesByShard)),
      name: names.join(','),
      primaryBytes: chosen.reduce((sum, entry) => sum + entry.primaryBytes, 0),
    }
    context.dataIndex = index
    // Only a bucket takes uploads in parts.
    if (context.location.facts.bucket && index.largestSegmentBytes > MULTIPART_BUFFER.bytes)
      context.bufferSize = MULTIPART_BUFFER.setting
    const multipart = context.bufferSize
      ? `; the test repository gets buffer_size ${context.bufferSize} so that the nodes upload it in parts`
      : ''
    if (created) return `${created}${coverageDetail(context)}`
    return `${index.name}: ${index.documents} document(s), ${formatBytes(index.primaryBytes)} of primaries, largest segment ${formatBytes(index.largestSegmentBytes)}${multipart}${coverageDetail(context)}; only read, never written`
  },
  title: 'Index for the shard-data test chosen',
}

export const READ_BACK_STEP: VerifyStep = {
  name: 'read-back',
  plan: () => [
    {
      note: "then read back, with these credentials, each shard's snap-<uuid>.dat under indices/<id>/<shard>/ (or the hashed prefix named in snapshot_shard_paths/) and every file it lists, checking length and Lucene checksum",
      to: 'reads',
    },
  ],
  async run(context) {
    const files = await testFiles(context)
    const reader = await files.reader()
    if (!reader) {
      context.notProven.push(`the backfill's read of the shard files: ${files.describe()} is not visible here`)
      return {skipped: `${files.describe()} is not visible from the console`}
    }

    try {
      const result = await readBackSnapshot(reader.store, reader.basePath, context.snapshot, {
        indices: context.dataIndex?.indices ?? [],
        signal: context.signal,
      })
      context.readBack = result
      const seconds = Math.max(result.durationMs, 1) / 1000
      const where = [...new Set(result.shards.map((shard) => shard.directory))]
      const hashed = result.shards.some((shard) => shard.source.includes('snapshot_shard_paths/'))
      const multipart = context.location.facts.bucket
        ? context.bufferSize && result.largest && result.largest.length > MULTIPART_BUFFER.bytes
          ? `; multipart upload exercised: ${result.largest.key.split('/').at(-1)} is ${formatBytes(result.largest.length)}, above buffer_size ${context.bufferSize}`
          : `; multipart upload not exercised (largest file ${formatBytes(result.largest?.length ?? 0)}, under the nodes' buffer size)`
        : ''
      const backfill =
        context.backfill && context.backfillReader
          ? `; ${await proveBackfillRead(reader.store, {basePath: reader.basePath, kind: context.location.type}, {chosen: context.backfill, reader: context.backfillReader}, result)}`
          : ''
      return `${result.files} file(s), ${formatBytes(result.bytes)} in ${result.durationMs < 1000 ? `${result.durationMs} ms` : `${seconds.toFixed(1)} s`} (${formatBytes(result.bytes / seconds)}/s), plus ${result.inline} kept inline; lengths and Lucene checksums match the shard metadata; ${result.shards.length} shard(s) at ${where.join(', ')}${hashed ? ' (hashed prefix, found through snapshot_shard_paths/)' : ''}${multipart}${backfill}`
    } catch (error) {
      if (!(error instanceof ShardReadError)) throw error
      throw readBackFailure(error)
    }
  },
  skipReason: (context) => (context.dataIndex ? undefined : 'no shard data in the test snapshot'),
  title: "Shard files read back as the backfill reads them (console's credentials)",
}
