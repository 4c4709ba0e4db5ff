import type {RepositoryBody} from '../cluster/snapshots.js'
import type {RepositoryIndex} from '../snapshot-format/repository-index.js'
import type {BlobStore} from '../store/blobs.js'
import type {BucketConfig} from '../store/bucket-config.js'
import type {BucketState} from '../store/bucket.js'
import type {AncestorRemoval} from '../store/fs-ancestors.js'
import type {DeleteOwnedResult} from './delete-owned.js'
import type {LocationIdentity, Overlap} from './identity.js'

/**
 * The one journal form of a location (a verify run's test location, an accepted clean's location): what
 * `console repo clean` opens or compares later. An S3 location is its bucket and key prefix; an fs one its path.
 */
export type LocationRecord =
  {bucket: string; endpoint?: string; kind: 's3'; prefix: string; region?: string} | {kind: 'fs'; location: string}

/** The settings of the console's own registration that a caller may add (verify's test repository). */
export interface RegistrationOptions {
  /** buffer_size (S3): above it the nodes upload a file in parts. */
  bufferSize?: string
  /** The nodes' named client (`s3.client.NAME.*`). */
  client?: string
  /** OpenSearch 3.x: FIXED keeps every shard file below the base path. */
  shardPathType?: string
}

/** What the diagnoses may say of a location (an fs location has none of these: `bucket` is set only in a bucket). */
export interface LocationFacts {
  basePath?: string
  bucket?: string
  region?: string
  roleArn?: string
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
  signal?: AbortSignal
}

/**
 * Where a repository keeps its files, as the cluster, the services file, the flags or a journal spell it: the one
 * place that knows a storage kind. Built by one factory (open.ts); opened (resolved as the cluster resolves it,
 * with its S3 client) into its files.
 */
export interface Location {
  /** A location below this one for a test repository: `<base_path>/<name>`. */
  child(name: string): Location
  /** As the registration spells it: `s3://bucket/base/path`, `/mnt/snapshots/x`. */
  describe(): string
  readonly facts: LocationFacts
  /** Where it is, resolved (an fs path below path.repo, symlinks resolved); undefined when that cannot be proven. */
  identity(name: string, pathRepo: () => Promise<string[] | undefined>): Promise<LocationIdentity | undefined>
  /** Resolved and opened: its files, read and deleted with the console's credentials. */
  open(options: OpenOptions): Promise<RepositoryFiles>
  /** The repository plugin every node needs to write here, if any. */
  readonly plugin?: string
  record(): LocationRecord
  /** The body the console's own `snapshot create` registers a repository here with. */
  registrationBody(options?: RegistrationOptions): RepositoryBody
  /** The repository type the cluster registers (`s3`, `fs`; another type for a location this plugin cannot read). */
  readonly type: string
}

/** A location whose files this plugin reads: in a bucket or on a shared filesystem. */
export interface ReadableLocation extends Location {
  child(name: string): ReadableLocation
  /** What is done here, as the commands a person would type (a dry run's lines). */
  readonly shell: LocationShell
  readonly type: 'fs' | 's3'
}

/** A command a person could type at a shell, every value quoted; `note` is its comment (what to look for). */
export interface ShellCommand {
  command: string
  note?: string
}

/** The commands that do at a location what the plugin does there with its own client, for a dry run to print. */
export interface LocationShell {
  /** A bucket's own commands; none for a shared directory. */
  readonly bucket?: {
    create: ShellCommand
    delete: ShellCommand
    head: ShellCommand
    /** Puts, lists, reads and deletes `file` at the location. */
    probe(file: string): ShellCommand[]
  }
  /** Lists the location's files. */
  list(): ShellCommand
  /** Lists nothing unless something is stored at the location (its note says what an empty one shows). */
  listEmpty(): ShellCommand
  /** Removes every file at the location. */
  removeAll(): ShellCommand
}

/** The most a marker may hold when it is read back (it is a line of text). */
export const MARKER_BYTES = 64 * 1024

/** What the console writes itself at a test location: the access probe and the ownership marker. */
export const PROBE_FILE = 'verify-probe'
export const OWNER_MARKER = 'verify-owner'
export const CONSOLE_FILES = [PROBE_FILE, OWNER_MARKER]

export interface RemoveOwnedOptions {
  /** Count what would go, delete nothing (and check nothing afterwards). */
  dryRun?: boolean
  onProgress?: (progress: DeleteOwnedResult) => void
  /** The other registered repositories of the store: nothing under their locations or in their footprints is deleted. */
  others?: Neighbour[]
  signal?: AbortSignal
}

/** Another registered repository and where it is: nothing of it is ever deleted on behalf of this one. */
export interface Neighbour {
  identity: LocationIdentity
  name: string
}

/** The outcome of writing an ownership marker: ours now, someone else's already, or the store cannot say. */
export type Claim = 'claimed' | 'taken' | 'unsupported'

/** An S3 location's bucket, with the console's credentials: verify's bucket and access steps, --delete-bucket. */
export interface Bucket {
  create(): Promise<void>
  delete(signal?: AbortSignal): Promise<void>
  readonly endpoint?: string
  inspect(): Promise<BucketState>
  name: string
  /** Puts, lists, reads and deletes a file at this location: the operations granted, in order. */
  probeAccess(file: string): Promise<string[]>
  /** Lists and reads only (a console that may not write): the operations granted. */
  probeRead(file: string): Promise<string[]>
  readConfig(): Promise<BucketConfig>
  readonly region: string
}

/** A shared-filesystem location's directories: those a registration makes above it are taken back by the run. */
export interface Directories {
  /** The directories above the location that do not exist yet, deepest first. */
  absentAbove(): Promise<string[]>
  /** Removes, while empty, those of `directories` that are really above the location. */
  removeEmptyAbove(directories: string[]): Promise<AncestorRemoval>
}

/**
 * A repository's files, wherever they are (a bucket, a shared directory): a location opened, resolved as the
 * cluster resolves it. Clean, delete and verify read and delete through it, never around it.
 */
export interface RepositoryFiles {
  /** Whether the location is the root of its store (a bucket's root): cleaning it touches every repository file there. */
  readonly atStoreRoot: boolean
  /** The bucket, when there is one. */
  readonly bucket?: Bucket
  /** Writes a marker that only one run can write (conditional put); read back to be sure. */
  claim(marker: string, content: string): Promise<Claim>
  /** Where the files are, as messages name it (the key prefix, the resolved directory). */
  describe(): string
  /** The plan line for what a clean deletes here. */
  describeOwned(): string
  /** The directories of a shared filesystem, when the location is one. */
  readonly directories?: Directories
  /** Whether the store keeps the files somewhere else than the cluster names them (a dropped leading slash). */
  dropsLeadingSlash(): Promise<boolean>
  readonly identity: LocationIdentity
  /** Whether anything at all (an old version or a delete marker included) is stored there; absent: not there (or not visible). */
  isEmpty(): Promise<{absent?: boolean; empty: boolean; example?: string; versionsUnread?: boolean}>
  /** Whether a key the footprint owns lies outside the location itself (a hashed shard path). */
  isOutside(key: string): boolean
  /** The full key (or path) of a file directly at the location. */
  keyOf(file: string): string
  /** The location it was opened from. */
  readonly location: Location
  /** The newest index-N, when the files are visible here and hold one. */
  newestIndex(): Promise<RepositoryIndex | undefined>
  /** What `other` is to this location, if they share anything. */
  overlapWith(other: LocationIdentity): Overlap | undefined
  /** The store and the base path that the layout readers take; undefined when the files are not visible here. */
  reader(): Promise<undefined | {basePath: string; store: BlobStore}>
  /** A marker's content (bounded read); undefined when absent or not readable from here. */
  readMarker(marker: string): Promise<string | undefined>
  /** The journal form of where the files are, as resolved. */
  record(): LocationRecord
  /** The command that removes a file (or, without one, everything) here with credentials that may delete. */
  removalCommand(key?: string): string
  /** Deletes only what the console itself writes there (CONSOLE_FILES); the number deleted. */
  removeConsoleFiles(): Promise<number>
  /**
   * Deletes (or counts) the files the repository owns and nothing else; after deleting, a final listing of the
   * footprint must find none of them, or this fails naming what remains. Undefined when not visible from here.
   */
  removeOwned(options?: RemoveOwnedOptions): Promise<DeleteOwnedResult | undefined>
  /** The snapshots the newest index-N lists (none when there is none, or the files are not visible here). */
  snapshotNames(): Promise<string[]>
}

/** The snapshots an index lists (none without one). */
export async function snapshotNamesIn(index: Promise<RepositoryIndex | undefined>): Promise<string[]> {
  return ((await index)?.snapshots ?? []).map((snapshot) => snapshot.name)
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
