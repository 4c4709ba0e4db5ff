import type {AddressInfo} from 'node:net'

import {strict as assert} from 'node:assert'
import {createServer, type Server} from 'node:http'

import {s3ServicesFile} from '../helpers/e2e-setup.js'
import {clusterGet, console_, engines, uniqueSuffix} from '../helpers/e2e.js'

const local = engines()

/** A web server of the suite's own: 200 and an HTML page for every request, as a load balancer's default page. */
async function htmlPage(): Promise<{calls: string[]; server: Server; url: string}> {
  const calls: string[] = []
  const server = createServer((request, response) => {
    calls.push(`${request.method} ${request.url}`)
    request.resume()
    response.writeHead(200, {'content-type': 'text/html; charset=utf-8'})
    response.end(request.method === 'HEAD' ? undefined : '<!DOCTYPE html><html><body>Welcome</body></html>')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {calls, server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`}
}

const services = (bucket: string, endpoint: string): string =>
  s3ServicesFile(`answers-${bucket}.yaml`, {basePath: 'base', bucket, endpoint})

/** `snapshot verify --json` with `flags` of a services file whose S3 endpoint is `endpoint`. */
const verifyJson = (bucket: string, endpoint: string, ...flags: string[]) =>
  console_(['snapshot', 'verify', '--json', ...flags, '--config-file', services(bucket, endpoint)])

const step = (report: {steps: {name: string}[]}, name: string): any =>
  report.steps.find((candidate) => candidate.name === name)

async function indexNames(): Promise<string[]> {
  return ((await clusterGet(`${local.opensearch}/_cat/indices?format=json&expand_wildcards=all`)) as {index: string}[])
    .map((entry) => entry.index)
    .sort()
}

describe('snapshot verify: an answer that is not S3 fails the step that got it', () => {
  it('an HTML page answering 200 everywhere fails the bucket step naming it; --create-bucket sends it no write', async () => {
    const page = await htmlPage()
    try {
      const bucket = `e2e-html-${uniqueSuffix()}`
      const outcome = await verifyJson(bucket, page.url, '--create-bucket')
      assert.equal(outcome.exitCode, 1, outcome.stdout + outcome.stderr)
      const report = JSON.parse(outcome.stdout).result
      const failed = report.steps.filter((candidate: {status: string}) => candidate.status === 'failed')
      assert.deepEqual(
        failed.map((candidate: {name: string}) => candidate.name),
        ['bucket'],
      )
      assert.match(
        step(report, 'bucket').detail,
        new RegExp(`an HTML page \\(text/html\\) answered 200 at ${page.url}/${bucket}/?, not S3`),
      )
      assert.equal(step(report, 'bucket').diagnosis.code, 's3-endpoint-not-s3')
      assert.equal(step(report, 'fresh').status, 'skipped')
      assert.deepEqual(
        page.calls.filter((call) => !/^(GET|HEAD) /.test(call)),
        [],
        'the page got nothing but reads',
      )
    } finally {
      page.server.close()
    }
  })

  it("the cluster's URL given as the S3 endpoint fails the bucket step, suggests no --create-bucket, and with it creates no index", async () => {
    const bucket = `e2e-cluster-as-s3-${uniqueSuffix()}`
    const plain = await verifyJson(bucket, local.opensearch)
    assert.equal(plain.exitCode, 1, plain.stdout + plain.stderr)
    const report = JSON.parse(plain.stdout).result
    assert.equal(step(report, 'bucket').status, 'failed')
    assert.match(
      step(report, 'bucket').detail,
      /answered 404 at http:\/\/127\.0\.0\.1:\d+\/e2e-cluster-as-s3-\w+\/?, not S3/,
    )
    assert.doesNotMatch(plain.stdout, /--create-bucket/)

    const created = await verifyJson(bucket, local.opensearch, '--create-bucket')
    assert.equal(created.exitCode, 1, created.stdout + created.stderr)
    assert.equal(step(JSON.parse(created.stdout).result, 'bucket').status, 'failed')
    // The truth beside the verdict: the source cluster has no index of that name (other runs add their own).
    assert.ok(!(await indexNames()).includes(bucket), `index ${bucket} was created on the source cluster`)
  })
})
