import nock from 'nock'
import {strict as assert} from 'node:assert'

import {verifyOnFakes} from '../helpers/domain.js'
import {FakeCluster} from '../helpers/fake-cluster.js'
import {FakeS3} from '../helpers/fake-s3.js'

type Grant = {actions: string[]; resource: string}

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

/** The grants a remedy names, read from its words: "s3:A, s3:B on arn:…". */
function grantsOf(remedy: string): Grant[] {
  return [...remedy.matchAll(/((?:s3:\w+(?:, )?)+) on (arn:aws:s3:::[^\s;)]+?)(?=[;.)]?(?:\s|$))/g)].map((match) => ({
    actions: match[1].split(', ').map((action) => action.trim()),
    resource: match[2],
  }))
}

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

describe("the console's remedy names every permission verify uses, and following it exactly makes the same run pass", () => {
  for (const options of [{}, {versioned: true}, {createBucket: true}])
    it(`a denied run's remedy, applied as the whole policy, passes the same run (${JSON.stringify(options)})`, async () => {
      const denied = await verifyAs(READ_ONLY, options)
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
    const denied = await verifyAs(READ_ONLY)
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
})
