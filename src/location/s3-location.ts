import type {S3Client} from '@aws-sdk/client-s3'

import type {RepositoryBody} from '../cluster/snapshots.js'
import type {S3Storage} from '../services/model.js'
import type * as files from './files.js'

import {repositoryKeyPrefix} from '../snapshot-format/layout-keys.js'
import {readRepositoryIndex} from '../snapshot-format/repository-index.js'
import {S3BlobStore} from '../store/blobs.js'
import {readBucketConfig} from '../store/bucket-config.js'
import {
  createBucket,
  deleteBucket,
  deleteObjectIfPresent,
  dropsLeadingSlash,
  inspectBucket,
  probeAccess,
  probeRead,
} from '../store/bucket.js'
import {type S3Clients, S3OperationError, sendS3} from '../store/s3.js'
import {deleteOwnedObjects, type DeleteOwnedResult, prefixIsEmpty} from './delete-owned.js'
import {CONSOLE_FILES, MARKER_BYTES, OwnedFilesRemainError, snapshotNamesIn} from './files.js'
import {describeIdentity, type LocationIdentity, type Overlap, overlapOf, s3Identity} from './identity.js'
import {type RepositoryFootprint} from './ownership.js'
import {s3Shell} from './shell.js'

/** A repository's place in a bucket: the bucket, its base path (byte for byte), region and endpoint. */
export class S3Location implements files.ReadableLocation {
  readonly plugin = 'repository-s3'
  readonly type = 's3'

  constructor(
    readonly storage: S3Storage,
    private readonly clients: S3Clients,
  ) {}

  get facts() {
    const {basePath, bucket, region, roleArn} = this.storage
    return {basePath, bucket, region, roleArn}
  }

  get shell(): files.LocationShell {
    return s3Shell(this.storage)
  }

  child(name: string): S3Location {
    const {basePath} = this.storage
    return new S3Location({...this.storage, basePath: basePath ? `${basePath}/${name}` : name}, this.clients)
  }

  describe(): string {
    return `s3://${this.storage.bucket}/${this.storage.basePath}`
  }

  async identity(): Promise<LocationIdentity> {
    return s3Identity(this.storage)
  }

  async open(options: files.OpenOptions): Promise<S3RepositoryFiles> {
    return new S3RepositoryFiles(this, () => this.clients(this.storage), options)
  }

  record(): files.LocationRecord {
    const {bucket, endpoint, region} = this.storage
    return {bucket, endpoint, kind: 's3', prefix: repositoryKeyPrefix(this.storage.basePath), region}
  }

  registrationBody(options: files.RegistrationOptions = {}): RepositoryBody {
    const {basePath, bucket, endpoint, region, roleArn} = this.storage
    const settings: Record<string, boolean | string> = {bucket}
    if (basePath) settings.base_path = basePath
    settings.compress = false
    settings.region = region
    if (roleArn) settings.role_arn = roleArn
    if (endpoint) settings.endpoint = endpoint
    // A smaller buffer makes the nodes upload every file above it in parts, as they do for real above 100 MiB.
    if (options.bufferSize) settings.buffer_size = options.bufferSize
    if (options.client) settings.client = options.client
    if (options.shardPathType) settings.shard_path_type = options.shardPathType
    return {settings, type: 's3'}
  }
}

/** A repository in a bucket, under its base path (and OpenSearch's hashed shard paths), opened with its S3 client. */
export class S3RepositoryFiles implements files.RepositoryFiles {
  readonly atStoreRoot: boolean
  readonly bucket: files.Bucket
  readonly footprint: RepositoryFootprint
  readonly identity: LocationIdentity
  private client?: Promise<S3Client>

  constructor(
    readonly location: S3Location,
    private readonly clients: () => Promise<S3Client>,
    private readonly options: files.OpenOptions,
  ) {
    const {storage} = location
    this.identity = s3Identity(storage)
    const prefix = repositoryKeyPrefix(storage.basePath)
    this.footprint = {extraFiles: CONSOLE_FILES, hashedShardPaths: options.hashedShardPaths, prefix}
    this.atStoreRoot = prefix === ''
    const {bucket, endpoint, region} = storage
    const {signal} = options
    this.bucket = {
      create: async () => createBucket(await this.s3(), bucket, region, signal),
      delete: async (abort) => deleteBucket(await this.s3(), bucket, abort ?? signal),
      endpoint,
      inspect: async () => inspectBucket(await this.s3(), bucket, region, signal),
      name: bucket,
      probeAccess: async (file) => probeAccess(await this.s3(), bucket, this.keyOf(file), signal),
      probeRead: async (file) => probeRead(await this.s3(), bucket, this.keyOf(file), signal),
      readConfig: async () => readBucketConfig(await this.s3(), bucket, signal),
      region,
    }
  }

  private get name(): string {
    return this.location.storage.bucket
  }

  async claim(marker: string, content: string): Promise<files.Claim> {
    const {PutObjectCommand} = await import('@aws-sdk/client-s3')
    const key = this.keyOf(marker)
    const s3 = await this.s3()
    const put = (conditional: boolean) =>
      sendS3(
        s3,
        'PutObject',
        new PutObjectCommand({Body: content, Bucket: this.name, Key: key, ...(conditional ? {IfNoneMatch: '*'} : {})}),
        this.options.signal,
      )
    try {
      await put(true)
    } catch (error) {
      if (!(error instanceof S3OperationError)) throw error
      if (error.failure.status === 412 || error.failure.name === 'PreconditionFailed') return 'taken'
      // A store without conditional writes: a plain write, then the read-back below decides.
      if (error.failure.status !== 501 && error.failure.name !== 'NotImplemented') throw error
      await put(false)
    }

    // Two runs whose unconditional writes both succeeded: only the one whose content is there owns the location.
    return (await this.readMarker(marker)) === content ? 'claimed' : 'taken'
  }

  describe(): string {
    return describeIdentity(this.identity)
  }

  describeOwned(): string {
    const hashed = this.footprint.hashedShardPaths
      ? ` and its hashed shard paths <hash>/${this.footprint.prefix}indices/`
      : ''
    return `delete the repository's own objects under ${this.describe()} (index-N, index.latest, snap-/meta-*.dat, indices/, tests-*/, snapshot_shard_paths/)${hashed}`
  }

  async dropsLeadingSlash(): Promise<boolean> {
    return dropsLeadingSlash(await this.s3(), this.name, this.footprint.prefix, this.options.signal)
  }

  isEmpty(): Promise<{absent?: boolean; empty: boolean; example?: string; versionsUnread?: boolean}> {
    return this.s3().then((s3) => prefixIsEmpty(s3, this.name, this.footprint.prefix, this.options.signal))
  }

  isOutside(key: string): boolean {
    return !key.startsWith(this.footprint.prefix)
  }

  keyOf(file: string): string {
    return `${this.footprint.prefix}${file}`
  }

  async newestIndex() {
    return readRepositoryIndex(await this.store(), this.location.storage.basePath)
  }

  overlapWith(other: LocationIdentity): Overlap | undefined {
    return overlapOf(this.identity, other)
  }

  async reader() {
    return {basePath: this.location.storage.basePath, store: await this.store()}
  }

  async readMarker(marker: string): Promise<string | undefined> {
    return (await this.store()).read(this.keyOf(marker), MARKER_BYTES).then((bytes) => bytes?.toString('utf8'))
  }

  record(): files.LocationRecord {
    return this.location.record()
  }

  removalCommand(key?: string): string {
    return key === undefined ? `aws s3 rm --recursive ${this.describe()}` : `aws s3 rm s3://${this.name}/${key}`
  }

  async removeConsoleFiles(): Promise<number> {
    const s3 = await this.s3()
    const store = await this.store()
    let removed = 0
    for (const name of CONSOLE_FILES) {
      const key = this.keyOf(name)
      if (!(await store.exists(key))) continue
      await deleteObjectIfPresent(s3, this.name, key, this.options.signal)
      if (await store.exists(key)) throw new OwnedFilesRemainError(this.describe(), [key], 1)
      removed++
    }

    return removed
  }

  async removeOwned(options: files.RemoveOwnedOptions = {}): Promise<DeleteOwnedResult> {
    const s3 = await this.s3()
    const others = (options.others ?? []).flatMap(({identity, name}) =>
      identity.kind === 's3' && identity.bucket === this.name
        ? [{hashedShardPaths: true, owner: name, prefix: identity.prefix}]
        : [],
    )
    const signal = options.signal ?? this.options.signal
    const result = await deleteOwnedObjects(s3, this.name, this.footprint, {
      dryRun: options.dryRun,
      onProgress: options.onProgress,
      others,
      signal,
    })
    if (options.dryRun) return result
    const after = await deleteOwnedObjects(s3, this.name, this.footprint, {dryRun: true, others, signal})
    if (after.objects > 0) throw new OwnedFilesRemainError(this.describe(), after.ownedSample, after.objects)
    // The listing that proves it is all gone waits out throttling too: the report counts both.
    return {...result, throttled: (result.throttled ?? 0) + (after.throttled ?? 0)}
  }

  snapshotNames(): Promise<string[]> {
    return snapshotNamesIn(this.newestIndex())
  }

  private s3(): Promise<S3Client> {
    this.client ??= this.clients()
    return this.client
  }

  private async store(): Promise<S3BlobStore> {
    return new S3BlobStore(await this.s3(), this.name, this.options.signal)
  }
}
