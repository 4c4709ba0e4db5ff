import {strict as assert} from 'node:assert'
import {readFileSync} from 'node:fs'

import type {VerifyContext} from '../../src/verify/context.js'

import {ClusterRequestError} from '../../src/cluster/client.js'
import {parseNodes, parsePrimaries, type ShardPlacement} from '../../src/cluster/shard-placement.js'
import {diagnose, type DiagnosisContext} from '../../src/diagnose/index.js'
import {renderNodeProofs} from '../../src/render/node-lines.js'
import {coverageOf} from '../../src/verify/node-coverage.js'
import {nodeProofs} from '../../src/verify/node-report.js'
import {snapshotFailure} from '../../src/verify/shard-data.js'
import {localFixture} from '../helpers/paths.js'

/** The answers of one 3-node OpenSearch 3.6 session (n1..n3), captured together so that node ids agree. */
const fixture = (name: string) => JSON.parse(readFileSync(localFixture('responses', name), 'utf8'))
const placement: ShardPlacement = {
  nodes: parseNodes(fixture('observed-nodes-three-nodes.json').body),
  primaries: parsePrimaries(fixture('observed-cat-shards-three-nodes.json').body),
}
const context: DiagnosisContext = {
  basePath: 'mig',
  bucket: 'capture-nodes',
  engine: {distribution: 'opensearch', version: '3.6.0'},
  nodes: ['n1', 'n2', 'n3'],
  repository: 'verify_x',
  s3Client: 'capture',
}

describe('per-node diagnoses on a 3-node cluster', () => {
  it("names the node whose keys the store rejects at registration, the nodes it accepts, and that node's keystore remedy", () => {
    const {body, status} = fixture('observed-verify-one-node-wrong-secret.json')
    const error = new ClusterRequestError('PUT', '/_snapshot/verify_x', 'http://n1:9200', status, body, undefined, 'x')
    const diagnosis = diagnose(error, context)
    assert.equal(diagnosis.code, 'node-credentials-rejected')
    assert.match(diagnosis.cause, /^n3 has S3 credentials the store rejects/)
    assert.match(diagnosis.cause, /, while n1 and n2 wrote their verification file/)
    assert.match(diagnosis.cause, /n3's credentials differ from the other nodes'/)
    assert.match(diagnosis.remediation, /on n3, `bin\/opensearch-keystore add --force s3\.client\.capture\.access_key`/)
    assert.match(diagnosis.remediation, /s3\.client\.capture\.secret_key/)
    assert.match(diagnosis.remediation, /POST _nodes\/reload_secure_settings/)
    assert.match(diagnosis.remediation, /instance the same role/)
  })

  it('without the node list (metadata only), still names the failing node', () => {
    const {body, status} = fixture('observed-verify-one-node-wrong-secret.json')
    const error = new ClusterRequestError('PUT', '/_snapshot/verify_x', 'http://n1:9200', status, body, undefined, 'x')
    const diagnosis = diagnose(error, {...context, nodes: undefined})
    assert.equal(diagnosis.code, 'node-credentials-rejected')
    assert.match(diagnosis.cause, /^n3 has S3 credentials the store rejects \(wrong or unknown keys\)\.$/)
  })

  it('a node denied at registration on OpenSearch 3.x gets the bucket-wide remedy, never a base-path policy', () => {
    const {body, status} = fixture('observed-verify-one-node-wrong-secret.json')
    const denied = JSON.parse(
      JSON.stringify(body).replaceAll(
        'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
        'Access Denied',
      ),
    )
    const error = new ClusterRequestError(
      'PUT',
      '/_snapshot/verify_x',
      'http://n1:9200',
      status,
      denied,
      undefined,
      'x',
    )
    const diagnosis = diagnose(error, context)
    assert.equal(diagnosis.code, 'node-write-denied')
    assert.match(
      diagnosis.cause,
      /^n3 may not write to s3:\/\/capture-nodes \(403 Access Denied\), while n1 and n2 may: n3's credentials differ/,
    )
    assert.match(diagnosis.remediation, /s3:PutObject.* on arn:aws:s3:::capture-nodes\/\* \(OpenSearch 3\.x/)
    assert.match(diagnosis.remediation, /shard_path_type": "FIXED"/)
    // On OpenSearch 2.x the base path is where shard data goes: that policy is the remedy there.
    const older = diagnose(error, {...context, engine: {distribution: 'opensearch', version: '2.19.3'}})
    assert.match(older.remediation, /s3:PutObject, s3:DeleteObject on arn:aws:s3:::capture-nodes\/mig\/\*/)
  })

  it("maps a PARTIAL snapshot's shard failure by node id to n3, beside the nodes that wrote theirs (OpenSearch 3.6's own answer)", () => {
    const {body} = fixture('observed-snapshot-partial-one-node-limited.json')
    const failure = snapshotFailure('verify_snapshot_x', body.snapshot, placement)
    assert.match(
      failure.message,
      /ended in state PARTIAL: \[cover-three\]\[1\] on n3 IndexShardSnapshotFailedException/,
    )
    assert.deepEqual(failure.details.failedNodes, ['n3'])
    assert.deepEqual(failure.details.succeededNodes, ['n1', 'n2'])
    const diagnosis = diagnose(failure, context)
    assert.equal(diagnosis.code, 'node-hashed-prefix-denied')
    assert.match(
      diagnosis.cause,
      /^n3 could not write 311000000100110\/mig\/repo\/indices\/.+, while n1 and n2 wrote theirs/,
    )
    assert.match(diagnosis.cause, /The migration's snapshot would end PARTIAL/)
    assert.match(
      diagnosis.remediation,
      /^Give n3 s3:PutObject, s3:GetObject and s3:DeleteObject on arn:aws:s3:::capture-nodes\/\*/,
    )
    assert.match(diagnosis.remediation, /not only mig\/\*/)
    assert.match(diagnosis.remediation, /opensearch-keystore add --force s3\.client\.capture\.access_key/)
  })

  it('on a one-node cluster the snapshot failure reads as before (no node named)', () => {
    const {body} = fixture('observed-snapshot-partial-one-node-limited.json')
    const single: ShardPlacement = {nodes: [placement.nodes[0]], primaries: placement.primaries}
    const failure = snapshotFailure('verify_snapshot_x', body.snapshot, single)
    assert.match(failure.message, /PARTIAL: \[cover-three\]\[1\] IndexShardSnapshotFailedException/)
    assert.equal(failure.details.failedNodes, undefined)
    assert.equal(diagnose(failure, context).code, 'cluster-hashed-prefix-denied')
  })

  it('reports each data node: proven with its shard directory, failed with its reason, or not proven with why', () => {
    const {body} = fixture('observed-snapshot-partial-one-node-limited.json')
    const coverage = coverageOf(
      [{documents: 9, index: 'cover-three', primaries: 3, primaryBytes: 39_423, status: 'open'}],
      placement,
    )
    const partial = {
      bufferSize: '5mb',
      nodeCoverage: coverage,
      placement,
      segmentBytesByShard: {'cover-three[0]': 6 * 1024 * 1024, 'cover-three[1]': 10, 'cover-three[2]': 10},
      snapshotInfo: body.snapshot,
    } as unknown as VerifyContext
    const nodes = nodeProofs(partial)!
    assert.deepEqual(
      nodes.map((node) => [node.name, node.status, node.shards.join(','), node.multipart]),
      [
        ['n1', 'not proven', 'cover-three[2]', false],
        ['n2', 'not proven', 'cover-three[0]', true],
        ['n3', 'failed', 'cover-three[1]', false],
      ],
    )
    assert.match(nodes[0].why!, /wrote its shard\(s\), but the test snapshot ended PARTIAL on another node/)
    assert.match(nodes[2].why!, /Access Denied/)

    const succeeded = {
      ...partial,
      readBack: {
        shards: [0, 1, 2].map((shard) => ({
          directory: `S0011010010001${shard}/mig/v/indices/abc/${shard}/`,
          index: 'cover-three',
          shard,
          source: 'snapshot_shard_paths/x',
        })),
      },
      snapshotInfo: {snapshot: 's', state: 'SUCCESS'},
    } as unknown as VerifyContext
    const proven = nodeProofs(succeeded)!
    assert.deepEqual(
      proven.map((node) => node.status),
      ['proven', 'proven', 'proven'],
    )
    assert.deepEqual(proven[1].where, ['S00110100100010/mig/v/indices/abc/0/'])
    const lines = renderNodeProofs(proven)
    assert.equal(lines[0], 'data nodes (3 of 3 proven):')
    assert.match(
      lines[2],
      /^ {2}n2: proven — wrote cover-three\[0\]; at hashed prefix S00110100100010\/mig\/v\/indices\/abc\/0\/; read back; uploaded in parts$/,
    )
  })

  it('marks the node a refused registration names as failed, the others as not proven', () => {
    const {body, status} = fixture('observed-verify-one-node-wrong-secret.json')
    const error = new ClusterRequestError('PUT', '/_snapshot/verify_x', 'http://n1:9200', status, body, undefined, 'x')
    const coverage = coverageOf(
      [{documents: 9, index: 'cover-three', primaries: 3, primaryBytes: 39_423, status: 'open'}],
      placement,
    )
    const stopped = {nodeCoverage: coverage, placement} as unknown as VerifyContext
    const detail = JSON.stringify(error.body)
    const nodes = nodeProofs(stopped, [{detail, durationMs: 1, name: 'repository', status: 'failed', title: 'x'}])!
    assert.deepEqual(
      nodes.map((node) => [node.name, node.status]),
      [
        ['n1', 'not proven'],
        ['n2', 'not proven'],
        ['n3', 'failed'],
      ],
    )
    assert.match(nodes[2].why!, /the repository's verification could not write from this node/)
    assert.match(nodes[0].why!, /the run stopped before the test snapshot/)
  })

  it('leaves the per-node section out on a one-node cluster', () => {
    const single: ShardPlacement = {nodes: [placement.nodes[0]], primaries: []}
    const one = {nodeCoverage: coverageOf([], single), placement: single} as unknown as VerifyContext
    assert.equal(nodeProofs(one), undefined)
    assert.deepEqual(renderNodeProofs(undefined), [])
  })
})
