import type {S3Client} from '@aws-sdk/client-s3'

import type {S3Storage} from '../services/model.js'
import type {Claim, OpenOptions, RemoveOwnedOptions, RepositoryFiles} from './files.js'

import {repositoryKeyPrefix} from '../snapshot-format/layout-keys.js'
import {S3BlobStore} from '../store/blobs.js'
import {deleteBucket, deleteObjectIfPresent} from '../store/bucket.js'
import {S3OperationError, sendS3} from '../store/s3.js'
import {deleteOwnedObjects, type DeleteOwnedResult, prefixIsEmpty} from './delete-owned.js'
import {CONSOLE_FILES, MARKER_BYTES, OwnedFilesRemainError} from './files.js'
import {type LocationIdentity, s3Identity} from './identity.js'
import {type RepositoryFootprint} from './ownership.js'

/** A repository in a bucket, under its base path (and OpenSearch's hashed shard paths). */
export class S3RepositoryFiles implements RepositoryFiles {
  readonly bucket: {delete(signal?: AbortSignal): Promise<void>; name: string}
  readonly diagnosis: {basePath: string; bucket: string; region: string}
  readonly footprint: RepositoryFootprint
  readonly identity: LocationIdentity
  readonly kind = 's3'
  private client?: Promise<S3Client>

  constructor(
    readonly storage: S3Storage,
    private readonly options: OpenOptions,
  ) {
    this.identity = s3Identity(storage)
    const prefix = repositoryKeyPrefix(storage.basePath)
    this.footprint = {extraFiles: CONSOLE_FILES, hashedShardPaths: options.hashedShardPaths, prefix}
    this.diagnosis = {basePath: storage.basePath, bucket: storage.bucket, region: storage.region}
    this.bucket = {
      delete: async (signal) => deleteBucket(await this.s3(), storage.bucket, signal ?? options.signal),
      name: storage.bucket,
    }
  }

  async claim(marker: string, content: string): Promise<Claim> {
    const {PutObjectCommand} = await import('@aws-sdk/client-s3')
    const key = `${this.footprint.prefix}${marker}`
    const s3 = await this.s3()
    const put = (conditional: boolean) =>
      sendS3(
        s3,
        'PutObject',
        new PutObjectCommand({
          Body: content,
          Bucket: this.storage.bucket,
          Key: key,
          ...(conditional ? {IfNoneMatch: '*'} : {}),
        }),
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
    return `s3://${this.storage.bucket}/${this.footprint.prefix}`
  }

  describeOwned(): string {
    const hashed = this.footprint.hashedShardPaths
      ? ` and its hashed shard paths <hash>/${this.footprint.prefix}indices/`
      : ''
    return `delete the repository's own objects under ${this.describe()} (index-N, index.latest, snap-/meta-*.dat, indices/, tests-*/, snapshot_shard_paths/)${hashed}`
  }

  isEmpty(): Promise<{absent?: boolean; empty: boolean; example?: string; versionsUnread?: boolean}> {
    return this.s3().then((s3) => prefixIsEmpty(s3, this.storage.bucket, this.footprint.prefix, this.options.signal))
  }

  async reader() {
    return {
      basePath: this.storage.basePath,
      store: new S3BlobStore(await this.s3(), this.storage.bucket, this.options.signal),
    }
  }

  async readMarker(marker: string): Promise<string | undefined> {
    const store = new S3BlobStore(await this.s3(), this.storage.bucket, this.options.signal)
    return (await store.read(`${this.footprint.prefix}${marker}`, MARKER_BYTES))?.toString('utf8')
  }

  async removeConsoleFiles(): Promise<number> {
    const s3 = await this.s3()
    const store = new S3BlobStore(s3, this.storage.bucket, this.options.signal)
    let removed = 0
    for (const name of CONSOLE_FILES) {
      const key = `${this.footprint.prefix}${name}`
      if (!(await store.exists(key))) continue
      await deleteObjectIfPresent(s3, this.storage.bucket, key, this.options.signal)
      if (await store.exists(key)) throw new OwnedFilesRemainError(this.describe(), [key], 1)
      removed++
    }

    return removed
  }

  async removeOwned(options: RemoveOwnedOptions = {}): Promise<DeleteOwnedResult> {
    const s3 = await this.s3()
    const others = (options.others ?? []).flatMap(({identity, name}) =>
      identity.kind === 's3' && identity.bucket === this.storage.bucket
        ? [{hashedShardPaths: true, owner: name, prefix: identity.prefix}]
        : [],
    )
    const signal = options.signal ?? this.options.signal
    const result = await deleteOwnedObjects(s3, this.storage.bucket, this.footprint, {
      dryRun: options.dryRun,
      onProgress: options.onProgress,
      others,
      signal,
    })
    if (options.dryRun) return result
    const after = await deleteOwnedObjects(s3, this.storage.bucket, this.footprint, {dryRun: true, others, signal})
    if (after.objects > 0) throw new OwnedFilesRemainError(this.describe(), after.ownedSample, after.objects)
    // The listing that proves it is all gone waits out throttling too: the report counts both.
    return {...result, throttled: (result.throttled ?? 0) + (after.throttled ?? 0)}
  }

  private s3(): Promise<S3Client> {
    this.client ??= this.options.s3()
    return this.client
  }
}
