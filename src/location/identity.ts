import {promises as fs} from 'node:fs'
import path from 'node:path'

import {insideLayoutOf, repositoryKeyPrefix} from '../snapshot-format/layout-keys.js'
import {LocationRefused} from './refusals.js'

/**
 * Where a repository's files are, computed once and compared everywhere ("the same location", "nested
 * below", "inside its layout"): two spellings of one place give one identity.
 *
 * S3: the bucket and the key prefix the cluster writes under (see repositoryKeyPrefix: `trail` and `trail/`
 * both give `trail/`, a leading slash and doubled inner slashes are kept, as OpenSearch's BlobPath keeps them).
 * The endpoint is normalised for messages and journal entries, but two registrations of one bucket count as
 * one store whatever their endpoints say: `http://h:9000`, `http://H:9000/` and a DNS alias cannot be told apart
 * from here, and treating them as one only ever refuses more.
 * fs: the real path (symlinks resolved) of the location, without a trailing slash.
 */
export type LocationIdentity =
  {bucket: string; endpoint?: string; kind: 's3'; prefix: string} | {directory: string; kind: 'fs'}

/** `HTTP://Host:80/` → `http://host`; a missing scheme is https, as the repository plugin reads it. */
export function normaliseEndpoint(endpoint: string | undefined): string | undefined {
  if (endpoint === undefined || endpoint.trim() === '') return undefined
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(endpoint) ? endpoint.trim() : `https://${endpoint.trim()}`
  let url: URL
  try {
    url = new URL(withScheme)
  } catch {
    return endpoint.trim().toLowerCase().replace(/\/+$/, '')
  }

  // URL already lower-cases the scheme and host and drops a default port.
  const pathname = url.pathname.replace(/\/+$/, '')
  return `${url.protocol}//${url.host}${pathname}`
}

export function s3Identity(storage: {basePath: string; bucket: string; endpoint?: string}): LocationIdentity {
  return {
    bucket: storage.bucket,
    endpoint: normaliseEndpoint(storage.endpoint),
    kind: 's3',
    prefix: repositoryKeyPrefix(storage.basePath),
  }
}

export function describeIdentity(identity: LocationIdentity): string {
  return identity.kind === 's3' ? `s3://${identity.bucket}/${identity.prefix}` : identity.directory
}

/** What the location of `other` is to the location of `ours`, if they share anything. */
export type Overlap = 'contains' | 'inside-layout' | 'nested' | 'same'

export function overlapOf(ours: LocationIdentity, other: LocationIdentity): Overlap | undefined {
  let mine: string
  let theirs: string
  if (ours.kind === 's3' && other.kind === 's3') {
    if (ours.bucket !== other.bucket) return undefined
    mine = ours.prefix
    theirs = other.prefix
  } else if (ours.kind === 'fs' && other.kind === 'fs') {
    mine = `${ours.directory}/`
    theirs = `${other.directory}/`
  } else return undefined
  if (mine === theirs) return 'same'
  if (theirs.startsWith(mine)) return 'nested'
  if (insideLayoutOf(mine, theirs)) return 'inside-layout'
  if (mine.startsWith(theirs)) return 'contains'
  return undefined
}

export function sameIdentity(a: LocationIdentity, b: LocationIdentity): boolean {
  return overlapOf(a, b) === 'same'
}

/** A path with its symlinks resolved as far as it exists here; the part that does not exist is appended. */
export async function realPathOf(location: string): Promise<string> {
  const normalised = path.resolve(location)
  let existing = normalised
  const rest: string[] = []
  for (;;) {
    try {
      const real = await fs.realpath(existing)
      return path.join(real, ...rest)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
      const parent = path.dirname(existing)
      if (parent === existing) return normalised
      rest.unshift(path.basename(existing))
      existing = parent
    }
  }
}

/**
 * An fs location as the cluster resolves it (relative to the first path.repo entry), with symlinks resolved,
 * and only strictly below one of the path.repo entries (whose symlinks are resolved too): `/`, a path.repo
 * entry itself, anything above one or a symlink leading out of them is refused.
 */
export async function resolveFsLocation(
  name: string,
  location: string,
  repoPaths: string[] | undefined,
): Promise<string> {
  if (!repoPaths)
    throw new LocationRefused(
      `repository ${name} is an fs repository at "${location}", but the cluster did not tell its path.repo (GET _nodes/settings was refused), so where its files are cannot be proven`,
      ['run the clean as a user allowed to read node settings, or remove the files on the nodes by hand'],
    )
  if (repoPaths.length === 0)
    throw new LocationRefused(
      `repository ${name}: the nodes have no path.repo, so the fs location "${location}" cannot be a repository the cluster may write`,
    )
  if (location.trim() === '' || /^\/+$/.test(location))
    throw new LocationRefused(
      `repository ${name}: the fs location "${location}" is the root of the filesystem or of path.repo, not a repository's own directory; refusing to use it`,
      ['give the repository a directory of its own below path.repo'],
    )
  const spelled = path.isAbsolute(location) ? path.normalize(location) : path.resolve(repoPaths[0], location)
  const resolved = await realPathOf(spelled)
  const roots = await Promise.all(repoPaths.map((root) => realPathOf(root)))
  const within = roots.some((root) => resolved.startsWith(`${root.replace(/\/+$/, '')}/`))
  if (resolved === '/' || !within)
    throw new LocationRefused(
      `repository ${name}: its location "${location}" resolves to ${resolved}${resolved === spelled.replace(/\/+$/, '') ? '' : ' (symlinks resolved)'}, which is not strictly below a path.repo entry (${repoPaths.join(', ')}); refusing to remove it`,
      ['remove the files on the nodes by hand if they are really the repository’s'],
    )
  return resolved
}
