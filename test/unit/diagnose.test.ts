import {strict as assert} from 'node:assert'
import {readFileSync} from 'node:fs'

import {ClusterRequestError} from '../../src/cluster/client.js'
import {CheckFailure, diagnose} from '../../src/diagnose/index.js'
import {ShardReadError} from '../../src/snapshot-format/read-back.js'
import {S3OperationError} from '../../src/store/s3.js'
import {readBackFailure, snapshotFailure} from '../../src/verify/shard-data.js'
import {localFixture} from '../helpers/paths.js'

function clusterAnswer(
  status: number,
  body: unknown,
  request = 'PUT /_snapshot/migration_assistant_repo',
): ClusterRequestError {
  const [method, path] = request.split(' ')
  return new ClusterRequestError(
    method,
    path,
    'http://source:9200',
    status,
    body,
    undefined,
    `${request} answered ${status}`,
  )
}

/** A response fixture: the shared ones are bare bodies, the local ones {status, body} with where they came from. */
function loadFixture(name: string): {body: unknown; status: number} {
  if (name.startsWith('shared:')) {
    const body = JSON.parse(readFileSync(localFixture('responses', `shared-${name.slice('shared:'.length)}`), 'utf8'))
    return {body, status: body.status}
  }

  const {body, status} = JSON.parse(readFileSync(localFixture('responses', name), 'utf8'))
  return {body, status}
}

function networkFailure(code: string): ClusterRequestError {
  return new ClusterRequestError('GET', '/', 'https://source:9200', undefined, undefined, code, `GET / failed: ${code}`)
}

const context = {
  basePath: 'rfs-snapshot-repo',
  bucket: 'migration-bucket',
  region: 'us-west-2',
  repository: 'migration_assistant_repo',
  snapshot: 'rfs-snapshot',
}

describe('diagnoses', () => {
  // Every known failure: its fixture (the guide's, captured from the local engines, observed, or shaped
  // like a real answer), the diagnosis code, and what the cause and the next step must say.
  const CASES: [string, string, RegExp, RegExp][] = [
    ['shared:imds-401.json', 'imds-v2-unsupported', /IMDSv2/, /--http-tokens optional.*--http-tokens required/],
    [
      'shared:s3-access-denied.json',
      'cluster-s3-access-denied',
      /nodes' IAM role or keystore/,
      /s3:ListBucket on arn:aws:s3:::migration-bucket, and s3:GetObject, s3:PutObject, s3:DeleteObject on arn:aws:s3:::migration-bucket\/rfs-snapshot-repo\/\*/,
    ],
    [
      'shared:snapshot-already-exists.json',
      'snapshot-name-conflict',
      /deleted outside the migration console/,
      /console snapshot delete --repository migration_assistant_repo --snapshot rfs-snapshot.*console repo clean --repository migration_assistant_repo/,
    ],
    [
      'captured-name-conflict.json',
      'snapshot-name-conflict',
      /still in the repository index/,
      /console snapshot delete/,
    ],
    [
      'captured-plugin-missing.json',
      's3-plugin-missing',
      /repository-s3 plugin is not installed/,
      /plugin install repository-s3.*restart/,
    ],
    ['captured-path-repo-not-set.json', 'path-repo-not-set', /not listed in path\.repo/, /path\.repo.*restart/],
    ['captured-path-repo-not-set-opensearch.json', 'path-repo-not-set', /not listed in path\.repo/, /path\.repo/],
    [
      'captured-bucket-missing.json',
      'bucket-missing',
      /migration-bucket does not exist/,
      /--create-bucket.*aws s3api create-bucket --bucket migration-bucket --region us-west-2 --create-bucket-configuration LocationConstraint=us-west-2/,
    ],
    [
      'captured-repository-missing.json',
      'repository-missing',
      /migration_assistant_repo is not registered/,
      /GET _snapshot/,
    ],
    [
      'observed-concurrent-modification.json',
      'repository-out-of-sync',
      /changed outside the cluster/,
      /console snapshot delete --repository migration_assistant_repo/,
    ],
    ['observed-repository-disabled.json', 'repository-out-of-sync', /disabled it/, /re-reads its real state/],
    [
      'shaped-cdk-snapshot-role.json',
      'cdk-snapshot-role-denied',
      /CDK deployment's snapshot role/,
      /default-SnapshotRole s3:ListBucket.*CustomS3AutoDeleteObjects/,
    ],
    ['shaped-concurrent-snapshot.json', 'snapshot-running', /Another snapshot/, /GET _snapshot\/_status/],
    ['shaped-wrong-region.json', 'bucket-region-mismatch', /not in us-west-2 as configured/, /aws_region/],
    ['shaped-kms.json', 'kms-access-denied', /KMS key/, /kms:GenerateDataKey and kms:Decrypt/],
    ['shaped-slow-down.json', 's3-slow-down', /SlowDown/, /again/],
    [
      'shaped-invalid-access-key.json',
      'cluster-s3-credentials',
      /credentials on the cluster's nodes/,
      /keystore.*reload_secure_settings/,
    ],
    ['shaped-cannot-reach-s3.json', 'cluster-cannot-reach-s3', /cannot reach the S3 endpoint/, /VPC endpoint/],
    ['shaped-security-401.json', 'cluster-unauthorized', /rejected the credentials/, /basic_auth/],
    ['shaped-sigv4-403.json', 'cluster-forbidden', /sigv4 region or service does not match/, /sigv4\.region/],
    ['shaped-role-mapping-403.json', 'cluster-forbidden', /security denied/, /cluster:admin\/repository/],
  ]
  for (const [name, code, cause, remediation] of CASES)
    it(`${name} → ${code}`, () => {
      const {body, status} = loadFixture(name)
      const diagnosis = diagnose(clusterAnswer(status, body), context)
      assert.equal(diagnosis.code, code)
      assert.match(diagnosis.cause, cause)
      assert.match(diagnosis.remediation, remediation)
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

  describe('shard data', () => {
    const partial = () =>
      JSON.parse(readFileSync(localFixture('responses', 'observed-snapshot-partial-hashed-prefix.json'), 'utf8')).body
        .snapshot

    it("names the hashed-prefix object the cluster could not write, and what to grant (OpenSearch 3.6's own answer)", () => {
      const failure = snapshotFailure('verify_snapshot_x', partial())
      assert.match(
        failure.message,
        /ended in state PARTIAL: \[shard-iam-books-[^\]]+\]\[0\] IndexShardSnapshotFailedException/,
      )
      const diagnosis = diagnose(failure, context)
      assert.equal(diagnosis.code, 'cluster-hashed-prefix-denied')
      assert.match(
        diagnosis.cause,
        /could not write G00110111011001\/mig\/capture_[a-z0-9]+\/indices\/[^ ]+\/0\/index-[^ ]+ in s3:\/\/migration-bucket/,
      )
      assert.match(diagnosis.cause, /hashed prefixes outside the base path/)
      assert.match(
        diagnosis.remediation,
        /s3:PutObject.*on arn:aws:s3:::migration-bucket\/\* \(the whole bucket, not only rfs-snapshot-repo\/\*\)/,
      )
      assert.match(diagnosis.remediation, /"shard_path_type": "FIXED"/)
    })

    it('the same denial under the base path is a plain shard-write denial; other shard failures keep the cluster’s reason', () => {
      const snapshot = partial()
      snapshot.failures[0].reason = snapshot.failures[0].reason.replace(/\[G00110111011001\//, '[')
      assert.equal(diagnose(snapshotFailure('s', snapshot), context).code, 'cluster-shard-write-denied')
      const other = {
        failures: [{index: 'books', reason: 'IndexShardSnapshotFailedException[Aborted]', shard_id: 0}],
        snapshot: 's',
        state: 'FAILED',
      }
      const diagnosis = diagnose(snapshotFailure('s', other), context)
      assert.equal(diagnosis.code, 'snapshot-shards-failed')
      assert.match(diagnosis.cause, /\[books\]\[0\] IndexShardSnapshotFailedException\[Aborted\]/)
    })

    it("names the shard file the console's credentials could not read, and who else reads it", () => {
      const key = 'G00110111011001/mig/verify_x/indices/abc/0/snap-u.dat'
      const denied = new S3OperationError({
        message: 'Access Denied',
        name: 'AccessDenied',
        operation: 'GetObject',
        status: 403,
      })
      const diagnosis = diagnose(
        readBackFailure(
          new ShardReadError(
            'unreadable',
            key,
            `could not read s3://migration-bucket/${key}: ${denied.message}`,
            denied,
          ),
        ),
        context,
      )
      assert.equal(diagnosis.code, 'console-shard-read-denied')
      assert.match(
        diagnosis.cause,
        new RegExp(`could not read ${key}: the backfill reads these shard files with the migration's role`),
      )
      assert.match(diagnosis.remediation, /s3:GetObject on arn:aws:s3:::migration-bucket\/\*/)
    })

    it('tells a corrupt and a missing shard file apart', () => {
      const corrupt = diagnose(
        readBackFailure(new ShardReadError('corrupt', 'indices/a/0/__x', 'is corrupt: adds up to …')),
      )
      assert.equal(corrupt.code, 'shard-file-corrupt')
      assert.match(corrupt.cause, /indices\/a\/0\/__x does not match/)
      assert.equal(
        diagnose(readBackFailure(new ShardReadError('missing', 'indices/a/0/__x', 'gone'))).code,
        'shard-file-missing',
      )
    })
  })

  it('names the nodes that lack the plugin', () => {
    const diagnosis = diagnose(new CheckFailure('plugin-missing', 'missing', {nodes: ['node-a', 'node-c']}))
    assert.equal(diagnosis.code, 's3-plugin-missing')
    assert.match(diagnosis.cause, /2 node\(s\): node-a, node-c/)
  })

  it('explains a test snapshot that ended PARTIAL, naming where to read the shard failures', () => {
    const diagnosis = diagnose(
      new CheckFailure('snapshot-not-successful', 'snapshot verify_snapshot_1 ended in state PARTIAL'),
      {...context, repository: 'verify_1', snapshot: 'verify_snapshot_1'},
    )
    assert.equal(diagnosis.code, 'snapshot-shards-failed')
    assert.match(diagnosis.cause, /ended in state PARTIAL/)
    assert.match(diagnosis.remediation, /GET _snapshot\/verify_1\/verify_snapshot_1/)
  })

  it("names the bucket's real region", () => {
    const diagnosis = diagnose(
      new CheckFailure('bucket-elsewhere', 'elsewhere', {bucketRegion: 'eu-central-1'}),
      context,
    )
    assert.equal(diagnosis.code, 'bucket-region-mismatch')
    assert.match(diagnosis.cause, /is in eu-central-1, not in us-west-2/)
  })

  it("tells the console's own S3 denial apart from the cluster's", () => {
    const diagnosis = diagnose(
      new S3OperationError({message: 'Access Denied', name: 'AccessDenied', operation: 'PutObject', status: 403}),
      context,
    )
    assert.equal(diagnosis.code, 'console-s3-access-denied')
    assert.match(diagnosis.cause, /console's own AWS credentials/)
  })

  it("keeps an unknown error's own reason and the request that failed", () => {
    const diagnosis = diagnose(
      clusterAnswer(500, {error: {reason: 'the flux capacitor broke', type: 'weird_exception'}}, 'PUT /_snapshot/r/s'),
    )
    assert.equal(diagnosis.code, 'unknown')
    assert.equal(diagnosis.cause, 'the flux capacitor broke')
    assert.match(diagnosis.remediation, /PUT \/_snapshot\/r\/s/)
  })
})
