import {ListObjectsV2Command, type S3Client} from '@aws-sdk/client-s3'
import {strict as assert} from 'node:assert'

import type {Credentials} from './iam-moto.js'

import {type clusterCaller, runCli} from './e2e.js'

/** A policy that allows everything on `bucket` and its objects. */
export const fullAccess = (bucket: string) => [
  {Action: ['s3:*'], Effect: 'Allow', Resource: [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`]},
]

/** Every object of `bucket` as "key size", sorted: what a run must leave as it found it. */
export async function listingOf(admin: S3Client, bucket: string): Promise<string[]> {
  const keys: string[] = []
  let token: string | undefined
  do {
    const page = await admin.send(new ListObjectsV2Command({Bucket: bucket, ContinuationToken: token}))
    keys.push(...(page.Contents ?? []).map((object) => `${object.Key} ${object.Size}`))
    token = page.IsTruncated ? page.NextContinuationToken : undefined
  } while (token)

  return keys.sort()
}

/** Where a verify run writes: the cluster, the bucket and base path in the IAM moto, the nodes' named S3 client. */
export interface IamTarget {
  basePath: string
  bucket: string
  clientName: string
  endpoint: string
  s3Endpoint: string
}

/** Registers `repository` at bucket/`location` through the nodes' named S3 client, uncompressed; the cluster's answer. */
export const registerThroughClient = (
  cluster: ReturnType<typeof clusterCaller>,
  repository: string,
  target: IamTarget,
  location: string,
) =>
  cluster('PUT', `/_snapshot/${repository}`, {
    settings: {
      base_path: location,
      bucket: target.bucket,
      client: target.clientName,
      compress: false,
      endpoint: target.s3Endpoint,
      region: 'us-east-1',
    },
    type: 's3',
  })

/** `snapshot verify --json` of `target`, the console signing with `keys` and keeping its data in `dataDir`. */
export function verifyAs(target: IamTarget, keys: Credentials, dataDir: string, extra: string[] = []) {
  return runCli(
    [
      'snapshot',
      'verify',
      '--endpoint',
      target.endpoint,
      '--bucket',
      target.bucket,
      '--region',
      'us-east-1',
      '--s3-endpoint',
      target.s3Endpoint,
      '--base-path',
      target.basePath,
      '--s3-client',
      target.clientName,
      '--json',
      ...extra,
    ],
    {AWS_ACCESS_KEY_ID: keys.accessKeyId, AWS_SECRET_ACCESS_KEY: keys.secretAccessKey, CONSOLE_DATA_DIR: dataDir},
  )
}

/**
 * Asserts that no verify_ repository that `ours` picks (named `what` in the message) and no verify_ index is
 * left on the cluster, and that the bucket's listing is `before`.
 */
export async function assertNothingOfVerifyLeft(
  cluster: ReturnType<typeof clusterCaller>,
  ours: {pick: (name: string) => boolean; what: string},
  listing: () => Promise<string[]>,
  before: string[],
): Promise<void> {
  const repositories = Object.keys((await cluster('GET', '/_snapshot')).body as object)
  assert.deepEqual(
    repositories.filter((name) => ours.pick(name)),
    [],
    `no ${ours.what} is left`,
  )
  const indices = (await cluster('GET', '/_cat/indices?format=json&h=index')).body as {index: string}[]
  assert.deepEqual(
    indices.map((entry) => entry.index).filter((name) => name.startsWith('verify_index_')),
    [],
    'no verify_ index is left',
  )
  assert.deepEqual(await listing(), before, "the bucket's listing is what it was before")
}
