import type {LocationRecord} from './files.js'

import {describeIdentity, type LocationIdentity, s3Identity} from './identity.js'

/** Where a journal record says the files were, without resolving anything again (what it licenses). */
export function recordedIdentity(record: LocationRecord): LocationIdentity {
  return record.kind === 's3'
    ? s3Identity({basePath: record.prefix, bucket: record.bucket, endpoint: record.endpoint})
    : {directory: record.location, kind: 'fs'}
}

/** Where a journal record says the files were, as messages name it. */
export const describeRecord = (record: LocationRecord): string => describeIdentity(recordedIdentity(record))

/**
 * Why a journal record cannot be a location this plugin wrote (the file is anyone's to edit); undefined when it can.
 * A verify run's test location is never a bucket's or a filesystem's root.
 */
export function recordProblem(record: unknown, options: {bucketRootAllowed: boolean}): string | undefined {
  const candidate = record as undefined | {bucket?: unknown; kind?: unknown; location?: unknown; prefix?: unknown}
  if (candidate?.kind === 's3') {
    if (typeof candidate.bucket !== 'string' || candidate.bucket === '') return 'names no bucket'
    if (typeof candidate.prefix === 'string' && (options.bucketRootAllowed || !/^\/*$/.test(candidate.prefix)))
      return undefined
    // A verify test location is always a folder of its own: never a bucket's root.
    if (typeof candidate.prefix !== 'string' && options.bucketRootAllowed) return 'records no key prefix'
    return `names the bucket's root (prefix "${String(candidate.prefix ?? '')}") as its test location`
  }

  if (candidate?.kind === 'fs') {
    if (typeof candidate.location !== 'string' || /^\/*$/.test(candidate.location.trim()))
      return `names "${String(candidate.location ?? '')}" as its test location (the filesystem's root or nothing)`
    return undefined
  }

  return 'has no s3 or fs test location'
}

/**
 * A journal record as this release reads it: an accepted clean of an fs repository written before the one record
 * form kept its resolved directory as `{kind: 'fs', directory}`; it is that location still. Anything else as it is.
 */
export function recordOfEarlierForm(record: unknown): unknown {
  const earlier = record as undefined | {directory?: unknown; kind?: unknown; location?: unknown}
  return earlier?.kind === 'fs' && earlier.location === undefined && typeof earlier.directory === 'string'
    ? {kind: 'fs', location: earlier.directory}
    : record
}
