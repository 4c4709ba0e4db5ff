import nock from 'nock'
import {strict as assert} from 'node:assert'
import {createHash, createHmac} from 'node:crypto'

import type {ClusterAuth} from '../../src/services/model.js'

import {ClusterRequestError, createClusterClient, isRetryable} from '../../src/cluster/client.js'
import {closedPort, faultyServer} from '../helpers/faulty-server.js'

const endpoint = 'http://source.test:9200'
const FAST_RETRY = {baseDelayMs: 1, maxDelayMs: 5, retries: 3}
const client = (auth?: ClusterAuth, extra: object = {}) =>
  createClusterClient({allowInsecure: false, auth: auth ?? {kind: 'none'}, endpoint}, {retry: FAST_RETRY, ...extra})

async function failure(promise: Promise<unknown>): Promise<ClusterRequestError> {
  try {
    await promise
  } catch (error) {
    assert.ok(error instanceof ClusterRequestError, String(error))
    return error
  }

  assert.fail('expected the request to fail')
}

describe('cluster client', () => {
  it('retries 429 and 503 with backoff, then succeeds', async () => {
    const scope = nock(endpoint)
      .get('/')
      .reply(429, 'slow down')
      .get('/')
      .reply(503, 'busy')
      .get('/')
      .reply(200, {version: {number: '7.10.2'}})
    const answer = await client().send({idempotent: true, method: 'GET', path: '/'})
    assert.equal(answer.status, 200)
    assert.ok(scope.isDone())
  })

  it('gives up after the bounded number of retries and reports the last answer', async () => {
    nock(endpoint).get('/_nodes/plugins').times(4).reply(503, {error: 'unavailable'})
    const error = await failure(client().send({idempotent: true, method: 'GET', path: '/_nodes/plugins'}))
    assert.equal(error.status, 503)
    assert.equal(error.request, 'GET /_nodes/plugins')
    assert.ok(nock.isDone())
  })

  it('retries a reset connection for a safe request', async () => {
    const server = await faultyServer(['reset', {body: '{"ok":true}', status: 200}])
    try {
      const answer = await createClusterClient(
        {allowInsecure: false, auth: {kind: 'none'}, endpoint: server.url},
        {retry: FAST_RETRY},
      ).send({idempotent: true, method: 'GET', path: '/'})
      assert.deepEqual(answer.body, {ok: true})
      assert.equal(server.connections(), 2)
    } finally {
      await server.close()
    }
  })

  it('never repeats a snapshot creation whose connection broke after it was sent', async () => {
    const server = await faultyServer(['reset', {body: '{}', status: 200}])
    try {
      const creating = createClusterClient(
        {allowInsecure: false, auth: {kind: 'none'}, endpoint: server.url},
        {retry: FAST_RETRY},
      )
      const error = await failure(creating.send({idempotent: false, method: 'PUT', path: '/_snapshot/r/s'}))
      assert.equal(error.code, 'ECONNRESET')
      assert.equal(server.connections(), 1)
    } finally {
      await server.close()
    }

    assert.equal(
      isRetryable({idempotent: false, method: 'PUT', path: '/x'}, {code: 'ECONNREFUSED'}),
      true,
      'a refused connection never reached the cluster',
    )
    assert.equal(isRetryable({idempotent: false, method: 'PUT', path: '/x'}, {status: 500}), false)
  })

  it('times out a cluster that accepts and never answers', async () => {
    const server = await faultyServer(['hang'])
    try {
      const slow = createClusterClient(
        {allowInsecure: false, auth: {kind: 'none'}, endpoint: server.url},
        {retry: {baseDelayMs: 1, maxDelayMs: 1, retries: 1}, timeoutMs: 200},
      )
      const error = await failure(slow.send({idempotent: true, method: 'GET', path: '/'}))
      assert.equal(error.code, 'ETIMEDOUT')
      assert.equal(server.connections(), 2, 'retried once, then gave up')
    } finally {
      await server.close()
    }
  })

  it('does not retry a structured 500: the cluster answered', async () => {
    const scope = nock(endpoint)
      .put('/_snapshot/r')
      .reply(500, {error: {reason: 'no', type: 'repository_verification_exception'}, status: 500})
    const error = await failure(client().send({body: {}, idempotent: true, method: 'PUT', path: '/_snapshot/r'}))
    assert.equal(error.clusterError?.type, 'repository_verification_exception')
    assert.ok(scope.isDone())
  })

  it('reports a refused connection with its code after retrying', async () => {
    const refused = createClusterClient(
      {allowInsecure: false, auth: {kind: 'none'}, endpoint: await closedPort()},
      {retry: FAST_RETRY},
    )
    try {
      const error = await failure(refused.send({idempotent: true, method: 'GET', path: '/'}))
      assert.equal(error.code, 'ECONNREFUSED')
      assert.match(error.message, /connection refused/)
    } finally {
      nock.disableNetConnect()
    }
  })

  it('sends basic auth and the user agent with user_agent_extra', async () => {
    const scope = nock(endpoint, {
      reqheaders: {
        authorization: `Basic ${Buffer.from('admin:s3cret').toString('base64')}`,
        'user-agent': /^console-snapshot-plugin\/\S+ MigrationAssistant\/2\.5$/,
      },
    })
      .get('/')
      .reply(200, {})
    await client(
      {kind: 'basic', password: 's3cret', username: 'admin'},
      {userAgentExtra: 'MigrationAssistant/2.5'},
    ).send({idempotent: true, method: 'GET', path: '/'})
    assert.ok(scope.isDone())
  })

  it('reads basic auth from a Secrets Manager secret once', async () => {
    let reads = 0
    const readSecret = async () => {
      reads++
      return {password: 'from-secret', username: 'svc'}
    }

    const scope = nock(endpoint, {
      reqheaders: {authorization: `Basic ${Buffer.from('svc:from-secret').toString('base64')}`},
    })
      .get('/')
      .twice()
      .reply(200, {})
    const secretClient = client(
      {kind: 'basic-secret', secretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:x'},
      {readSecret},
    )
    await secretClient.send({idempotent: true, method: 'GET', path: '/'})
    await secretClient.send({idempotent: true, method: 'GET', path: '/'})
    assert.equal(reads, 1)
    assert.ok(scope.isDone())
  })

  it('signs sigv4 requests with a signature that verifies', async () => {
    const credentials = {accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY'}
    let seen: Record<string, string | string[] | undefined> = {}
    let seenBody = ''
    nock(endpoint)
      .put('/_snapshot/repo', (body) => {
        seenBody = JSON.stringify(body)
        return true
      })
      .reply(function () {
        seen = this.req.headers
        return [200, {acknowledged: true}]
      })
    const signed = client(
      {kind: 'sigv4', region: 'eu-west-1', service: 'es'},
      {awsCredentials: async () => credentials},
    )
    await signed.send({
      body: {settings: {location: '/x'}, type: 'fs'},
      idempotent: true,
      method: 'PUT',
      path: '/_snapshot/repo',
    })

    const authorization = String(seen.authorization)
    const match =
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/(\d{8})\/eu-west-1\/es\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(
        authorization,
      )
    assert.ok(match, authorization)
    const [, date, signedHeaders, signature] = match
    // Recompute the signature independently from the request as the server received it.
    const canonicalHeaders = signedHeaders
      .split(';')
      .map((name) => `${name}:${String(seen[name]).trim()}\n`)
      .join('')
    const payloadHash = createHash('sha256').update(seenBody).digest('hex')
    const canonicalRequest = ['PUT', '/_snapshot/repo', '', canonicalHeaders, signedHeaders, payloadHash].join('\n')
    const stringToSign = [
      'AWS4-HMAC-SHA256',
      seen['x-amz-date'],
      `${date}/eu-west-1/es/aws4_request`,
      createHash('sha256').update(canonicalRequest).digest('hex'),
    ].join('\n')
    const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data).digest()
    const signingKey = hmac(
      hmac(hmac(hmac(`AWS4${credentials.secretAccessKey}`, date), 'eu-west-1'), 'es'),
      'aws4_request',
    )
    assert.equal(createHmac('sha256', signingKey).update(stringToSign).digest('hex'), signature)
  })

  it('with sigv4_signing_endpoint signs for that host while sending to the endpoint', async () => {
    let seen: Record<string, string | string[] | undefined> = {}
    nock(endpoint)
      .get('/')
      .reply(function () {
        seen = this.req.headers
        return [200, {}]
      })
    const credentials = {accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret'}
    const proxied = createClusterClient(
      {
        allowInsecure: false,
        auth: {kind: 'sigv4', region: 'eu-west-1', service: 'es'},
        endpoint,
        sigv4SigningEndpoint: 'https://vpc-domain.eu-west-1.es.amazonaws.com',
      },
      {awsCredentials: async () => credentials, retry: FAST_RETRY},
    )
    await proxied.send({idempotent: true, method: 'GET', path: '/'})
    assert.equal(seen.host, 'vpc-domain.eu-west-1.es.amazonaws.com')
    assert.match(String(seen.authorization), /SignedHeaders=[^,]*host/)
  })

  it('signs with the service as the file gives it, not only es or aoss', async () => {
    let authorization = ''
    nock(endpoint)
      .get('/')
      .reply(function () {
        authorization = String(this.req.headers.authorization)
        return [200, {}]
      })
    await client(
      {kind: 'sigv4', region: 'eu-west-1', service: 'osis'},
      {awsCredentials: async () => ({accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret'})},
    ).send({idempotent: true, method: 'GET', path: '/'})
    assert.match(authorization, /\/eu-west-1\/osis\/aws4_request/)
  })

  it('fails before sending when sigv4 has no region anywhere', async () => {
    const unsigned = client(
      {kind: 'sigv4', service: 'es'},
      {awsCredentials: async () => ({accessKeyId: 'a', secretAccessKey: 'b'}), env: {}},
    )
    await assert.rejects(unsigned.send({idempotent: true, method: 'GET', path: '/'}), /sigv4\.region/)
  })
})
