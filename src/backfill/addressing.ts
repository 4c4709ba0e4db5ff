import {lookup} from 'node:dns/promises'
import {isIP} from 'node:net'

import type {BackfillRelease} from './readers.js'

/**
 * How the backfill's S3 client reaches the bucket against how verify read it. Verify reads path-style
 * whenever an endpoint is set; the backfill's client (S3Repo.create: endpointOverride, no forcePathStyle)
 * goes virtual-hosted, `<bucket>.<host>`, except where the SDK's endpoint rules fall back to path-style
 * (an IP address endpoint, a bucket name that is not one DNS label).
 */
export async function addressingNote(
  entry: BackfillRelease,
  bucket: string,
  endpoint: string | undefined,
  // A resolver that does not answer within 2 s counts as "does not resolve": verify never waits on DNS for long.
  resolve: (host: string) => Promise<unknown> = (host) =>
    Promise.race([lookup(host), new Promise((_, reject) => setTimeout(reject, 2000).unref())]),
): Promise<string | undefined> {
  if (!endpoint || entry.s3.addressing !== 'virtual-hosted') return undefined
  let host: string
  try {
    host = new URL(/^[a-z]+:\/\//i.test(endpoint) ? endpoint : `https://${endpoint}`).hostname
  } catch {
    return undefined
  }

  const bareHost = host.replaceAll(/^\[|\]$/g, '')
  if (isIP(bareHost) !== 0 || !/^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/.test(bucket)) return undefined
  const virtualHost = `${bucket}.${host}`
  const resolves = await resolve(virtualHost).then(
    () => true,
    () => false,
  )
  return `the backfill's S3 client addresses this store virtual-hosted, as ${virtualHost} (it does not force path-style as verify does): ${resolves ? 'that name resolves here; the store must also serve virtual-hosted requests' : 'that name does not resolve here, so the backfill could not reach the bucket: add a DNS entry for it (MinIO: set MINIO_DOMAIN), or use an IP address endpoint'}`
}
