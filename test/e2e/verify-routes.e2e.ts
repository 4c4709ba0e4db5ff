import {strict as assert} from 'node:assert'
import {createServer, type Socket} from 'node:net'

import {s3ServicesFile} from '../helpers/e2e-setup.js'
import {
  clusterGet,
  console_,
  createBucket,
  emptyAndDeleteBucket,
  engines,
  keysUnder,
  moto,
  uniqueSuffix,
} from '../helpers/e2e.js'
import {holdNodesProxy} from '../helpers/hold-nodes-proxy.js'

const local = engines()

describe('snapshot verify: every wait ends naming the silent side (real OpenSearch and moto)', () => {
  it("nodes without a route to S3 (a proxy holds their requests, the console's go through): verify ends within 45 s naming the nodes' route, and cleanup unregisters", async () => {
    const store = moto()
    const proxy = await holdNodesProxy(store.endpoint)
    const bucket = `e2e-routes-${uniqueSuffix()}`
    await createBucket(bucket, store)
    try {
      const services = s3ServicesFile(`${bucket}.yaml`, {basePath: 'base', bucket, endpoint: proxy.url})
      const started = Date.now()
      const outcome = await console_(
        ['snapshot', 'verify', '--json', '--metadata-only', '--config-file', services],
        {},
        store,
      )
      const elapsedMs = Date.now() - started
      assert.equal(outcome.exitCode, 1, outcome.stdout + outcome.stderr)
      const report = JSON.parse(outcome.stdout).result
      const failed = report.steps.filter((step: {status: string}) => step.status === 'failed')
      assert.deepEqual(
        failed.map((step: {name: string}) => step.name),
        ['repository'],
        JSON.stringify(report.steps, undefined, 1),
      )
      assert.match(
        failed[0].detail,
        /the nodes' route to S3 at http:\/\/127\.0\.0\.1:\d+ \(bucket e2e-routes-\w+\) is silent/,
      )
      assert.equal(failed[0].diagnosis.code, 'nodes-store-silent')
      assert.ok(proxy.held.length > 0, 'the nodes did try the store')
      assert.ok(elapsedMs < 45_000, `verify took ${elapsedMs} ms`)
      console.log(
        `      verify ended after ${elapsedMs} ms; the proxy held ${proxy.held.length} request(s) of the nodes`,
      )

      // The ground after the run: no registration of it on the cluster, nothing of it in the bucket.
      const cleanup = report.steps.find((step: {name: string}) => step.name === 'cleanup')
      assert.equal(cleanup.status, 'passed', cleanup.detail)
      const registered = await clusterGet(`${local.opensearch}/_snapshot`)
      assert.equal(registered[report.repository.name], undefined, 'the test repository is still registered')
      assert.deepEqual(await keysUnder(bucket, '', store), [])
    } finally {
      await proxy.close()
      await emptyAndDeleteBucket(bucket, store)
    }
  })

  it("a cluster that accepts connections and never answers: verify ends within about 35 s naming the console's route to it", async () => {
    const sockets = new Set<Socket>()
    const silent = createServer((socket) => {
      sockets.add(socket)
      socket.resume()
    })
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
    const endpoint = `http://127.0.0.1:${(silent.address() as {port: number}).port}`
    try {
      const started = Date.now()
      const outcome = await console_([
        'snapshot',
        'verify',
        '--endpoint',
        endpoint,
        '--fs-path',
        local.fsRepo,
        '--json',
      ])
      const elapsedMs = Date.now() - started
      assert.equal(outcome.exitCode, 1, outcome.stdout + outcome.stderr)
      const cluster = JSON.parse(outcome.stdout).result.steps[0]
      assert.equal(cluster.status, 'failed')
      assert.equal(cluster.diagnosis.code, 'cluster-timeout')
      assert.match(cluster.diagnosis.cause, new RegExp(`The cluster at ${endpoint} did not answer in time`))
      assert.ok(elapsedMs < 40_000, `verify took ${elapsedMs} ms`)
      console.log(`      verify ended after ${elapsedMs} ms`)
    } finally {
      for (const socket of sockets) socket.destroy()
      silent.close()
    }
  })
})
