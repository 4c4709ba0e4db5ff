import type {S3Client} from '@aws-sdk/client-s3'

import {S3OperationError, sendS3} from './s3.js'

const KEY_ATTEMPTS = 3

/**
 * DeleteObjects answers 200 even when some keys failed: each error is matched to what was asked by its key,
 * and by its version only when it names one (an Object Lock refusal names none), and retried; an error that
 * matches nothing that was asked fails the batch, and so does what still fails after the last attempt.
 */
export function failedTargets<T extends {Key: string; VersionId?: string}>(
  asked: T[],
  errors: {Code?: string; Key?: string; Message?: string; VersionId?: string}[],
): {failed: T[]; unmatched: typeof errors} {
  const failed = new Set<T>()
  const unmatched: typeof errors = []
  for (const error of errors) {
    const matches = asked.filter(
      (target) => target.Key === error.Key && (!error.VersionId || target.VersionId === error.VersionId),
    )
    if (matches.length === 0) unmatched.push(error)
    for (const match of matches) failed.add(match)
  }

  return {failed: asked.filter((target) => failed.has(target)), unmatched}
}

export async function deleteBatch(
  s3: S3Client,
  bucket: string,
  batch: {Key: string; VersionId?: string}[],
  signal?: AbortSignal,
): Promise<void> {
  const {DeleteObjectsCommand} = await import('@aws-sdk/client-s3')
  let remaining = batch
  let errors: {Code?: string; Key?: string; Message?: string; VersionId?: string}[] = []
  for (let attempt = 1; attempt <= KEY_ATTEMPTS && remaining.length > 0; attempt++) {
    if (attempt > 1) await new Promise((resolve) => setTimeout(resolve, 100 * attempt))
    const answer = await sendS3<{Errors?: typeof errors}>(
      s3,
      'DeleteObjects',
      new DeleteObjectsCommand({
        Bucket: bucket,
        Delete: {Objects: remaining.map(({Key, VersionId}) => (VersionId ? {Key, VersionId} : {Key})), Quiet: true},
      }),
      signal,
    )
    errors = answer.Errors ?? []
    const {failed, unmatched} = failedTargets(remaining, errors)
    if (unmatched.length > 0)
      throw new S3OperationError({
        message: `the store reported ${unmatched.length} error(s) for objects that were not asked for (e.g. ${unmatched[0].Key}${unmatched[0].VersionId ? ` version ${unmatched[0].VersionId}` : ''}: ${unmatched[0].Message ?? unmatched[0].Code}); what was deleted cannot be told`,
        name: unmatched[0].Code ?? 'UnmatchedDeleteError',
        operation: 'DeleteObjects',
      })
    remaining = failed
  }

  if (remaining.length > 0) {
    const first = errors.find((error) => error.Key === remaining[0].Key) ?? errors[0]
    throw new S3OperationError({
      message: `${remaining.length} object(s) could not be deleted after ${KEY_ATTEMPTS} attempts, e.g. ${remaining[0].Key}${remaining[0].VersionId ? ` version ${remaining[0].VersionId}` : ''}: ${first?.Message ?? first?.Code}`,
      name: first?.Code ?? 'DeleteFailed',
      operation: 'DeleteObjects',
    })
  }
}
