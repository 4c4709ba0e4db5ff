import nock from 'nock'
import {strict as assert} from 'node:assert'
import {readFileSync} from 'node:fs'

import type {IndexSize} from '../../src/cluster/indices.js'

import {createClusterClient} from '../../src/cluster/client.js'
import {
  nodeNamesById,
  parseNodes,
  parsePrimaries,
  readShardPlacement,
  type ShardPlacement,
} from '../../src/cluster/shard-placement.js'
import {chooseCoveringSet, coverageOf} from '../../src/verify/node-coverage.js'
import {localFixture} from '../helpers/paths.js'

const MB = 1024 * 1024
const fixture = (name: string) => JSON.parse(readFileSync(localFixture('responses', name), 'utf8')).body

const index = (name: string, primaryBytes: number, extra: Partial<IndexSize> = {}): IndexSize => ({
  documents: 10,
  index: name,
  primaries: 1,
  primaryBytes,
  status: 'open',
  ...extra,
})

const catRow = (name: string, shard: number, node: string, prirep = 'p') => ({
  id: `id-${node}`,
  index: name,
  node,
  prirep,
  shard: String(shard),
  state: 'STARTED',
})

/** [index, shard, node] rows of one index with primary 0, 1, … on each of `nodes` in turn. */
const across = (name: string, nodes = ['n1', 'n2', 'n3']): [string, number, string][] =>
  nodes.map((node, shard) => [name, shard, node])

/** Three data nodes n1..n3 (ids id1..id3) and one cluster-manager-only node m1; primaries as given: [index, shard, node]. */
function placement(primaries: [string, number, string][], replicasOn: [string, string][] = []): ShardPlacement {
  const catRows = [
    ...primaries.map(([name, shard, node]) => catRow(name, shard, node)),
    ...replicasOn.map(([name, node]) => catRow(name, 0, node, 'r')),
  ]
  return {
    nodes: parseNodes({
      nodes: {
        'id-m1': {name: 'm1', roles: ['cluster_manager']},
        'id-n1': {name: 'n1', roles: ['data', 'ingest']},
        'id-n2': {name: 'n2', roles: ['cluster_manager', 'data']},
        'id-n3': {name: 'n3', roles: ['data_hot']},
      },
    }),
    primaries: parsePrimaries(catRows),
  }
}

const chosen = (coverage: ReturnType<typeof chooseCoveringSet>) => coverage.indices.map((entry) => entry.index)
const provenNames = (coverage: ReturnType<typeof chooseCoveringSet>) => coverage.proven.map((entry) => entry.node.name)

describe('node coverage: which indices prove every data node', () => {
  it('parses the 3-node cluster answers of OpenSearch 3.6: started primaries only, node ids mapped to names', () => {
    const primaries = parsePrimaries(fixture('observed-cat-shards-three-nodes.json'))
    const nodes = parseNodes(fixture('observed-nodes-three-nodes.json'))
    assert.deepEqual(
      nodes.map((node) => [node.name, node.data]),
      [
        ['n1', true],
        ['n2', true],
        ['n3', true],
      ],
    )
    // two-nodes has a primary on one node and a replica on another: only the primary counts.
    assert.deepEqual(
      primaries.filter((primary) => primary.index === 'two-nodes').map((primary) => primary.nodeName),
      ['n2'],
    )
    const names = nodeNamesById({nodes, primaries})
    for (const primary of primaries) assert.equal(names[primary.nodeId], primary.nodeName)
  })

  it('on the captured cluster, picks the one index with a primary on each node over the smaller one on a single node', () => {
    const placed = {
      nodes: parseNodes(fixture('observed-nodes-three-nodes.json')),
      primaries: parsePrimaries(fixture('observed-cat-shards-three-nodes.json')),
    }
    const coverage = chooseCoveringSet(
      [index('two-nodes', 4455), index('cover-three', 39_423, {primaries: 3})],
      placed,
      64 * MB,
    )
    assert.deepEqual(chosen(coverage), ['cover-three'])
    assert.deepEqual(provenNames(coverage), ['n1', 'n2', 'n3'])
    assert.deepEqual(coverage.unproven, [])
  })

  it('takes the fewest indices, then the fewest bytes, and ignores nodes without the data role', () => {
    const layout = placement([
      ['a', 0, 'n1'],
      ['b', 0, 'n2'],
      ['c', 0, 'n3'],
      ...across('ab', ['n1', 'n2']),
      ...across('big-all'),
    ])
    const sizes = [index('a', 1), index('b', 1), index('c', 1), index('ab', 5), index('big-all', 50)]
    // One index covering all three beats three tiny ones.
    assert.deepEqual(chosen(chooseCoveringSet(sizes, layout, 64 * MB)), ['big-all'])
    // Over the cap it is out: then two indices (ab + c, 6 bytes) beat three (a + b + c, 3 bytes).
    const capped = chooseCoveringSet(sizes, layout, 10)
    assert.deepEqual(chosen(capped), ['c', 'ab'])
    assert.deepEqual(provenNames(capped), ['n1', 'n2', 'n3'])
    assert.ok(!provenNames(capped).includes('m1'))
  })

  it('breaks a tie of equal count and bytes by index name, so the choice is stable', () => {
    const layout = placement([...across('zeta'), ...across('alpha')])
    assert.deepEqual(chosen(chooseCoveringSet([index('zeta', 7), index('alpha', 7)], layout, 64 * MB)), ['alpha'])
  })

  it('skips closed, system, empty and oversized indices, and counts replicas for nothing', () => {
    const layout = placement(
      [
        ...across('small', ['n1', 'n2']),
        ['closed', 0, 'n3'],
        ['.system', 0, 'n3'],
        ['empty', 0, 'n3'],
        ['huge', 0, 'n3'],
      ],
      [['small', 'n3']],
    )
    const coverage = chooseCoveringSet(
      [
        index('small', 10),
        index('closed', 1, {status: 'close'}),
        index('.system', 1),
        index('empty', 1, {documents: 0}),
        index('huge', 100 * MB),
      ],
      layout,
      64 * MB,
    )
    assert.deepEqual(chosen(coverage), ['small'])
    assert.deepEqual(provenNames(coverage), ['n1', 'n2'])
    assert.equal(coverage.unproven.length, 1)
    assert.equal(coverage.unproven[0].node.name, 'n3')
    assert.match(coverage.unproven[0].why, /closed, system, without documents, or over 64\.0 MiB/)
    assert.match(coverage.unproven[0].why, /huge \(100\.0 MiB\)/)
  })

  it('names a data node that holds no shard at all as not proven, saying so', () => {
    const coverage = chooseCoveringSet([index('a', 1)], placement(across('a', ['n1', 'n2'])), 64 * MB)
    assert.deepEqual(provenNames(coverage), ['n1', 'n2'])
    assert.deepEqual(
      coverage.unproven.map((entry) => [entry.node.name, entry.why]),
      [['n3', 'holds no primary shard']],
    )
  })

  it('chooses nothing when no index qualifies, and every data node is then not proven', () => {
    const coverage = chooseCoveringSet([index('empty', 1, {documents: 0})], placement([['empty', 0, 'n1']]), 64 * MB)
    assert.deepEqual(coverage.indices, [])
    assert.deepEqual(
      coverage.unproven.map((entry) => entry.node.name),
      ['n1', 'n2', 'n3'],
    )
  })

  it('says which nodes a named index covers', () => {
    const coverage = coverageOf(
      [index('logs', 10)],
      placement([
        ['logs', 0, 'n2'],
        ['logs', 1, 'n2'],
      ]),
    )
    assert.deepEqual(coverage.proven, [{node: {data: true, id: 'id-n2', name: 'n2'}, shards: ['logs[0]', 'logs[1]']}])
    assert.deepEqual(
      coverage.unproven.map((entry) => entry.node.name),
      ['n1', 'n3'],
    )
  })

  it('finds a cover on a wide cluster without trying every combination', () => {
    // 12 data nodes, 40 one-node indices and 10 two-node ones: the search stays bounded and still covers all.
    const nodes = Object.fromEntries(
      Array.from({length: 12}, (_, number) => [`id-w${number}`, {name: `w${number}`, roles: ['data']}]),
    )
    const primaries = [
      ...Array.from({length: 40}, (_, number) => catRow(`one-${number}`, 0, `w${number % 12}`)),
      ...Array.from({length: 10}, (_, number) =>
        [0, 1].map((shard) => catRow(`two-${number}`, shard, `w${(number + shard * 5) % 12}`)),
      ).flat(),
    ]
    const sizes = [
      ...Array.from({length: 40}, (_, number) => index(`one-${number}`, 100 + number)),
      ...Array.from({length: 10}, (_, number) => index(`two-${number}`, 150 + number)),
    ]
    const started = Date.now()
    const coverage = chooseCoveringSet(sizes, {nodes: parseNodes({nodes}), primaries: parsePrimaries(primaries)}, MB)
    assert.ok(Date.now() - started < 5000, `took ${Date.now() - started} ms`)
    assert.equal(coverage.proven.length, 12)
    assert.deepEqual(coverage.unproven, [])
    assert.ok(coverage.indices.length <= 12)
  })

  describe('reading where primaries live', () => {
    const client = () =>
      createClusterClient(
        {allowInsecure: false, auth: {kind: 'none'}, endpoint: 'http://source:9200'},
        {retry: {baseDelayMs: 1, maxDelayMs: 1, retries: 0}},
      )

    /** The captured 3-node cluster's node list, then `_cat/shards` answering `status` with `body`. */
    const answering = (status: number, body: unknown) =>
      nock('http://source:9200')
        .get('/_nodes')
        .query(true)
        .reply(200, fixture('observed-nodes-three-nodes.json'))
        .get('/_cat/shards')
        .query(true)
        .reply(status, body as nock.Body)

    it('reads the nodes and the started primaries of a cluster', async () => {
      answering(200, fixture('observed-cat-shards-three-nodes.json'))
      const placement = await readShardPlacement(client())
      assert.ok('nodes' in placement)
      assert.equal(placement.nodes.length, 3)
      assert.equal(placement.primaries.length, 4)
    })

    it('tells a refusal (a user without monitor privileges) apart, in the cluster words, instead of failing', async () => {
      answering(403, {
        error: {reason: 'no permissions for [indices:monitor/stats]', type: 'security_exception'},
        status: 403,
      })
      const placement = await readShardPlacement(client())
      assert.deepEqual(placement, {refused: 'GET /_cat/shards answered 403 (security_exception)'})
    })
  })
})
