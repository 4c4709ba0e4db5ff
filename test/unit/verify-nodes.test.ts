import {strict as assert} from 'node:assert'
import path from 'node:path'

import {embedding} from '../../src/base-command.js'
import {FakeCluster} from '../helpers/fake-cluster.js'
import {FakeS3} from '../helpers/fake-s3.js'
import {scratchServices} from '../helpers/paths.js'
import {runCommand} from '../helpers/run-command.js'

const {file: services, scratch} = scratchServices(
  'verify-nodes-test-',
  `source_cluster:
  endpoint: http://source.test:9200
  no_auth:
snapshot:
  s3:
    repo_uri: s3://migration-bucket/rfs-snapshot-repo
    aws_region: us-east-1
    endpoint: http://s3.test:9000
`,
)
const scripted = {CI: 'true', CONSOLE_DATA_DIR: path.join(scratch, 'data'), MIGRATION_SERVICES_YAML_PATH: undefined}

/** Three data nodes n1..n3 (the fake cluster names them id0..id2); `_cat/shards` lists these primaries. */
function threeNodes(primaries: [string, number, number][]) {
  const s3 = new FakeS3().addBucket('migration-bucket')
  s3.install()
  const cluster = new FakeCluster('http://source.test:9200', s3)
  cluster.nodes = ['n1', 'n2', 'n3'].map((name) => ({name, plugins: ['repository-s3']}))
  cluster.override('GET', /^\/_cat\/shards$/, [
    200,
    primaries.map(([index, shard, node]) => ({
      id: `id${node}`,
      index,
      node: `n${node + 1}`,
      prirep: 'p',
      shard: String(shard),
      state: 'STARTED',
    })),
  ])
  return cluster
}

const row = (index: string, bytes: number) => ({
  'docs.count': '3',
  index,
  pri: '1',
  'pri.store.size': String(bytes),
  status: 'open',
})
const snapshotBody = (cluster: FakeCluster) =>
  cluster.requests.find((request) => request.method === 'PUT' && /verify_snapshot_/.test(request.path))?.body
const stepDetail = (outcome: {stdout: string}, name: string) =>
  JSON.parse(outcome.stdout).result.steps.find((step: {name: string}) => step.name === name).detail

describe('snapshot verify on a cluster of several data nodes', () => {
  before(() => {
    embedding().clusterClientOptions = {retry: {baseDelayMs: 1, maxDelayMs: 2, retries: 1}}
  })

  it('copies the fewest indices whose primaries sit on every data node, and says where they are', async () => {
    const cluster = threeNodes([
      ['small', 0, 0],
      ['pair', 0, 0],
      ['pair', 1, 1],
      ['third', 0, 2],
    ])
    cluster.indices = [row('small', 100), row('pair', 900), row('third', 500)]
    cluster.install()
    const outcome = await runCommand(['snapshot', 'verify', '--config-file', services, '--json'], scripted)
    assert.deepEqual(snapshotBody(cluster), {
      ignore_unavailable: false,
      include_global_state: true,
      indices: 'third,pair',
    })
    assert.match(
      stepDetail(outcome, 'index'),
      /^third,pair: 6 document\(s\).*; primaries on n1 \(pair\[0\]\), n2 \(pair\[1\]\), n3 \(third\[0\]\), every data node; only read/,
    )
    // The fake cluster writes no shard files: nothing is read back, so no node is proven, and the report says why.
    const {nodes} = JSON.parse(outcome.stdout).result
    assert.deepEqual(
      nodes.map((node: {name: string; status: string}) => [node.name, node.status]),
      [
        ['n1', 'not proven'],
        ['n2', 'not proven'],
        ['n3', 'not proven'],
      ],
    )
  })

  it('creates the test index with one primary on each data node', async () => {
    const cluster = threeNodes([])
    cluster.override('PUT', /^\/verify_index_/, [200, {acknowledged: true}])
    cluster.override('POST', /^\/verify_index_[^/]+\/_(refresh|flush)$/, [200, {}])
    cluster.install()
    await runCommand(['snapshot', 'verify', '--config-file', services, '--create-test-index', '--json'], scripted)
    const created = cluster.requests.find(
      (request) => request.method === 'PUT' && /^\/verify_index_/.test(request.path),
    )
    assert.deepEqual(created?.body, {
      settings: {
        index: {number_of_replicas: 0, number_of_shards: 3, routing: {allocation: {total_shards_per_node: 1}}},
      },
    })
    assert.equal(
      cluster.requests.filter(
        (request) => request.method === 'PUT' && /^\/verify_index_[^/]+\/_doc\//.test(request.path),
      ).length,
      15,
    )
  })

  it('falls back to the smallest index when the cluster refuses where shards live, and says the nodes are unknown', async () => {
    const s3 = new FakeS3().addBucket('migration-bucket')
    s3.install()
    const cluster = new FakeCluster('http://source.test:9200', s3)
    cluster.indices = [row('small', 100), row('larger', 900)]
    cluster.override('GET', /^\/_cat\/shards$/, [
      403,
      {error: {reason: 'no permissions for [indices:monitor/stats]', type: 'security_exception'}, status: 403},
    ])
    cluster.install()
    const outcome = await runCommand(['snapshot', 'verify', '--config-file', services, '--json'], scripted)
    const report = JSON.parse(outcome.stdout).result
    assert.equal((snapshotBody(cluster) as undefined | {indices?: string})?.indices, 'small')
    assert.equal(report.nodes, undefined)
    assert.ok(
      report.notProven.some((line: string) =>
        line.startsWith(
          'which data nodes wrote shard data: the cluster would not say where shards live (GET /_cat/shards answered 403 (security_exception))',
        ),
      ),
      JSON.stringify(report.notProven),
    )
  })
})
