import {
  CreateBucketCommand,
  DeleteObjectsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3'
import {strict as assert} from 'node:assert'
import path from 'node:path'

import {clusterCaller, engines, scratch} from '../helpers/e2e.js'
import {type Grant, grantsOf} from '../helpers/grants.js'
import {type Credentials, freeLowPort, IamMoto} from '../helpers/iam-moto.js'
import * as iam from '../helpers/iam-verify.js'
import {addNodeClient, removeNodeClient} from '../helpers/node-keystore.js'

/**
 * The console's role on an S3 store that enforces IAM (a second moto in IAM mode), the cluster's nodes with full
 * access through a named keystore client: a role that may not read fails with a remedy, and the same command
 * passes once exactly the remedy's permissions are the role's policy; a role that may only list and read (all the
 * backfill needs) passes, its probe and cleanup going through the cluster, and what stays is named.
 */
const local = engines()
const cluster = clusterCaller(local.opensearch)
const suffix = Math.random().toString(36).slice(2, 8)
const bucket = `least-priv-${suffix}`
const basePath = 'mig'
const clientName = `verify_lp_${suffix}`

/**
 * moto checks two requests under its own names where AWS uses others: HeadBucket as s3:HeadBucket (AWS:
 * s3:ListBucket) and a multi-object delete against the bucket (AWS: s3:DeleteObject on each key). The policy a
 * remedy names is given to moto with these names added beside AWS's, nothing else.
 */
function asMotoChecks(grants: Grant[]): object[] {
  const bucketArn = `arn:aws:s3:::${bucket}`
  const deletes = grants.some((grant) => grant.actions.includes('s3:DeleteObject'))
  return grants.map((grant) => ({
    Action: [
      ...grant.actions,
      ...(grant.resource === bucketArn && grant.actions.includes('s3:ListBucket') ? ['s3:HeadBucket'] : []),
      ...(grant.resource === bucketArn && deletes ? ['s3:DeleteObject'] : []),
    ],
    Effect: 'Allow',
    Resource: grant.resource,
  }))
}

const LIST_ONLY: Grant[] = [{actions: ['s3:ListBucket'], resource: `arn:aws:s3:::${bucket}`}]
const READ_ONLY: Grant[] = [...LIST_ONLY, {actions: ['s3:GetObject'], resource: `arn:aws:s3:::${bucket}/*`}]

describe("snapshot verify proves the console's role for what it needs, on a store that enforces IAM", function () {
  this.timeout(300_000)
  let moto: IamMoto
  let admin: S3Client
  let consoleKeys: Credentials

  const verify = (repository: string) =>
    iam.verifyAs(
      {basePath, bucket, clientName, endpoint: local.opensearch, s3Endpoint: moto.endpoint},
      consoleKeys,
      path.join(scratch, `least-priv-${suffix}`),
      [
        '--repository',
        repository,
        // Its own test index, where the backfill reads it (OpenSearch 3.x hashes shard paths otherwise).
        '--create-test-index',
        '--shard-path-type',
        'FIXED',
      ],
    )

  const stepOf = (outcome: {stdout: string}, name: string) =>
    JSON.parse(outcome.stdout).result.steps.find((step: {name: string}) => step.name === name)

  const keysUnder = async (prefix: string) =>
    ((await admin.send(new ListObjectsV2Command({Bucket: bucket, Prefix: prefix}))).Contents ?? [])
      .map((object) => object.Key!)
      .sort()

  const noRepositoryLeft = async (repository: string) => {
    const registered = (await cluster('GET', '/_snapshot')).body as Record<string, unknown>
    assert.equal(registered[repository], undefined, `${repository} is still registered`)
  }

  before(async () => {
    if (!IamMoto.motoServer()) throw new Error('moto_server is not installed: run through scripts/with-engines')
    moto = new IamMoto(await freeLowPort())
    await moto.start()
    admin = new S3Client({credentials: moto.admin, endpoint: moto.endpoint, forcePathStyle: true, region: 'us-east-1'})
    await admin.send(new CreateBucketCommand({Bucket: bucket}))
    await admin.send(new PutObjectCommand({Body: 'not verify’s', Bucket: bucket, Key: `${basePath}/README.txt`}))
    const nodes = await moto.newUser('nodes', [
      {Action: ['s3:*'], Effect: 'Allow', Resource: [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`]},
    ])
    consoleKeys = await moto.newUser('console', asMotoChecks(LIST_ONLY))
    await addNodeClient(cluster, clientName, nodes)
  })

  after(async () => {
    await removeNodeClient(cluster, clientName)
    await moto?.stop()
  })

  it("a role that may not read fails step 5 with a remedy; that remedy's permissions as the role's policy make the same command pass", async () => {
    const repository = `verify_lp_remedy_${suffix}`
    await moto.setPolicy('console', asMotoChecks(LIST_ONLY))
    const denied = await verify(repository)
    assert.equal(denied.exitCode, 1, denied.stdout + denied.stderr)
    const access = stepOf(denied, 'access')
    assert.equal(access.status, 'failed', access.detail)
    assert.match(access.detail, /GetObject failed: AccessDenied \(403\)/)
    const grants = grantsOf(access.diagnosis.remediation)
    console.log(`      the remedy's grants: ${JSON.stringify(grants)}`)
    assert.ok(
      grants.some((grant) => grant.actions.includes('s3:GetObject') && grant.resource === `arn:aws:s3:::${bucket}/*`),
      access.diagnosis.remediation,
    )
    await noRepositoryLeft(repository)
    assert.deepEqual(await keysUnder(`${basePath}/${repository}/`), [], 'the denied run wrote nothing')

    await moto.setPolicy('console', asMotoChecks(grants))
    const after = await verify(repository)
    assert.equal(after.exitCode, 0, after.stdout + after.stderr)
    assert.doesNotMatch(stepOf(after, 'access').detail, /may only read/)
    await noRepositoryLeft(repository)
    assert.deepEqual(
      await keysUnder(`${basePath}/${repository}/`),
      [],
      'the passing run left nothing under its location',
    )
    assert.deepEqual(await keysUnder(''), [`${basePath}/README.txt`])
  })

  it('a role that may only list and read passes: the report says the cluster path was used and names what stays, which is exactly what the bucket holds', async () => {
    const repository = `verify_lp_read_${suffix}`
    await moto.setPolicy('console', asMotoChecks(READ_ONLY))
    const outcome = await verify(repository)
    assert.equal(outcome.exitCode, 0, outcome.stdout + outcome.stderr)
    assert.match(
      stepOf(outcome, 'access').detail,
      /^list, read under .*the console may only read: verify's probe and cleanup went through the cluster/,
    )
    const cleanup = stepOf(outcome, 'cleanup')
    assert.equal(cleanup.status, 'passed', cleanup.detail)
    await noRepositoryLeft(repository)
    // The truth beside the report: what the bucket holds under the test location now.
    const left = await keysUnder(`${basePath}/${repository}/`)
    console.log(`      left under the test location: ${left.join(', ')}; cleanup said: ${cleanup.detail}`)
    assert.ok(left.length > 0)
    assert.match(
      cleanup.detail,
      new RegExp(`left behind: ${left.length} object\\(s\\).* under s3://${bucket}/${basePath}/${repository}/`),
    )
    assert.match(cleanup.detail, new RegExp(`\`aws s3 rm --recursive s3://${bucket}/${basePath}/${repository}/\``))
    assert.doesNotMatch(cleanup.detail, /removed [^;]*object/)
    assert.deepEqual(await keysUnder(''), [`${basePath}/README.txt`, ...left].sort())
    // The named command's work, done with the admin's keys: the ground as before.
    await admin.send(new DeleteObjectsCommand({Bucket: bucket, Delete: {Objects: left.map((Key) => ({Key}))}}))
    assert.deepEqual(await keysUnder(''), [`${basePath}/README.txt`])
  })
})
