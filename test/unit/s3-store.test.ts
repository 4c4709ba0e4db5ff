import {strict as assert} from 'node:assert'

import {diagnose} from '../../src/diagnose/index.js'
import {Locations} from '../../src/location/open.js'
import {S3Location} from '../../src/location/s3-location.js'
import {S3BlobStore} from '../../src/store/blobs.js'
import {createS3Client, endpointUrl, S3OperationError, sendS3} from '../../src/store/s3.js'
import {faultyServer} from '../helpers/faulty-server.js'

describe('the S3 store as the repository plugin and a real server see it', () => {
  it("reads a registration's endpoint without a scheme with its protocol setting, as the nodes do", () => {
    const locations = new Locations(() => Promise.reject(new Error('no bucket is reached here')))
    const storage = (settings: Record<string, string>) =>
      (locations.ofRegistration({settings: {bucket: 'b', ...settings}, type: 's3'}) as S3Location).storage
    assert.equal(storage({endpoint: 'minio.test:9000', protocol: 'http'}).endpoint, 'http://minio.test:9000')
    assert.equal(storage({endpoint: 'minio.test:9000'}).endpoint, 'https://minio.test:9000')
    assert.equal(storage({endpoint: 'http://minio.test:9000', protocol: 'https'}).endpoint, 'http://minio.test:9000')
    assert.equal(endpointUrl('s3.eu-west-1.amazonaws.com'), 'https://s3.eu-west-1.amazonaws.com')
  })

  describe('a store that accepts connections and never answers', () => {
    it('ends a small control request at its short timeout, and the diagnosis names the endpoint', async () => {
      const server = await faultyServer(['hang'])
      try {
        const s3 = await createS3Client(
          {endpoint: server.url, region: 'us-east-1'},
          {bulkRequestTimeoutMs: 5000, maxAttempts: 2, requestTimeoutMs: 200},
        )
        const started = Date.now()
        const error = await new S3BlobStore(s3, 'bucket').read('index-0').then(
          () => assert.fail('a silent store cannot answer'),
          (error_: unknown) => error_,
        )
        const elapsed = Date.now() - started
        assert.ok(elapsed >= 400 && elapsed < 2000, `two attempts of 200 ms each, not the bulk wait: ${elapsed} ms`)
        assert.equal(server.connections(), 2)
        const diagnosis = diagnose(error)
        assert.equal(diagnosis.code, 's3-no-answer')
        assert.match(diagnosis.cause, new RegExp(`The S3 store at ${server.url} did not answer GetObject in time`))
        assert.match(diagnosis.remediation, new RegExp(`curl -v ${server.url}`))
      } finally {
        await server.close()
      }
    })

    it('gives DeleteObjects, where the server works before it answers, the longer bulk timeout', async () => {
      const server = await faultyServer(['hang'])
      try {
        const s3 = await createS3Client(
          {endpoint: server.url, region: 'us-east-1'},
          {bulkRequestTimeoutMs: 900, maxAttempts: 1, requestTimeoutMs: 100},
        )
        const {DeleteObjectsCommand} = await import('@aws-sdk/client-s3')
        const started = Date.now()
        await assert.rejects(
          sendS3(s3, 'DeleteObjects', new DeleteObjectsCommand({Bucket: 'b', Delete: {Objects: [{Key: 'k'}]}})),
          (error: unknown) => error instanceof S3OperationError && error.failure.endpoint === server.url,
        )
        const elapsed = Date.now() - started
        assert.ok(elapsed >= 850 && elapsed < 3000, `the bulk wait, not the control one: ${elapsed} ms`)
      } finally {
        await server.close()
      }
    })
  })
})
