import type {S3Client} from '@aws-sdk/client-s3'

import {InterruptedError} from '../errors.js'
import {describeS3Error, type ObjectListingPage, S3OperationError, sendS3} from './s3.js'

export type BucketState =
  | {region: string; state: 'elsewhere'}
  | {region: string; state: 'present'}
  | {region?: string; state: 'forbidden'}
  | {state: 'absent'}

/** Where the bucket is, as far as the console's credentials can tell, without changing anything. */
export async function inspectBucket(
  s3: S3Client,
  bucket: string,
  expectedRegion: string,
  signal?: AbortSignal,
): Promise<BucketState> {
  const {HeadBucketCommand} = await import('@aws-sdk/client-s3')
  try {
    const answer = await s3.send(new HeadBucketCommand({Bucket: bucket}), {abortSignal: signal})
    const region = answer.BucketRegion ?? expectedRegion
    return region === expectedRegion ? {region, state: 'present'} : {region, state: 'elsewhere'}
  } catch (error) {
    if (signal?.aborted) throw new InterruptedError()
    const failure = describeS3Error('HeadBucket', error)
    if (failure.status === 404 || failure.name === 'NotFound' || failure.name === 'NoSuchBucket')
      return {state: 'absent'}
    if (
      failure.status === 301 ||
      failure.name === 'PermanentRedirect' ||
      failure.name === 'AuthorizationHeaderMalformed'
    )
      return {region: failure.bucketRegion ?? 'another region', state: 'elsewhere'}
    if (failure.status === 403) return {region: failure.bucketRegion, state: 'forbidden'}
    throw new S3OperationError(failure)
  }
}

export async function createBucket(s3: S3Client, bucket: string, region: string, signal?: AbortSignal): Promise<void> {
  const {CreateBucketCommand} = await import('@aws-sdk/client-s3')
  // us-east-1 is the one region that takes no LocationConstraint.
  const configuration = region === 'us-east-1' ? undefined : {LocationConstraint: region as never}
  await sendS3(
    s3,
    'CreateBucket',
    new CreateBucketCommand({Bucket: bucket, CreateBucketConfiguration: configuration}),
    signal,
  )
}

export async function deleteBucket(s3: S3Client, bucket: string, signal?: AbortSignal): Promise<void> {
  const {DeleteBucketCommand} = await import('@aws-sdk/client-s3')
  await sendS3(s3, 'DeleteBucket', new DeleteBucketCommand({Bucket: bucket}), signal)
}

/** The console's own access under a prefix: write, list, read back, delete one probe object. */
export async function probeAccess(s3: S3Client, bucket: string, key: string, signal?: AbortSignal): Promise<string[]> {
  const {DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand} =
    await import('@aws-sdk/client-s3')
  const content = `console snapshot verify probe ${new Date().toISOString()}`
  await sendS3(s3, 'PutObject', new PutObjectCommand({Body: content, Bucket: bucket, Key: key}), signal)
  const listed = await sendS3<{Contents?: {Key?: string}[]}>(
    s3,
    'ListObjectsV2',
    new ListObjectsV2Command({Bucket: bucket, MaxKeys: 1, Prefix: key}),
    signal,
  )
  if (!listed.Contents?.some((object) => object.Key === key))
    throw new S3OperationError({
      message: `the probe ${key} was written but not listed`,
      name: 'ProbeNotListed',
      operation: 'ListObjectsV2',
    })
  const read = await sendS3<{Body?: {transformToString(): Promise<string>}}>(
    s3,
    'GetObject',
    new GetObjectCommand({Bucket: bucket, Key: key}),
    signal,
  )
  const readBack = await read.Body?.transformToString()
  if (readBack !== content)
    throw new S3OperationError({
      message: `the probe ${key} read back differently`,
      name: 'ProbeMismatch',
      operation: 'GetObject',
    })
  await sendS3(s3, 'DeleteObject', new DeleteObjectCommand({Bucket: bucket, Key: key}), signal)
  return ['list', 'write', 'read', 'delete']
}

/**
 * The console's read access under a prefix, without writing: GetObject of a key nobody wrote. S3 answers
 * NoSuchKey (404) only to a caller that may read (and list) there; one that may not gets AccessDenied (403),
 * which is thrown as the failure it is.
 */
export async function probeRead(s3: S3Client, bucket: string, key: string, signal?: AbortSignal): Promise<string[]> {
  const {GetObjectCommand} = await import('@aws-sdk/client-s3')
  try {
    await sendS3(s3, 'GetObject', new GetObjectCommand({Bucket: bucket, Key: key}), signal)
  } catch (error) {
    if (!(error instanceof S3OperationError) || (error.failure.status !== 404 && error.failure.name !== 'NoSuchKey'))
      throw error
  }

  return ['list', 'read']
}

export async function deleteObjectIfPresent(
  s3: S3Client,
  bucket: string,
  key: string,
  signal?: AbortSignal,
): Promise<void> {
  const {DeleteObjectCommand} = await import('@aws-sdk/client-s3')
  await sendS3(s3, 'DeleteObject', new DeleteObjectCommand({Bucket: bucket, Key: key}), signal)
}

/**
 * Whether the store drops a key's leading slash (MinIO keeps "/data/index.latest" as "data/index.latest"
 * and lists nothing under "/data/"), told from the repository's own index.latest without changing
 * anything: that key reads back, but a listing of the prefix shows nothing. (A listing of the exact key
 * is no proof: MinIO answers it by looking the key up.)
 */
export async function dropsLeadingSlash(
  s3: S3Client,
  bucket: string,
  prefix: string,
  signal?: AbortSignal,
): Promise<boolean> {
  if (!prefix.startsWith('/')) return false
  const {HeadObjectCommand, ListObjectsV2Command} = await import('@aws-sdk/client-s3')
  try {
    await sendS3(s3, 'HeadObject', new HeadObjectCommand({Bucket: bucket, Key: `${prefix}index.latest`}), signal)
  } catch (error) {
    if (error instanceof S3OperationError && (error.failure.status === 404 || error.failure.name === 'NotFound'))
      return false
    throw error
  }

  const page = await sendS3<ObjectListingPage>(
    s3,
    'ListObjectsV2',
    new ListObjectsV2Command({Bucket: bucket, MaxKeys: 1, Prefix: prefix}),
    signal,
  )
  return (page.Contents ?? []).length === 0
}
