import nock from 'nock'
import {strict as assert} from 'node:assert'

import {inspectBucket} from '../../src/store/bucket.js'
import {describeAnswer, s3HeaderOf} from '../../src/store/s3-answer.js'
import {createS3Client, S3OperationError} from '../../src/store/s3.js'
import {stepNamed, verifyOnFakes} from '../helpers/domain.js'
import {FakeCluster} from '../helpers/fake-cluster.js'
import {FakeS3} from '../helpers/fake-s3.js'

const HTML = '<!DOCTYPE html><html><body><h1>Welcome to nginx!</h1></body></html>'
const STORE = 'http://s3.test:9000'

/** A store that gives every request, whatever its method, the same answer; the calls it got are recorded. */
function answerEverything(reply: [number, string, Record<string, string>]) {
  const calls: string[] = []
  const scope = nock(STORE).persist()
  for (const method of ['get', 'put', 'post', 'delete', 'head'] as const)
    scope[method](/.*/).reply(() => {
      calls.push(`${method.toUpperCase()}`)
      return reply
    })
  return calls
}

/** Lists migration-bucket through the SDK from a store that answers S3's XML naming `keys`, without S3's headers. */
async function listBehindProxy(keys: string[]) {
  nock(STORE)
    .get(/migration-bucket/)
    .query(true)
    .reply(
      200,
      `<?xml version="1.0"?><ListBucketResult><Name>migration-bucket</Name><IsTruncated>false</IsTruncated>${keys.map((key) => `<Contents><Key>${key}</Key><Size>1</Size></Contents>`).join('')}</ListBucketResult>`,
      {'content-type': 'application/xml'},
    )
  const s3 = await createS3Client({endpoint: STORE, region: 'us-east-1'}, {maxAttempts: 1})
  const {ListObjectsV2Command} = await import('@aws-sdk/client-s3')
  const page = await s3.send(new ListObjectsV2Command({Bucket: 'migration-bucket'}))
  return page.Contents?.map((object) => object.Key)
}

async function verifyAgainst(store: () => void, createBucket = false) {
  const cluster = new FakeCluster('http://source.test:9200', new FakeS3())
  store()
  const {report} = await verifyOnFakes(cluster, {
    createBucket,
    endpoint: STORE,
    name: 'html',
    s3Options: {maxAttempts: 1},
  })
  return {cluster, report}
}

describe('an S3 answer is told from its nature, not its status code', () => {
  it('names the headers that only S3 APIs send (AWS, MinIO, moto, GCS interop) and nothing else', () => {
    assert.equal(s3HeaderOf({'x-amz-request-id': 'A'}), 'x-amz-request-id')
    assert.equal(s3HeaderOf({'x-amzn-requestid': 'B'}), 'x-amzn-requestid')
    assert.equal(s3HeaderOf({server: 'MinIO'}), 'server')
    assert.equal(s3HeaderOf({'x-goog-generation': '1'}), 'x-goog-generation')
    assert.equal(s3HeaderOf({'content-type': 'text/html', server: 'nginx/1.25'}), undefined)
    assert.equal(s3HeaderOf({'content-type': 'application/json; charset=UTF-8'}), undefined)
  })

  it('says what answered: an HTML page, a search cluster, a JSON document', () => {
    assert.equal(describeAnswer({'content-type': 'text/html; charset=utf-8'}, HTML), 'an HTML page (text/html)')
    assert.equal(
      describeAnswer(
        {'content-type': 'application/json'},
        '{"name":"n1","cluster_name":"source","tagline":"The OpenSearch Project"}',
      ),
      "a search cluster's JSON (application/json)",
    )
    assert.equal(
      describeAnswer(
        {'content-type': 'application/json'},
        '{"error":{"type":"index_not_found_exception"},"status":404}',
      ),
      "a search cluster's JSON (application/json)",
    )
    assert.equal(
      describeAnswer({'content-type': 'application/json'}, '{"ok":true}'),
      'a JSON document (application/json)',
    )
  })

  it('a 200 HTML page is not a bucket: HeadBucket fails naming the page and the URL', async () => {
    nock(STORE)
      .head(/migration-bucket/)
      .reply(200, HTML, {'content-type': 'text/html'})
    const s3 = await createS3Client({endpoint: STORE, region: 'us-east-1'}, {maxAttempts: 1})
    await assert.rejects(inspectBucket(s3, 'migration-bucket', 'us-east-1'), (error: S3OperationError) => {
      assert.equal(error.failure.name, 'NotS3Answer')
      assert.match(
        error.message,
        /an HTML page \(text\/html\) answered 200 at http:\/\/s3\.test:9000\/migration-bucket\/?, not S3/,
      )
      return true
    })
  })

  it("a cluster's 404 is not an absent bucket", async () => {
    nock(STORE)
      .head(/migration-bucket/)
      .reply(404, '', {'content-type': 'application/json; charset=UTF-8'})
    const s3 = await createS3Client({endpoint: STORE, region: 'us-east-1'}, {maxAttempts: 1})
    await assert.rejects(
      inspectBucket(s3, 'migration-bucket', 'us-east-1'),
      /NotS3Answer.*\(application\/json\) answered 404/,
    )
  })

  it("S3's own XML passes without S3's headers (a store behind a proxy that strips them)", async () => {
    assert.deepEqual(await listBehindProxy(['a']), ['a'])
  })

  it('verify against an HTML page fails the bucket step naming it, offers no --create-bucket and writes nothing', async () => {
    let calls: string[] = []
    const {report} = await verifyAgainst(() => {
      calls = answerEverything([200, HTML, {'content-type': 'text/html'}])
    })
    const bucket = stepNamed(report, 'bucket')
    assert.equal(bucket.status, 'failed')
    assert.match(
      bucket.detail ?? '',
      /an HTML page \(text\/html\) answered 200 at http:\/\/s3\.test:9000\/migration-bucket\/?, not S3/,
    )
    assert.equal(bucket.diagnosis?.code, 's3-endpoint-not-s3')
    assert.doesNotMatch(JSON.stringify(report), /--create-bucket/)
    assert.deepEqual(
      calls.filter((call) => !/^(GET|HEAD)$/.test(call)),
      [],
      'nothing but reads went to the page',
    )
    assert.equal(stepNamed(report, 'repository').status, 'skipped')
  })

  it('verify --create-bucket against a 404 without S3 headers never sends PUT /<bucket> there', async () => {
    let calls: string[] = []
    const {report} = await verifyAgainst(() => {
      calls = answerEverything([
        404,
        '{"error":{"type":"index_not_found_exception"},"status":404}',
        {'content-type': 'application/json'},
      ])
    }, true)
    assert.equal(stepNamed(report, 'bucket').status, 'failed')
    assert.deepEqual(calls, ['HEAD'])
  })

  it('a long S3 listing without S3 headers is read whole after its beginning was looked at', async () => {
    const keys = Array.from({length: 400}, (_, index) => `base/object-${String(index).padStart(4, '0')}`)
    assert.deepEqual(await listBehindProxy(keys), keys)
  })
})
