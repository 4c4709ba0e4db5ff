import type {S3Client} from '@aws-sdk/client-s3'

import {promises as fs} from 'node:fs'
import path from 'node:path'

import type {DeleteOwnedResult} from './delete-owned.js'
import type {RepositoryFootprint} from './ownership.js'

import {ownershipOf} from './ownership.js'
import {listObjectPages, S3OperationError, sendS3} from './s3.js'

export interface BlobEntry {
  key: string
  size: number
}

/** What reading a repository's files needs, over a bucket or a shared directory alike (cleaners use emptyPrefix and removeDirectory). */
export interface BlobStore {
  exists(key: string): Promise<boolean>
  list(prefix: string): AsyncIterable<BlobEntry>
  /** s3://bucket or a directory, for messages. */
  readonly location: string
  read(key: string): Promise<Buffer | undefined>
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

  async read(key: string): Promise<Buffer | undefined> {
    const {GetObjectCommand} = await import('@aws-sdk/client-s3')
    try {
      const answer = await sendS3<{Body?: {transformToByteArray(): Promise<Uint8Array>}}>(
        this.s3,
        'GetObject',
        new GetObjectCommand({Bucket: this.bucket, Key: key}),
        this.signal,
      )
      return Buffer.from((await answer.Body?.transformToByteArray()) ?? [])
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
    return (await this.read(key)) !== undefined
  }

  async *list(prefix: string): AsyncIterable<BlobEntry> {
    yield* this.walk(prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/')) : '', prefix)
  }

  async read(key: string): Promise<Buffer | undefined> {
    try {
      return await fs.readFile(path.join(this.root, key))
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
      throw error
    }
  }

  async stream(key: string): Promise<AsyncIterable<Uint8Array> | undefined> {
    try {
      const handle = await fs.open(path.join(this.root, key))
      return handle.createReadStream({highWaterMark: 1024 * 1024})
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
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
      if (entry.isDirectory()) {
        if (`${key}/`.startsWith(prefix) || prefix.startsWith(`${key}/`)) yield* this.walk(key, prefix)
      } else if (key.startsWith(prefix)) {
        const stat = await fs.stat(path.join(this.root, key))
        yield {key, size: stat.size}
      }
    }
  }
}

/** Whether a repository location on the nodes' shared filesystem is also visible from the console. */
export function isVisibleFromConsole(location: string): Promise<boolean> {
  return fs.stat(location).then(
    () => true,
    () => false,
  )
}

/**
 * Deletes, below a shared-filesystem location, the files the repository layout owns (see
 * ownership.ts) and the folders that become empty; anything else stays and is reported.
 * Undefined when the location is not visible from the console.
 */
export async function deleteOwnedFiles(
  location: string,
  footprint: RepositoryFootprint,
  options: {dryRun?: boolean} = {},
): Promise<DeleteOwnedResult | undefined> {
  if (!(await isVisibleFromConsole(location))) return undefined
  const result: DeleteOwnedResult = {bytes: 0, kept: 0, keptSample: [], listed: [location], objects: 0, versions: 0}
  for await (const entry of new DirectoryBlobStore(location).list(footprint.prefix)) {
    const ownership = ownershipOf(entry.key, footprint)
    if (!ownership.owned) {
      result.kept++
      if (result.keptSample.length < 20)
        result.keptSample.push({key: path.join(location, entry.key), reason: ownership.reason})
      continue
    }

    if (!options.dryRun) await fs.rm(path.join(location, entry.key), {force: true})
    result.objects++
    result.bytes += entry.size
  }

  if (!options.dryRun) await removeEmptyFolders(location)
  return result
}

/** Removes the folders below (and including) a location that hold nothing any more. */
async function removeEmptyFolders(directory: string): Promise<boolean> {
  let entries
  try {
    entries = await fs.readdir(directory, {withFileTypes: true})
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return true
    throw error
  }

  let empty = true
  for (const entry of entries) {
    if (entry.isDirectory() && (await removeEmptyFolders(path.join(directory, entry.name)))) continue
    empty = false
  }

  if (empty) await fs.rmdir(directory)
  return empty
}
