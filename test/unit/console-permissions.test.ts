import nock from 'nock'
import {strict as assert} from 'node:assert'

import {verifyOnFakes} from '../helpers/domain.js'
import {FakeCluster} from '../helpers/fake-cluster.js'
import {FakeS3} from '../helpers/fake-s3.js'
import {type Grant, grantsOf} from '../helpers/grants.js'

const DENIED = `<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>`

/** The IAM action and resource AWS checks for one request of the fake store (its method, bucket, key and query). */
function actionOf(method: string, bucket: string, key: string, query: string): {action: string; resource: string} {
  const object = {resource: `arn:aws:s3:::${bucket}/${key}`}
  const onBucket = {resource: `arn:aws:s3:::${bucket}`}
  if (method === 'DELETE-KEY') return {action: 's3:DeleteObject', ...object}
  if (key)
    return {
      action: {DELETE: 's3:DeleteObject', GET: 's3:GetObject', HEAD: 's3:GetObject', PUT: 's3:PutObject'}[method]!,
      ...object,
    }
  if (method === 'PUT') return {action: 's3:CreateBucket', ...onBucket}
  if (method === 'DELETE') return {action: 's3:DeleteBucket', ...onBucket}
  if (query.includes('versioning')) return {action: 's3:GetBucketVersioning', ...onBucket}
  if (query.includes('versions')) return {action: 's3:ListBucketVersions', ...onBucket}
  // DeleteObjects itself needs no permission of its own: AWS checks s3:DeleteObject for each key (DELETE-KEY).
  if (method === 'POST') return {action: '', ...onBucket}
  return {action: 's3:ListBucket', ...onBucket}
}

const allows = (grants: Grant[], action: string, resource: string) =>
  action === '' ||
  grants.some(
    (grant) =>
      grant.actions.includes(action) &&
      (grant.resource === resource ||
        (grant.resource.endsWith('/*') && resource.startsWith(grant.resource.slice(0, -1)))),
  )

/** One verify run against a store that enforces the console's policy as AWS evaluates it. */
async function verifyAs(grants: Grant[], options: {createBucket?: boolean; versioned?: boolean} = {}) {
  // A fresh store and cluster for each run: the earlier run's interceptors would answer first.
  nock.cleanAll()
  const s3 = new FakeS3()
  if (!options.createBucket) s3.addBucket('migration-bucket')
  if (options.versioned) s3.addHistory('migration-bucket', [])
  s3.faults.push((method, bucket, key) => {
    const query = method === 'DELETE-KEY' ? '' : ((s3.calls.at(-1) ?? '').split('?')[1] ?? '')
    const {action, resource} = actionOf(method, bucket, key, query)
    if (allows(grants, action, resource)) return undefined
    return [403, DENIED, {'content-type': 'application/xml'}]
  })
  const {report} = await verifyOnFakes(new FakeCluster('http://source.test:9200', s3), {
    createBucket: options.createBucket,
    name: 'iam',
    s3,
    s3Options: {maxAttempts: 1},
  })
  return {report, s3}
}

const READ_ONLY: Grant[] = [
  {actions: ['s3:ListBucket'], resource: 'arn:aws:s3:::migration-bucket'},
  {actions: ['s3:GetObject'], resource: 'arn:aws:s3:::migration-bucket/*'},
]

/** A role that may list the bucket and nothing else: it cannot read what the backfill reads. */
const LIST_ONLY: Grant[] = [READ_ONLY[0]]

const stepOf = (report: Awaited<ReturnType<typeof verifyAs>>['report'], name: string) =>
  report.steps.find((step) => step.name === name)!

describe("the console's remedy names every permission verify uses, and following it exactly makes the same run pass", () => {
  for (const options of [{}, {versioned: true}, {createBucket: true}])
    it(`a denied run's remedy, applied as the whole policy, passes the same run (${JSON.stringify(options)})`, async () => {
      const denied = await verifyAs(LIST_ONLY, options)
      assert.equal(denied.report.ok, false)
      const failed = denied.report.steps.find((step) => step.status === 'failed')!
      assert.ok(failed.diagnosis, `step ${failed.name} has no diagnosis`)
      const grants = grantsOf(failed.diagnosis.remediation)
      assert.ok(grants.length >= 2, `no grants read from: ${failed.diagnosis.remediation}`)
      assert.ok(
        grants.some((grant) => grant.actions.includes('s3:GetBucketVersioning')),
        failed.diagnosis.remediation,
      )

      const after = await verifyAs(grants, options)
      assert.deepEqual(
        after.report.steps.filter((step) => step.status === 'failed').map((step) => `${step.name}: ${step.detail}`),
        [],
      )
      assert.equal(after.report.ok, true)
      assert.deepEqual(after.s3.keys('migration-bucket'), [])
    })

  it('names each permission with its resource: the bucket for listings and versioning, every object for the hashed shard prefixes', async () => {
    const denied = await verifyAs(LIST_ONLY)
    const failed = denied.report.steps.find((step) => step.status === 'failed')!
    assert.deepEqual(grantsOf(failed.diagnosis!.remediation), [
      {
        actions: ['s3:ListBucket', 's3:ListBucketVersions', 's3:GetBucketVersioning'],
        resource: 'arn:aws:s3:::migration-bucket',
      },
      {
        actions: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:DeleteObjectVersion'],
        resource: 'arn:aws:s3:::migration-bucket/*',
      },
    ])
  })

  describe('a console that may only list and read the bucket (all the backfill needs)', () => {
    for (const options of [{}, {versioned: true}])
      it(`passes: its probe and cleanup go through the cluster, and what stays is named with the command that removes it, never "removed" (${JSON.stringify(options)})`, async () => {
        const {report, s3} = await verifyAs(READ_ONLY, options)
        assert.deepEqual(
          report.steps.filter((step) => step.status === 'failed').map((step) => `${step.name}: ${step.detail}`),
          [],
        )
        assert.equal(report.exitCode, 0)
        assert.match(
          stepOf(report, 'access').detail,
          /^list, read under s3:\/\/migration-bucket\/base\/ .*the console may only read: verify's probe and cleanup went through the cluster/,
        )
        if (options.versioned) assert.match(stepOf(report, 'fresh').detail, /GetBucketVersioning was denied/)
        // The console asked for no write or delete that the store let through: every such call was refused.
        const writes = s3.calls.filter((call) => /^(PUT|DELETE|POST) /.test(call)).map((call) => call.split('?')[0])
        assert.deepEqual(
          writes,
          ['PUT migration-bucket/base/verify_iam/verify-owner'],
          'only the refused claim was tried',
        )
        // The truth beside the report: what is in the bucket now, all under the test location, and counted in it.
        const left = s3.keys('migration-bucket')
        assert.ok(left.length > 0)
        assert.ok(
          left.every((key) => key.startsWith('base/verify_iam/')),
          left.join(', '),
        )
        assert.ok(!left.some((key) => /snap-|meta-|verify-owner|verify-probe/.test(key)), left.join(', '))
        const cleanup = stepOf(report, 'cleanup').detail
        assert.match(
          cleanup,
          new RegExp(
            `left behind: ${left.length} object\\(s\\) \\(current ones: versioning unread\\) the test repository wrote under s3://migration-bucket/base/verify_iam/`,
          ),
        )
        assert.match(
          cleanup,
          /`aws s3 rm --recursive s3:\/\/migration-bucket\/base\/verify_iam\/` with credentials that may delete removes them/,
        )
        assert.match(cleanup, /removed snapshot verify_snapshot_iam, repository verify_iam/)
        assert.doesNotMatch(cleanup, /removed [^;]*object/)
        assert.deepEqual(report.leftovers, [])
      })

    it('fails step 5 when the console may list but not read, with a remedy that names s3:GetObject on every object', async () => {
      const {report, s3} = await verifyAs(LIST_ONLY)
      const access = stepOf(report, 'access')
      assert.equal(access.status, 'failed')
      assert.equal(access.diagnosis?.code, 'console-s3-access-denied')
      assert.match(access.detail, /GetObject failed: AccessDenied \(403\)/)
      assert.ok(
        grantsOf(access.diagnosis!.remediation).some(
          (grant) => grant.actions.includes('s3:GetObject') && grant.resource === 'arn:aws:s3:::migration-bucket/*',
        ),
        access.diagnosis!.remediation,
      )
      assert.equal(stepOf(report, 'repository').status, 'skipped')
      assert.deepEqual(s3.keys('migration-bucket'), [])
    })

    it('fails step 3 when the console may read objects but not list the bucket, with a remedy that names s3:ListBucket on the bucket', async () => {
      const {report} = await verifyAs([READ_ONLY[1]])
      const bucket = stepOf(report, 'bucket')
      assert.equal(bucket.status, 'failed')
      assert.equal(bucket.diagnosis?.code, 'bucket-forbidden')
      assert.ok(
        grantsOf(bucket.diagnosis!.remediation).some(
          (grant) => grant.actions.includes('s3:ListBucket') && grant.resource === 'arn:aws:s3:::migration-bucket',
        ),
        bucket.diagnosis!.remediation,
      )
    })
  })
})
