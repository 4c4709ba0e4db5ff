import {strict as assert} from 'node:assert'
import {readFileSync} from 'node:fs'

import {ClusterRequestError} from '../../src/cluster/client.js'
import {CheckFailure, diagnose} from '../../src/diagnose/index.js'
import {S3OperationError} from '../../src/storage/s3.js'
import {sharedFixture} from '../helpers/paths.js'

function clusterAnswer(status: number, body: unknown, request = 'PUT /_snapshot/migration_assistant_repo'): ClusterRequestError {
  const [method, path] = request.split(' ')
  return new ClusterRequestError(method, path, 'http://source:9200', status, body, undefined, `${request} answered ${status}`)
}

function fixture(name: string): {status: number} {
  return JSON.parse(readFileSync(sharedFixture('responses', name), 'utf8'))
}

function networkFailure(code: string): ClusterRequestError {
  return new ClusterRequestError('GET', '/', 'https://source:9200', undefined, undefined, code, `GET / failed: ${code}`)
}

const context = {bucket: 'migration-bucket', basePath: 'rfs-snapshot-repo', region: 'us-west-2', repository: 'migration_assistant_repo', snapshot: 'rfs-snapshot'}

describe('diagnoses', () => {
  it('recognises the IMDSv2 failure of an old S3 plugin and gives both commands', () => {
    const body = fixture('imds-401.json')
    const diagnosis = diagnose(clusterAnswer(body.status, body), context)
    assert.equal(diagnosis.code, 'imds-v2-unsupported')
    assert.match(diagnosis.cause, /IMDSv2/)
    assert.match(diagnosis.remediation, /--http-tokens optional/)
    assert.match(diagnosis.remediation, /--http-tokens required/)
  })

  it("blames the cluster's credentials, not the bucket, for a 403 at registration and names the permissions", () => {
    const body = fixture('s3-access-denied.json')
    const diagnosis = diagnose(clusterAnswer(body.status, body), context)
    assert.equal(diagnosis.code, 'cluster-s3-access-denied')
    assert.match(diagnosis.cause, /nodes' IAM role or keystore/)
    assert.match(diagnosis.remediation, /s3:ListBucket on arn:aws:s3:::migration-bucket/)
    assert.match(diagnosis.remediation, /s3:PutObject, s3:DeleteObject on arn:aws:s3:::migration-bucket\/rfs-snapshot-repo\/\*/)
  })

  it('explains a name conflict as files deleted outside the console and offers the console commands', () => {
    const body = fixture('snapshot-already-exists.json')
    const diagnosis = diagnose(clusterAnswer(body.status, body), context)
    assert.equal(diagnosis.code, 'snapshot-name-conflict')
    assert.match(diagnosis.cause, /deleted outside the migration console/)
    assert.match(diagnosis.remediation, /console snapshot delete --repository migration_assistant_repo --snapshot rfs-snapshot/)
    assert.match(diagnosis.remediation, /console repo clean --repository migration_assistant_repo/)
  })

  const clusterCases: [string, number, object, string, RegExp][] = [
    ['the CDK snapshot role', 500, {error: {type: 'repository_verification_exception', reason: 'x', caused_by: {type: 'amazon_s3_exception', reason: 'User: arn:aws:sts::1:assumed-role/OSMigrations-dev-us-east-1-default-SnapshotRole/x is not authorized (Status Code: 403; Error Code: AccessDenied)'}}}, 'cdk-snapshot-role-denied', /SnapshotRole/],
    ['a running snapshot', 503, {error: {type: 'concurrent_snapshot_execution_exception', reason: '[repo:snap] cannot snapshot while a snapshot deletion is in-progress'}}, 'snapshot-running', /_snapshot\/_status/],
    ['no s3 repository type', 500, {error: {type: 'repository_exception', reason: '[verify_x] repository type [s3] does not exist', caused_by: {type: 'repository_exception', reason: 'unknown [s3] repository type'}}}, 's3-plugin-missing', /plugin install repository-s3/],
    ['path.repo not set', 500, {error: {type: 'repository_exception', reason: "[verify_x] location [/data/x] doesn't match any of the locations specified by path.repo because this setting is empty"}}, 'path-repo-not-set', /path\.repo/],
    ['a wrong region at S3', 500, {error: {type: 'repository_verification_exception', reason: 'x', caused_by: {type: 'amazon_s3_exception', reason: 'The bucket you are attempting to access must be addressed using the specified endpoint. (Status Code: 301; Error Code: PermanentRedirect)'}}}, 'bucket-region-mismatch', /aws_region/],
    ['a missing bucket', 500, {error: {type: 'repository_verification_exception', reason: 'x', caused_by: {type: 'amazon_s3_exception', reason: 'The specified bucket does not exist (Status Code: 404; Error Code: NoSuchBucket)'}}}, 'bucket-missing', /create-bucket/],
    ['a KMS key', 500, {error: {type: 'repository_verification_exception', reason: 'x', caused_by: {type: 'amazon_s3_exception', reason: 'User is not authorized to perform: kms:GenerateDataKey (Status Code: 403; Error Code: AccessDenied)'}}}, 'kms-access-denied', /kms:GenerateDataKey/],
    ['throttling', 500, {error: {type: 'snapshot_exception', reason: 'x', caused_by: {type: 'amazon_s3_exception', reason: 'Please reduce your request rate. (Status Code: 503; Error Code: SlowDown)'}}}, 's3-slow-down', /again/],
    ['wrong keystore keys', 500, {error: {type: 'repository_verification_exception', reason: 'x', caused_by: {type: 'amazon_s3_exception', reason: 'The AWS Access Key Id you provided does not exist in our records. (Error Code: InvalidAccessKeyId)'}}}, 'cluster-s3-credentials', /keystore/],
    ['an unregistered repository', 404, {error: {type: 'repository_missing_exception', reason: '[nope] missing'}}, 'repository-missing', /GET _snapshot/],
    ['wrong basic auth', 401, {error: {type: 'security_exception', reason: 'unable to authenticate user [admin]'}}, 'cluster-unauthorized', /basic_auth/],
    ['a sigv4 region mismatch', 403, {message: 'Credential should be scoped to a valid region.'}, 'cluster-forbidden', /sigv4\.region/],
  ]
  for (const [what, status, body, code, remediation] of clusterCases)
    it(`recognises ${what} (${code})`, () => {
      const diagnosis = diagnose(clusterAnswer(status, body), context)
      assert.equal(diagnosis.code, code)
      assert.match(diagnosis.remediation, remediation)
      assert.ok(diagnosis.cause.length > 10)
    })

  const networkCases: [string, string, RegExp][] = [
    ['ECONNREFUSED', 'cluster-refused', /endpoint/],
    ['ENOTFOUND', 'cluster-dns', /DNS/],
    ['ETIMEDOUT', 'cluster-timeout', /security groups/],
    ['ECONNRESET', 'cluster-connection-reset', /again/],
    ['DEPTH_ZERO_SELF_SIGNED_CERT', 'tls-untrusted', /allow_insecure: true.*impersonate/],
  ]
  for (const [networkCode, code, remediation] of networkCases)
    it(`recognises ${networkCode} as ${code}`, () => {
      const diagnosis = diagnose(networkFailure(networkCode))
      assert.equal(diagnosis.code, code)
      assert.match(diagnosis.remediation, remediation)
    })

  it('names the nodes that lack the plugin', () => {
    const diagnosis = diagnose(new CheckFailure('plugin-missing', 'missing', {nodes: ['node-a', 'node-c']}))
    assert.equal(diagnosis.code, 's3-plugin-missing')
    assert.match(diagnosis.cause, /2 node\(s\): node-a, node-c/)
  })

  it("names the bucket's real region", () => {
    const diagnosis = diagnose(new CheckFailure('bucket-elsewhere', 'elsewhere', {bucketRegion: 'eu-central-1'}), context)
    assert.equal(diagnosis.code, 'bucket-region-mismatch')
    assert.match(diagnosis.cause, /is in eu-central-1, not in us-west-2/)
  })

  it("tells the console's own S3 denial apart from the cluster's", () => {
    const diagnosis = diagnose(new S3OperationError({operation: 'PutObject', name: 'AccessDenied', status: 403, message: 'Access Denied'}), context)
    assert.equal(diagnosis.code, 'console-s3-access-denied')
    assert.match(diagnosis.cause, /console's own AWS credentials/)
  })

  it("keeps an unknown error's own reason and the request that failed", () => {
    const diagnosis = diagnose(clusterAnswer(500, {error: {type: 'weird_exception', reason: 'the flux capacitor broke'}}, 'PUT /_snapshot/r/s'))
    assert.equal(diagnosis.code, 'unknown')
    assert.equal(diagnosis.cause, 'the flux capacitor broke')
    assert.match(diagnosis.remediation, /PUT \/_snapshot\/r\/s/)
  })
})
