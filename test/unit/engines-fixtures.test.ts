import {strict as assert} from 'node:assert'
import {existsSync, readdirSync, readFileSync} from 'node:fs'
import path from 'node:path'

import {type ClusterClient, type ClusterRequest, ClusterRequestError} from '../../src/cluster/client.js'
import {listSnapshots, nodesLackingPlugin, readClusterInfo} from '../../src/cluster/snapshots.js'
import {diagnose} from '../../src/diagnose/index.js'
import {clusterRepositoryGeneration} from '../../src/repository/registration.js'
import {proveSnapshotInRepository, readRepositoryIndex} from '../../src/snapshot-format/repository-index.js'
import {DirectoryBlobStore} from '../../src/store/blobs.js'
import {localFixture} from '../helpers/paths.js'

/**
 * What each source version answers and writes, captured from the real engines by the matrix suite
 * (CAPTURE_FIXTURES=1 scripts/matrix) or, for Elasticsearch 5.6, shaped from its documentation:
 * the plugin parses every one of them, so the S3 check of a 6.8 or 7.10 repository layout is proven
 * even where that engine cannot write to S3 here.
 */
const root = localFixture('engines')
const versions = readdirSync(root).filter((name) => existsSync(path.join(root, name, 'root.json')))

interface Captured {
  body: any
  request: string
  status: number
}

/** A cluster that answers every request with what the real engine answered to it. */
function replayingCluster(directory: string): ClusterClient {
  const answers = readdirSync(directory)
    .filter((name) => name.endsWith('.json'))
    .map((name) => JSON.parse(readFileSync(path.join(directory, name), 'utf8')) as Captured)
  return {
    endpoint: 'http://captured.test:9200',
    async send<T>(request: ClusterRequest) {
      const query = new URLSearchParams(request.query ?? {}).toString()
      const wanted = `${request.method} ${request.path}${query ? `?${decodeURIComponent(query)}` : ''}`
      const captured = answers.find((answer) => answer.request === wanted)
      if (!captured) throw new Error(`no captured answer for ${wanted}`)
      if (captured.status >= 400)
        throw new ClusterRequestError(
          request.method,
          request.path,
          'http://captured.test:9200',
          captured.status,
          captured.body,
          undefined,
          `${wanted} answered ${captured.status}`,
        )
      return {body: captured.body as T, status: captured.status}
    },
  }
}

const read = (directory: string, name: string): Captured =>
  JSON.parse(readFileSync(path.join(directory, `${name}.json`), 'utf8'))

describe('every source version’s answers and files', () => {
  it('covers the versions users migrate from', () => {
    for (const expected of [
      'elasticsearch-5.6',
      'elasticsearch-6.8',
      'elasticsearch-7.10',
      'elasticsearch-7.17',
      'elasticsearch-8.',
      'opensearch-1.3',
      'opensearch-2.19',
      'opensearch-3.',
    ])
      assert.ok(
        versions.some((version) => version.startsWith(expected)),
        `fixtures for ${expected}`,
      )
  })

  for (const version of versions) {
    const directory = path.join(root, version)
    const [distribution, number] = version.replace(/-shaped$/, '').split('-')
    const nodeName = `${distribution}-${number}-node`

    describe(version, () => {
      const cluster = replayingCluster(directory)

      it('GET / (or the nodes info where the root endpoint is missing) gives distribution and version', async () => {
        const info = await readClusterInfo(cluster)
        assert.equal(info.version, number)
        assert.equal(info.distribution, distribution)
      })

      it('_nodes/plugins: the node without repository-s3 is named', async () => {
        const {lacking, total} = await nodesLackingPlugin(cluster, 'repository-s3')
        assert.equal(total, 1)
        assert.deepEqual(lacking, [nodeName])
      })

      it('_snapshot/_all lists the snapshot, _status reads it', async () => {
        const snapshots = await listSnapshots(cluster, 'matrix_repo', '_all')
        assert.deepEqual(
          snapshots.map((snapshot) => [snapshot.snapshot, snapshot.state]),
          [['snap-1', 'SUCCESS']],
        )
        assert.equal(read(directory, 'snapshot-status').body.snapshots[0].state, 'SUCCESS')
      })

      it('the files a snapshot writes prove it as the bucket check reads them (index-N, index.latest, snap-, meta-)', async () => {
        const store = new DirectoryBlobStore(path.join(directory, 'repository'))
        const {uuid} = (await listSnapshots(cluster, 'matrix_repo', '_all'))[0]
        const proof = await proveSnapshotInRepository(store, '', 'snap-1')
        assert.equal(proof.uuid, uuid)
        const index = await readRepositoryIndex(store, '')
        const latest = await store.read('index.latest')
        assert.equal(latest?.length, 8, 'index.latest is an 8-byte long')
        assert.equal(Number(latest!.readBigInt64BE()), index!.generation)
      })

      it('_cluster/state: the generation the cluster holds is the newest index-N (where the version tracks it)', async () => {
        const generation = await clusterRepositoryGeneration(cluster, 'matrix_repo')
        const index = await readRepositoryIndex(new DirectoryBlobStore(path.join(directory, 'repository')), '')
        if (generation === undefined)
          assert.ok(
            number.startsWith('5.') || number.startsWith('6.') || number.startsWith('7.'),
            `only versions before generation tracking may omit it (${number})`,
          )
        else assert.equal(generation, index!.generation)
      })

      for (const [fixture, code] of [
        ['error-name-conflict', 'snapshot-name-conflict'],
        ['error-repository-missing', 'repository-missing'],
        ['error-s3-type-missing', 's3-plugin-missing'],
      ] as const)
        it(`${fixture} is diagnosed as ${code}`, () => {
          const captured = read(directory, fixture)
          const [method, requestPath] = captured.request.split(' ')
          const error = new ClusterRequestError(
            method,
            requestPath,
            'http://captured.test:9200',
            captured.status,
            captured.body,
            undefined,
            `${captured.request} answered ${captured.status}`,
          )
          assert.equal(diagnose(error, {repository: 'matrix_repo', snapshot: 'snap-1'}).code, code)
        })

      it('a missing snapshot is an empty list, not an error', async () => {
        assert.deepEqual(await listSnapshots(cluster, 'matrix_repo', 'never-taken'), [])
      })
    })
  }
})
