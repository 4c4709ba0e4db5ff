import {
  CreateBucketCommand,
  DeleteObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3'
import {strict as assert} from 'node:assert'
import path from 'node:path'

import {clusterCaller, runCli, scratch} from '../helpers/e2e.js'
import {
  consoleEnvironment,
  type Credentials,
  freeLowPort,
  IamMoto,
  iamVerifyArgs,
} from '../helpers/iam-moto.js'
import {removeNodeKeys, setNodeKeys, startThreeNodes, stopThreeNodes, type ThreeNodes} from '../helpers/three-nodes.js'

/**
 * Verify on a 3-node OpenSearch 3.6 cluster (`scripts/engines start-cluster`, started here unless it runs,
 * stopped here by pid if started here) against a moto that enforces IAM policies. Each node writes its own
 * primaries with its own keystore's S3 client (s3.client.<name>.*, per node), so one node's credentials can
 * differ from the others': verify must cover every data node, and name the one that fails.
 */
const suffix = Math.random().toString(36).slice(2, 8)
const bucket = `nodes-iam-${suffix}`
const basePath = 'mig'
const clientName = `verify_nodes_${suffix}`
const cover = `nodes-cover-${suffix}`
const pair = `nodes-pair-${suffix}`

const fullAccess = [
  {Action: ['s3:*'], Effect: 'Allow', Resource: [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`]},
]
/** The least-privilege policy on the base path that a metadata-only check lets pass (moto checks DeleteObjects on the bucket, HeadBucket as s3:HeadBucket). */
const basePathOnly = [
  {
    Action: ['s3:ListBucket', 's3:HeadBucket', 's3:GetBucketLocation', 's3:DeleteObject'],
    Effect: 'Allow',
    Resource: `arn:aws:s3:::${bucket}`,
  },
  {
    Action: ['s3:PutObject', 's3:GetObject', 's3:DeleteObject', 's3:AbortMultipartUpload'],
    Effect: 'Allow',
    Resource: `arn:aws:s3:::${bucket}/${basePath}/*`,
  },
]

type NodeLine = {
  multipart?: boolean
  name: string
  readBack: boolean
  shards: string[]
  status: string
  where: string[]
  why?: string
}

describe('snapshot verify on a 3-node OpenSearch 3.6 cluster + an S3 store that enforces IAM', function () {
  this.timeout(600_000)
  let three: ThreeNodes | undefined
  let cluster: ReturnType<typeof clusterCaller>
  let moto: IamMoto
  let admin: S3Client
  let full: Credentials
  let limited: Credentials
  let consoleKeys: Credentials
  let initialListing: string[]

  const listing = async () => {
    const keys: string[] = []
    let token: string | undefined
    do {
      const page = await admin.send(new ListObjectsV2Command({Bucket: bucket, ContinuationToken: token}))
      keys.push(...(page.Contents ?? []).map((object) => `${object.Key} ${object.Size}`))
      token = page.IsTruncated ? page.NextContinuationToken : undefined
    } while (token)

    return keys.sort()
  }

  const giveNode = async (node: string, keys: Credentials) => {
    setNodeKeys(three!, node, clientName, keys)
    const answer = await cluster('POST', '/_nodes/reload_secure_settings', {})
    assert.equal(answer.status, 200, JSON.stringify(answer.body))
  }

  const verify = async (extra: string[] = []) => {
    const outcome = await runCli(
      iamVerifyArgs({basePath, bucket, client: clientName, cluster: three!.url, store: moto.endpoint}, ...extra),
      consoleEnvironment(consoleKeys, path.join(scratch, `nodes-${suffix}`)),
    )
    const document = JSON.parse(outcome.stdout)
    const step = (name: string) => document.result.steps.find((entry: {name: string}) => entry.name === name)
    const nodes: NodeLine[] = document.result.nodes ?? []
    return {
      document,
      exitCode: outcome.exitCode,
      node: (name: string) => nodes.find((n) => n.name === name)!,
      nodes,
      step,
      text: outcome.stdout + outcome.stderr,
    }
  }

  const nothingOfVerifyLeft = async () => {
    const repositories = Object.keys((await cluster('GET', '/_snapshot')).body as object)
    assert.deepEqual(
      repositories.filter((name) => name.startsWith('verify_')),
      [],
      'no verify_ repository is left',
    )
    const indices = (await cluster('GET', '/_cat/indices?format=json&h=index')).body as {index: string}[]
    assert.deepEqual(
      indices.map((entry) => entry.index).filter((name) => name.startsWith('verify_index_')),
      [],
      'no verify_ index is left',
    )
    assert.deepEqual(await listing(), initialListing, "the bucket's listing is what it was before")
  }

  /** The truth beside the verdict: the migration's own snapshot, same repository settings, of the index with a primary on every node. */
  const realSnapshot = async () => {
    const repository = `truth_${suffix}`
    await cluster('PUT', `/_snapshot/${repository}`, {
      settings: {
        base_path: `${basePath}/truth_${suffix}`,
        bucket,
        client: clientName,
        compress: false,
        endpoint: moto.endpoint,
        region: 'us-east-1',
      },
      type: 's3',
    })
    const answer = await cluster('PUT', `/_snapshot/${repository}/migration?wait_for_completion=true`, {
      include_global_state: true,
      indices: cover,
    })
    await cluster('DELETE', `/_snapshot/${repository}/migration`)
    await cluster('DELETE', `/_snapshot/${repository}`)
    // What the cluster leaves of this test's own repository once its snapshot is deleted: its index-N.
    const left = await admin.send(new ListObjectsV2Command({Bucket: bucket, Prefix: `${basePath}/truth_${suffix}/`}))
    for (const object of left.Contents ?? [])
      await admin.send(new DeleteObjectCommand({Bucket: bucket, Key: object.Key}))
    return answer.body.snapshot as {failures: {node_id: string}[]; state: string}
  }

  before(async () => {
    if (!IamMoto.motoServer()) throw new Error('moto_server is not installed: run through scripts/with-engines')
    three = await startThreeNodes()
    cluster = clusterCaller(three.url)
    moto = new IamMoto(await freeLowPort())
    await moto.start()
    admin = new S3Client({credentials: moto.admin, endpoint: moto.endpoint, forcePathStyle: true, region: 'us-east-1'})
    await admin.send(new CreateBucketCommand({Bucket: bucket}))
    await admin.send(new PutObjectCommand({Body: 'not verify’s', Bucket: bucket, Key: `${basePath}/README.txt`}))
    full = await moto.newUser('nodes', fullAccess)
    limited = await moto.newUser('limited', basePathOnly)
    consoleKeys = await moto.newUser('console', fullAccess)
    for (const node of three.names) setNodeKeys(three, node, clientName, full)
    await cluster('POST', '/_nodes/reload_secure_settings', {})
    // One primary on each node: the migration's index, as a real cluster spreads it.
    await cluster('PUT', `/${cover}`, {
      settings: {index: {number_of_replicas: 0, number_of_shards: 3, 'routing.allocation.total_shards_per_node': 1}},
    })
    for (let document = 1; document <= 12; document++)
      await cluster('PUT', `/${cover}/_doc/${document}`, {text: `book ${document} `.repeat(50)})
    await cluster('POST', `/${cover}/_refresh`)
    await cluster('GET', `/_cluster/health/${cover}?wait_for_status=green&timeout=60s`)
    initialListing = await listing()
  })

  after(async () => {
    if (three) {
      await cluster('DELETE', `/${cover}`)
      await cluster('DELETE', `/${pair}`)
      try {
        for (const node of three.names) removeNodeKeys(three, node, clientName)
        await cluster('POST', '/_nodes/reload_secure_settings', {})
      } catch (error) {
        console.log(`      could not remove s3.client.${clientName}.* from the keystores: ${(error as Error).message}`)
      }
    }

    await moto?.stop()
    stopThreeNodes(three)
  })

  it('(a) n3 limited to the base path: exit 1 naming n3, and the real snapshot of an index with a primary per node is PARTIAL on n3', async () => {
    await giveNode('n3', limited)
    const run = await verify()
    assert.equal(run.exitCode, 1, run.text)
    assert.match(
      run.step('index').detail,
      new RegExp(`${cover}: .*primaries on n1 \\(${cover}\\[\\d\\]\\), n2 .*, n3 .*every data node`),
    )
    const snapshot = run.step('snapshot')
    assert.equal(snapshot.status, 'failed')
    assert.match(snapshot.detail, /ended in state PARTIAL: \[[^\]]+\]\[\d\] on n3 /)
    assert.equal(snapshot.diagnosis.code, 'node-hashed-prefix-denied')
    assert.match(
      snapshot.diagnosis.cause,
      /^n3 could not write [A-Za-z0-9_-][01]{14}\/mig\/verify_[^ ]+, a shard file under a hashed prefix outside the base path, while n1 and n2 wrote theirs: n3's credentials differ/,
    )
    assert.match(snapshot.diagnosis.remediation, new RegExp(`^Give n3 s3:PutObject.* on arn:aws:s3:::${bucket}/\\*`))
    assert.match(
      snapshot.diagnosis.remediation,
      new RegExp(`opensearch-keystore add --force s3\\.client\\.${clientName}\\.access_key`),
    )
    assert.equal(run.node('n3').status, 'failed')
    assert.match(run.node('n3').why!, /Access Denied/)
    assert.match(run.node('n1').why!, /wrote its shard\(s\), but the test snapshot ended PARTIAL on another node/)
    assert.equal(run.step('cleanup').status, 'passed', run.step('cleanup').detail)

    const truth = await realSnapshot()
    const n3 = (await cluster('GET', '/_nodes/n3?filter_path=nodes.*.name')).body.nodes
    assert.equal(truth.state, 'PARTIAL', "the migration's snapshot with the same settings fails the same way")
    assert.deepEqual(
      truth.failures.map((failure) => failure.node_id),
      Object.keys(n3),
      'and only on n3',
    )
    await giveNode('n3', full)
    await nothingOfVerifyLeft()
  })

  it("(b) n3's secret key wrong: exit 1 at registration naming n3 and its keystore remedy", async () => {
    await giveNode('n3', {...full, secretAccessKey: 'not-the-secret'})
    const run = await verify()
    assert.equal(run.exitCode, 1, run.text)
    const repository = run.step('repository')
    assert.equal(repository.status, 'failed')
    assert.equal(repository.diagnosis.code, 'node-credentials-rejected')
    assert.match(
      repository.diagnosis.cause,
      /^n3 has S3 credentials the store rejects .*, while n1 and n2 wrote their verification file: n3's credentials differ/,
    )
    assert.match(
      repository.diagnosis.remediation,
      new RegExp(`on n3, \`bin/opensearch-keystore add --force s3\\.client\\.${clientName}\\.access_key\``),
    )
    assert.match(repository.diagnosis.remediation, /POST _nodes\/reload_secure_settings/)
    assert.deepEqual(
      run.nodes.map((node) => [node.name, node.status]),
      [
        ['n1', 'not proven'],
        ['n2', 'not proven'],
        ['n3', 'failed'],
      ],
    )
    await giveNode('n3', full)
    await nothingOfVerifyLeft()
  })

  it('(c) every node allowed: exit 0, every data node proven and read back, the bucket as it was, nothing of verify left', async () => {
    const run = await verify()
    assert.equal(run.exitCode, 0, run.text)
    assert.deepEqual(
      run.nodes.map((node) => [node.name, node.status, node.readBack]),
      [
        ['n1', 'proven', true],
        ['n2', 'proven', true],
        ['n3', 'proven', true],
      ],
    )
    for (const node of run.nodes) {
      assert.equal(node.shards.length, 1)
      assert.match(node.where[0], new RegExp(`^[A-Za-z0-9_-][01]{14}/${basePath}/verify_[^/]+/indices/[^/]+/\\d/$`))
    }

    assert.deepEqual(run.document.result.notProven, [])
    await nothingOfVerifyLeft()
  })

  it('(d) small indices on two nodes only: n3 reported not proven; --create-test-index then proves it', async () => {
    await cluster('POST', `/${cover}/_close`)
    await cluster('PUT', `/${pair}`, {
      settings: {
        index: {
          number_of_replicas: 0,
          number_of_shards: 2,
          'routing.allocation.exclude._name': 'n3',
          'routing.allocation.total_shards_per_node': 1,
        },
      },
    })
    for (let document = 1; document <= 6; document++) await cluster('PUT', `/${pair}/_doc/${document}`, {n: document})
    await cluster('POST', `/${pair}/_refresh`)
    try {
      const run = await verify()
      assert.equal(run.exitCode, 0, run.text)
      assert.deepEqual(
        run.nodes.map((node) => [node.name, node.status]),
        [
          ['n1', 'proven'],
          ['n2', 'proven'],
          ['n3', 'not proven'],
        ],
      )
      assert.match(
        run.node('n3').why!,
        new RegExp(`closed, system, without documents, or over 64\\.0 MiB\\): ${cover}`),
      )
      assert.ok(
        run.document.result.notProven.some((line: string) =>
          /^node n3's shard writes: .*--create-test-index/.test(line),
        ),
        JSON.stringify(run.document.result.notProven),
      )

      const created = await verify(['--create-test-index'])
      assert.equal(created.exitCode, 0, created.text)
      assert.match(created.step('index').detail, /created verify_index_\S+ \(3 shard\(s\), one on each data node/)
      assert.deepEqual(
        created.nodes.map((node) => [node.name, node.status, node.readBack]),
        [
          ['n1', 'proven', true],
          ['n2', 'proven', true],
          ['n3', 'proven', true],
        ],
      )
      assert.match(created.step('cleanup').detail, /index verify_index_/)
      await nothingOfVerifyLeft()
    } finally {
      await cluster('POST', `/${cover}/_open`)
    }
  })

  it('(e) a shard with a file over buffer_size: the node holding it uploads in parts, the others say they did not', async () => {
    const big = `nodes-big-${suffix}`
    await cluster('PUT', `/${big}`, {
      settings: {index: {number_of_replicas: 0, number_of_shards: 3, 'routing.allocation.total_shards_per_node': 1}},
    })
    try {
      const text = () =>
        Array.from({length: 2048}, () => Math.random().toString(36).slice(2))
          .join('')
          .slice(0, 16_384)
      // About 7 MiB of barely compressible text routed to one shard, a few documents to every shard.
      for (let batch = 0; batch < 7; batch++) {
        const lines = Array.from({length: 64}, (_, n) => [
          JSON.stringify({index: {_id: `big-${batch}-${n}`, routing: 'big'}}),
          JSON.stringify({text: text()}),
        ]).flat()
        const answer = await fetch(`${three!.url}/${big}/_bulk`, {
          body: `${lines.join('\n')}\n`,
          headers: {'content-type': 'application/x-ndjson'},
          method: 'POST',
        })
        assert.equal(answer.status, 200)
      }

      for (let document = 1; document <= 9; document++) await cluster('PUT', `/${big}/_doc/${document}`, {n: document})
      await cluster('POST', `/${big}/_forcemerge?max_num_segments=1`)
      await cluster('POST', `/${big}/_flush`)
      const shards = (await cluster('GET', `/_cat/shards/${big}?format=json&bytes=b&h=shard,node,store`)).body as {
        node: string
        store: string
      }[]
      const holder = shards.sort((a, b) => Number(b.store) - Number(a.store))[0]
      assert.ok(Number(holder.store) > 5 * 1024 * 1024, `the big shard holds ${holder.store} bytes`)

      const run = await verify(['--index', big])
      assert.equal(run.exitCode, 0, run.text)
      assert.match(run.step('repository').detail, /with buffer_size 5mb/)
      assert.match(
        run.step('read-back').detail,
        /multipart upload exercised: \S+ is [5-9]\.\d MiB, above buffer_size 5mb/,
      )
      assert.deepEqual(
        run.nodes.map((node) => [node.name, node.status, node.multipart]),
        ['n1', 'n2', 'n3'].map((name) => [name, 'proven', name === holder.node]),
      )
      await nothingOfVerifyLeft()
    } finally {
      await cluster('DELETE', `/${big}`)
    }
  })
})
