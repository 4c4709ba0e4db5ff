import type {S3Client} from '@aws-sdk/client-s3'
import {promises as fs} from 'node:fs'
import path from 'node:path'

import {S3OperationError, s3Call} from './s3.js'

export interface BlobEntry {
  key: string
  size: number
}

/** What reading a repository's files needs, over a bucket or a shared directory alike (cleaners use emptyPrefix and removeDirectory). */
export interface BlobStore {
  /** s3://bucket or a directory, for messages. */
  readonly location: string
  list(prefix: string): AsyncIterable<BlobEntry>
  read(key: string): Promise<Buffer | undefined>
  exists(key: string): Promise<boolean>
}

export class S3BlobStore implements BlobStore {
  readonly location: string
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
  ) {
    this.location = `s3://${bucket}`
  }

  async *list(prefix: string): AsyncIterable<BlobEntry> {
    const {ListObjectsV2Command} = await import('@aws-sdk/client-s3')
    let token: string | undefined
    do {
      const page = await s3Call('ListObjectsV2', () =>
        this.s3.send(new ListObjectsV2Command({Bucket: this.bucket, Prefix: prefix, ContinuationToken: token})),
      )
      for (const object of page.Contents ?? []) if (object.Key) yield {key: object.Key, size: object.Size ?? 0}
      token = page.IsTruncated ? page.NextContinuationToken : undefined
    } while (token)
  }

  async read(key: string): Promise<Buffer | undefined> {
    const {GetObjectCommand} = await import('@aws-sdk/client-s3')
    try {
      const answer = await s3Call('GetObject', () => this.s3.send(new GetObjectCommand({Bucket: this.bucket, Key: key})))
      return Buffer.from((await answer.Body?.transformToByteArray()) ?? [])
    } catch (error) {
      if (error instanceof S3OperationError && (error.failure.status === 404 || error.failure.name === 'NoSuchKey')) return undefined
      throw error
    }
  }

  async exists(key: string): Promise<boolean> {
    const {HeadObjectCommand} = await import('@aws-sdk/client-s3')
    try {
      await s3Call('HeadObject', () => this.s3.send(new HeadObjectCommand({Bucket: this.bucket, Key: key})))
      return true
    } catch (error) {
      if (error instanceof S3OperationError && (error.failure.status === 404 || error.failure.name === 'NotFound')) return false
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

  async *list(prefix: string): AsyncIterable<BlobEntry> {
    yield* this.walk(prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/')) : '', prefix)
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
      if (entry.isDirectory()) {
        if (`${key}/`.startsWith(prefix) || prefix.startsWith(`${key}/`)) yield* this.walk(key, prefix)
      } else if (key.startsWith(prefix)) {
        const stat = await fs.stat(path.join(this.root, key))
        yield {key, size: stat.size}
      }
    }
  }

  async read(key: string): Promise<Buffer | undefined> {
    try {
      return await fs.readFile(path.join(this.root, key))
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
      throw error
    }
  }

  async exists(key: string): Promise<boolean> {
    return (await this.read(key)) !== undefined
  }
}

/** Whether a repository location on the nodes' shared filesystem is also visible from the console. */
export function isVisibleFromConsole(location: string): Promise<boolean> {
  return fs.stat(location).then(
    () => true,
    () => false,
  )
}

/** Removes a shared-filesystem location in one pass; the number of files it held, or undefined when not visible here. */
export async function removeDirectory(location: string): Promise<number | undefined> {
  if (!(await isVisibleFromConsole(location))) return undefined
  let files = 0
  for await (const _entry of new DirectoryBlobStore(location).list('')) files++
  await fs.rm(location, {recursive: true, force: true})
  return files
}
