import {CreateBucketCommand, PutObjectCommand, S3Client} from '@aws-sdk/client-s3'
import {strict as assert} from 'node:assert'
import {writeFileSync} from 'node:fs'
import path from 'node:path'

import {clusterCaller, engines, scratch} from '../helpers/e2e.js'
import {type Credentials, freeLowPort, IamMoto} from '../helpers/iam-moto.js'
import * as iam from '../helpers/iam-verify.js'
import {addNodeClient, removeNodeClient} from '../helpers/node-keystore.js'
import {localFixture} from '../helpers/paths.js'

/**
 * Verify with shard data against OpenSearch 3.6 and a second moto that enforces IAM policies: the
 * least-privilege policy on base_path that a metadata-only verify lets pass is caught, for the
 * cluster's writes (hashed prefixes outside the base path) and for the console's read (the backfill's).
 * The cluster's credentials are a named S3 client added to the shared node's keystore for this suite
 * (s3.client.<name>.*, reloaded with _nodes/reload_secure_settings), so the default client that other
 * suites use is never touched; the suite removes it again.
 */
const local = engines()
const cluster = clusterCaller(local.opensearch)
const suffix = Math.random().toString(36).slice(2, 8)
const bucket = `shard-iam-${suffix}`
const basePath = 'mig'
const clientName = `verify_iam_${suffix}`
const index = `shard-iam-books-${suffix}`
let moto: IamMoto
const target = () => ({basePath, bucket, clientName, endpoint: local.opensearch, s3Endpoint: moto.endpoint})

/**
 * The common least-privilege policy: objects under the base path only. moto names two checks its own way:
 * a multi-object delete is checked against the bucket, and HeadBucket as s3:HeadBucket (AWS: s3:ListBucket).
 */
const basePathOnly = (name: string) => [
  {
    Action: [
      's3:ListBucket',
      's3:ListBucketVersions',
      's3:HeadBucket',
      's3:GetBucketLocation',
      's3:GetBucketVersioning',
      's3:DeleteObject',
    ],
    Effect: 'Allow',
    Resource: `arn:aws:s3:::${name}`,
  },
  {
    Action: [
      's3:PutObject',
      's3:GetObject',
      's3:DeleteObject',
      's3:AbortMultipartUpload',
      's3:ListMultipartUploadParts',
    ],
    Effect: 'Allow',
    Resource: `arn:aws:s3:::${name}/${basePath}/*`,
  },
]

/** The cluster's own answer to a snapshot whose shard files it may not write, kept for the diagnosis table's test. */
async function capturePartialSnapshot() {
  const repository = `capture_${suffix}`
  const location = `${basePath}/capture_${suffix}`
  await iam.registerThroughClient(cluster, repository, target(), location)
  const answer = await cluster('PUT', `/_snapshot/${repository}/partial?wait_for_completion=true`, {
    include_global_state: true,
    indices: index,
  })
  writeFileSync(
    localFixture('responses', 'observed-snapshot-partial-hashed-prefix.json'),
    `${JSON.stringify({body: answer.body, observed: 'OpenSearch 3.6.0, repository-s3, moto in IAM mode, the nodes allowed bucket/mig/* only', request: 'PUT _snapshot/<repo>/<snapshot>?wait_for_completion=true', status: answer.status}, null, 2)}\n`,
  )
  await cluster('DELETE', `/_snapshot/${repository}/partial`)
  await cluster('DELETE', `/_snapshot/${repository}`)
}

describe('snapshot verify with shard data on OpenSearch 3.6 + an S3 store that enforces IAM', function () {
  this.timeout(300_000)
  let admin: S3Client
  let consoleKeys: Credentials
  let initialListing: string[]

  const listing = () => iam.listingOf(admin, bucket)

  const verify = (extra: string[]) =>
    iam.verifyAs(target(), consoleKeys, path.join(scratch, `shard-iam-${suffix}`), extra)

  const stepOf = (outcome: {stdout: string}, name: string) =>
    JSON.parse(outcome.stdout).result.steps.find((step: {name: string}) => step.name === name)

  const nothingOfVerifyLeft = () =>
    iam.assertNothingOfVerifyLeft(
      cluster,
      {pick: (name) => name.startsWith('verify_') && name.includes('shard'), what: 'verify_ repository of this suite'},
      listing,
      initialListing,
    )

  before(async () => {
    if (!IamMoto.motoServer()) throw new Error('moto_server is not installed: run through scripts/with-engines')
    moto = new IamMoto(await freeLowPort())
    await moto.start()
    admin = new S3Client({credentials: moto.admin, endpoint: moto.endpoint, forcePathStyle: true, region: 'us-east-1'})
    await admin.send(new CreateBucketCommand({Bucket: bucket}))
    // Someone else's objects, inside and outside the base path: they must survive every run.
    await admin.send(new PutObjectCommand({Body: 'not the repository’s', Bucket: bucket, Key: 'other/notes.txt'}))
    await admin.send(new PutObjectCommand({Body: 'not verify’s', Bucket: bucket, Key: `${basePath}/README.txt`}))
    initialListing = await listing()
    const clusterKeys = await moto.newUser('cluster', iam.fullAccess(bucket))
    consoleKeys = await moto.newUser('console', iam.fullAccess(bucket))
    await addNodeClient(cluster, clientName, clusterKeys)
    await cluster('PUT', `/${index}`, {settings: {number_of_replicas: 0, number_of_shards: 1}})
    for (let document = 1; document <= 4; document++)
      await cluster('PUT', `/${index}/_doc/${document}?refresh=true`, {text: `book ${document} `.repeat(200)})
  })

  after(async () => {
    await cluster('DELETE', `/${index}`)
    await removeNodeClient(cluster, clientName)

    await moto?.stop()
  })

  it('(a) cluster limited to base_path: exit 1 naming the hashed-prefix object and the remedy', async () => {
    await moto.setPolicy('cluster', basePathOnly(bucket))
    await moto.setPolicy('console', iam.fullAccess(bucket))
    const outcome = await verify(['--index', index])
    assert.equal(outcome.exitCode, 1, outcome.stdout + outcome.stderr)
    const snapshot = stepOf(outcome, 'snapshot')
    assert.equal(snapshot.status, 'failed')
    assert.match(snapshot.detail, /ended in state (PARTIAL|FAILED)/)
    assert.match(
      snapshot.detail,
      new RegExp(`Unable to upload object \\[[A-Za-z0-9_-][01]{14}/${basePath}/verify_[^/]+/indices/`),
    )
    assert.equal(snapshot.diagnosis.code, 'cluster-hashed-prefix-denied')
    assert.match(snapshot.diagnosis.remediation, new RegExp(`s3:PutObject.*arn:aws:s3:::${bucket}/\\*`))
    assert.match(snapshot.diagnosis.remediation, /shard_path_type.*FIXED/)
    assert.equal(stepOf(outcome, 'cleanup').status, 'passed', stepOf(outcome, 'cleanup').detail)
    await nothingOfVerifyLeft()
    if (process.env.CAPTURE_FIXTURES) await capturePartialSnapshot()
  })

  it('(b) console limited to base_path: exit 1 naming the shard file it could not read', async () => {
    await moto.setPolicy('cluster', iam.fullAccess(bucket))
    await moto.setPolicy('console', basePathOnly(bucket))
    const outcome = await verify(['--index', index])
    assert.equal(outcome.exitCode, 1, outcome.stdout + outcome.stderr)
    assert.equal(stepOf(outcome, 'snapshot').status, 'passed', outcome.stdout)
    const readBack = stepOf(outcome, 'read-back')
    assert.equal(readBack.status, 'failed')
    assert.match(
      readBack.detail,
      new RegExp(`s3://${bucket}/[A-Za-z0-9_-][01]{14}/${basePath}/verify_[^/]+/indices/[^/]+/0/snap-[^ ]+\\.dat`),
    )
    assert.match(readBack.detail, /AccessDenied|403/)
    assert.equal(readBack.diagnosis.code, 'console-shard-read-denied')
    assert.match(readBack.diagnosis.cause, /the backfill reads these shard files with the migration's role/)
    assert.match(readBack.diagnosis.remediation, new RegExp(`s3:GetObject on arn:aws:s3:::${bucket}/\\*`))
    assert.equal(stepOf(outcome, 'cleanup').status, 'passed', stepOf(outcome, 'cleanup').detail)
    await nothingOfVerifyLeft()
  })

  it('(c) both allowed, shard_path_type FIXED (where the backfill reads): exit 0, the bucket as it was, no verify_ repository or index left', async () => {
    await moto.setPolicy('cluster', iam.fullAccess(bucket))
    await moto.setPolicy('console', iam.fullAccess(bucket))
    const outcome = await verify(['--create-test-index', '--shard-path-type', 'FIXED'])
    assert.equal(outcome.exitCode, 0, outcome.stdout + outcome.stderr)
    const readBack = stepOf(outcome, 'read-back')
    assert.match(readBack.detail, /file\(s\), .* lengths and Lucene checksums match/)
    assert.match(readBack.detail, /backfill \(SnapshotReader_ES_9_0, S3\) finds all/)
    assert.match(stepOf(outcome, 'cleanup').detail, /index verify_index_/)
    await nothingOfVerifyLeft()
  })
})
