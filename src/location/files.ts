import type {S3Client} from '@aws-sdk/client-s3'

import type {BlobStore} from '../store/blobs.js'
import type {DeleteOwnedResult} from './delete-owned.js'
import type {LocationIdentity} from './identity.js'
import type {RepositoryFootprint} from './ownership.js'

/** What the console writes itself at a test location: the access probe and the ownership marker. */
/** The most a marker may hold when it is read back (it is a line of text). */
export const MARKER_BYTES = 64 * 1024

export const CONSOLE_FILES = ['verify-probe', 'verify-owner']

export interface RemoveOwnedOptions {
  /** Count what would go, delete nothing (and check nothing afterwards). */
  dryRun?: boolean
  onProgress?: (progress: DeleteOwnedResult) => void
  /** The other registered repositories of the store: nothing under their locations or in their footprints is deleted. */
  others?: {identity: LocationIdentity; name: string}[]
  signal?: AbortSignal
}

/** The outcome of writing an ownership marker: ours now, someone else's already, or the store cannot say. */
export type Claim = 'claimed' | 'taken' | 'unsupported'

/**
 * A repository's files, wherever they are (a bucket, a shared directory): the one place that knows a storage
 * kind. Chosen once from the registration (openRepositoryFiles); clean, delete and verify read and delete
 * through it.
 */
export interface RepositoryFiles {
  /** The bucket, when there is one (repo clean --delete-bucket). */
  readonly bucket?: {delete(signal?: AbortSignal): Promise<void>; name: string}
  /** Writes a marker that only one run can write (conditional put); read back to be sure. */
  claim(marker: string, content: string): Promise<Claim>
  /** Where the files are, as messages name it. */
  describe(): string
  /** The plan line for what a clean deletes here. */
  describeOwned(): string
  /** Facts the diagnoses use (bucket, base path, region). */
  readonly diagnosis: {basePath?: string; bucket?: string; region?: string}
  readonly footprint: RepositoryFootprint
  readonly identity: LocationIdentity
  /** Whether anything at all (an old version or a delete marker included) is stored there; absent: not there (or not visible). */
  isEmpty(): Promise<{absent?: boolean; empty: boolean; example?: string; versionsUnread?: boolean}>
  readonly kind: 'fs' | 's3'
  /** The store and the base path that the layout readers take; undefined when the files are not visible here. */
  reader(): Promise<undefined | {basePath: string; store: BlobStore}>
  /** A marker's content (bounded read); undefined when absent or not readable from here. */
  readMarker(marker: string): Promise<string | undefined>
  /** Deletes only what the console itself writes there (CONSOLE_FILES); the number deleted. */
  removeConsoleFiles(): Promise<number>
  /**
   * Deletes (or counts) the files the repository owns and nothing else; after deleting, a final listing of the
   * footprint must find none of them, or this fails naming what remains. Undefined when not visible from here.
   */
  removeOwned(options?: RemoveOwnedOptions): Promise<DeleteOwnedResult | undefined>
}

export interface OpenOptions {
  /** An absolute fs location outside path.repo is read as spelled instead of refused (verify's test location). */
  asSpelledOutsidePathRepo?: boolean
  /** Whether OpenSearch's hashed shard paths outside the location count (not for verify's metadata-only test). */
  hashedShardPaths: boolean
  /** The repository's name, for messages. */
  name: string
  /** The nodes' path.repo (an fs location is resolved against it); asked only for an fs repository. */
  pathRepo: () => Promise<string[] | undefined>
  s3: () => Promise<S3Client>
  signal?: AbortSignal
}

/** The failure of a deletion's post-condition: the store still holds what it was told to delete. */
export class OwnedFilesRemainError extends Error {
  constructor(
    where: string,
    readonly remaining: string[],
    count: number,
  ) {
    super(
      `after deleting, ${count} of the repository's own object(s) are still stored under ${where} (e.g. ${remaining.slice(0, 5).join(', ')}): the store did not delete them (object lock or retention, permissions, a policy); nothing is reported as deleted that is still there`,
    )
    this.name = 'OwnedFilesRemainError'
  }
}
