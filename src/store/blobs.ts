import type {S3Client} from '@aws-sdk/client-s3'

import {promises as fs, constants as fsConstants} from 'node:fs'
import path from 'node:path'

import {listObjectPages, S3OperationError, sendS3} from './s3.js'

export interface BlobEntry {
  key: string
  /** On a filesystem: a symlink, FIFO, socket or device is `other` (never opened, never followed). */
  other?: boolean
  size: number
}

/** How much of one object the console reads at most: repository data (index-N) and everything smaller. */
export const READ_LIMIT_BYTES = 256 * 1024 * 1024

/** An object larger than the console reads into memory. */
export class ObjectTooLargeError extends Error {
  constructor(where: string, size: number, limit: number) {
    super(
      `${where} is ${size} bytes, more than the ${limit} bytes the console reads of one file; it was not read (is it really the repository's?)`,
    )
    this.name = 'ObjectTooLargeError'
  }
}

/** What reading a repository's files needs, over a bucket or a shared directory alike (cleaners use emptyPrefix and removeDirectory). */
export interface BlobStore {
  exists(key: string): Promise<boolean>
  list(prefix: string): AsyncIterable<BlobEntry>
  /** s3://bucket or a directory, for messages. */
  readonly location: string
  /** The whole object, refused beyond maxBytes (READ_LIMIT_BYTES unless given). */
  read(key: string, maxBytes?: number): Promise<Buffer | undefined>
  /** A large file in chunks, memory bounded by the chunk size; undefined when it does not exist. */
  stream?(key: string): Promise<AsyncIterable<Uint8Array> | undefined>
}

export class S3BlobStore implements BlobStore {
  readonly location: string

  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
    private readonly signal?: AbortSignal,
  ) {
    this.location = `s3://${bucket}`
  }

  async exists(key: string): Promise<boolean> {
    const {HeadObjectCommand} = await import('@aws-sdk/client-s3')
    try {
      await sendS3(this.s3, 'HeadObject', new HeadObjectCommand({Bucket: this.bucket, Key: key}), this.signal)
      return true
    } catch (error) {
      if (error instanceof S3OperationError && (error.failure.status === 404 || error.failure.name === 'NotFound'))
        return false
      throw error
    }
  }

  async *list(prefix: string): AsyncIterable<BlobEntry> {
    for await (const page of listObjectPages(this.s3, {Bucket: this.bucket, Prefix: prefix}, this.signal))
      for (const object of page.Contents ?? []) if (object.Key) yield {key: object.Key, size: object.Size ?? 0}
  }

  async read(key: string, maxBytes = READ_LIMIT_BYTES): Promise<Buffer | undefined> {
    const {GetObjectCommand} = await import('@aws-sdk/client-s3')
    try {
      const answer = await sendS3<{
        Body?: {destroy?: () => void; transformToByteArray(): Promise<Uint8Array>}
        ContentLength?: number
      }>(this.s3, 'GetObject', new GetObjectCommand({Bucket: this.bucket, Key: key}), this.signal)
      if ((answer.ContentLength ?? 0) > maxBytes) {
        answer.Body?.destroy?.()
        throw new ObjectTooLargeError(`${this.location}/${key}`, answer.ContentLength!, maxBytes)
      }

      const content = Buffer.from((await answer.Body?.transformToByteArray()) ?? [])
      if (content.length > maxBytes) throw new ObjectTooLargeError(`${this.location}/${key}`, content.length, maxBytes)
      return content
    } catch (error) {
      if (error instanceof S3OperationError && (error.failure.status === 404 || error.failure.name === 'NoSuchKey'))
        return undefined
      throw error
    }
  }

  async stream(key: string): Promise<AsyncIterable<Uint8Array> | undefined> {
    const {GetObjectCommand} = await import('@aws-sdk/client-s3')
    try {
      const answer = await sendS3<{Body?: AsyncIterable<Uint8Array>}>(
        this.s3,
        'GetObject',
        new GetObjectCommand({Bucket: this.bucket, Key: key}),
        this.signal,
      )
      return answer.Body ?? (async function* () {})()
    } catch (error) {
      if (error instanceof S3OperationError && (error.failure.status === 404 || error.failure.name === 'NoSuchKey'))
        return undefined
      throw error
    }
  }
}

/** A shared-filesystem repository, read from this machine when it sees the same path as the nodes. */
export class DirectoryBlobStore implements BlobStore {
  readonly location: string

  constructor(private readonly root: string) {
    this.location = root
  }

  async exists(key: string): Promise<boolean> {
    try {
      return (await fs.lstat(path.join(this.root, key))).isFile()
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false
      throw error
    }
  }

  async *list(prefix: string): AsyncIterable<BlobEntry> {
    yield* this.walk(prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/')) : '', prefix)
  }

  /** Only a regular file is opened (O_NOFOLLOW, O_NONBLOCK: a symlink or FIFO never is), and only up to maxBytes. */
  async read(key: string, maxBytes = READ_LIMIT_BYTES): Promise<Buffer | undefined> {
    const opened = await this.openRegularFile(key)
    if (!opened) return undefined
    try {
      if (opened.size > maxBytes) throw new ObjectTooLargeError(opened.where, opened.size, maxBytes)
      return await opened.handle.readFile()
    } finally {
      await opened.handle.close()
    }
  }

  /** A large file in chunks, opened as read() opens it. */
  async stream(key: string): Promise<AsyncIterable<Uint8Array> | undefined> {
    const opened = await this.openRegularFile(key)
    return opened?.handle.createReadStream({highWaterMark: 1024 * 1024})
  }

  /** Opens a regular file and nothing else: never through a link, never waiting on a FIFO; undefined when absent. */
  private async openRegularFile(
    key: string,
  ): Promise<undefined | {handle: fs.FileHandle; size: number; where: string}> {
    const where = path.join(this.root, key)
    let handle: fs.FileHandle
    try {
      // eslint-disable-next-line no-bitwise -- open(2) flags are a bit set
      handle = await fs.open(where, fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW | fsConstants.O_NONBLOCK)
    } catch (error) {
      const {code} = error as NodeJS.ErrnoException
      if (code === 'ENOENT') return undefined
      if (code === 'ELOOP') throw new Error(`${where} is a symbolic link: the console does not follow it`)
      throw error
    }

    try {
      const stat = await handle.stat()
      if (!stat.isFile()) throw new Error(`${where} is not a regular file: the console does not read it`)
      return {handle, size: stat.size, where}
    } catch (error) {
      await handle.close()
      throw error
    }
  }

  private async *walk(directory: string, prefix: string): AsyncIterable<BlobEntry> {
    let entries
    try {
      entries = await fs.readdir(path.join(this.root, directory), {withFileTypes: true})
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return
      throw error
    }

    for (const entry of entries) {
      const key = directory ? `${directory}/${entry.name}` : entry.name
      // Dirent types come from lstat: a symlink to a directory is not walked into.
      if (entry.isDirectory()) {
        if (`${key}/`.startsWith(prefix) || prefix.startsWith(`${key}/`)) yield* this.walk(key, prefix)
      } else if (key.startsWith(prefix)) {
        if (!entry.isFile()) {
          yield {key, other: true, size: 0}
          continue
        }

        const stat = await fs.lstat(path.join(this.root, key))
        yield {key, size: stat.size}
      }
    }
  }
}
