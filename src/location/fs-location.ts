import {promises as fs} from 'node:fs'
import path from 'node:path'

import type {DeleteOwnedResult} from './delete-owned.js'
import type {Claim, OpenOptions, RemoveOwnedOptions, RepositoryFiles} from './files.js'
import type {LocationIdentity} from './identity.js'

import {isLayoutDirectory} from '../snapshot-format/layout-keys.js'
import {DirectoryBlobStore} from '../store/blobs.js'
import {CONSOLE_FILES, MARKER_BYTES, OwnedFilesRemainError} from './files.js'
import {ownershipAmong, type RepositoryFootprint} from './ownership.js'

const KEPT_SAMPLE = 20

interface Walked {
  /** Directories, deepest first. */
  directories: string[]
  files: {key: string; size: number}[]
  /** Symlinks, FIFOs, sockets, devices: named, never opened, never followed, never deleted. */
  others: string[]
}

/** Everything below a directory, by lstat: a symlink is never followed, a special file never opened. */
async function walk(root: string, relative = '', into?: Walked): Promise<Walked> {
  into ??= {directories: [], files: [], others: []}
  let entries
  try {
    entries = await fs.readdir(path.join(root, relative), {withFileTypes: true})
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return into
    throw error
  }

  for (const entry of entries) {
    const key = relative ? `${relative}/${entry.name}` : entry.name
    if (entry.isDirectory()) {
      await walk(root, key, into)
      into.directories.push(key)
    } else if (entry.isFile()) into.files.push({key, size: (await fs.lstat(path.join(root, key))).size})
    else into.others.push(key)
  }

  return into
}

/** A shared-filesystem repository, read from this machine when it sees the same path as the nodes. */
export class FsRepositoryFiles implements RepositoryFiles {
  readonly diagnosis = {}
  readonly footprint: RepositoryFootprint
  readonly identity: LocationIdentity
  readonly kind = 'fs'

  private constructor(
    readonly directory: string,
    readonly visible: boolean,
    options: Pick<OpenOptions, 'hashedShardPaths'>,
  ) {
    this.identity = {directory, kind: 'fs'}
    this.footprint = {extraFiles: CONSOLE_FILES, hashedShardPaths: options.hashedShardPaths, prefix: ''}
  }

  /** Opened as it is now; every operation looks again (the cluster creates the directory when it registers). */
  static async at(directory: string, options: Pick<OpenOptions, 'hashedShardPaths'>): Promise<FsRepositoryFiles> {
    return new FsRepositoryFiles(directory, await isVisible(directory), options)
  }

  /** The console does not write into an fs repository (the nodes' user owns it): no marker, the emptiness check decides. */
  async claim(): Promise<Claim> {
    return 'unsupported'
  }

  describe(): string {
    return this.directory
  }

  describeOwned(): string {
    return this.visible
      ? `delete the repository's own files under ${this.directory} and the layout's folders they leave empty`
      : `leave ${this.directory} (not visible from the console: remove it on the nodes)`
  }

  async isEmpty(): Promise<{absent?: boolean; empty: boolean; example?: string}> {
    if (!(await isVisible(this.directory))) return {absent: true, empty: true}
    const entries = await fs.readdir(this.directory)
    return entries.length === 0
      ? {empty: true}
      : {empty: false, example: `${entries.length} entr${entries.length === 1 ? 'y' : 'ies'} (e.g. ${entries[0]})`}
  }

  async reader() {
    return (await isVisible(this.directory)) ? {basePath: '', store: new DirectoryBlobStore(this.directory)} : undefined
  }

  async readMarker(marker: string): Promise<string | undefined> {
    if (!(await isVisible(this.directory))) return undefined
    return (await new DirectoryBlobStore(this.directory).read(marker, MARKER_BYTES))?.toString('utf8')
  }

  /** The console writes nothing into an fs repository. */
  async removeConsoleFiles(): Promise<number> {
    return 0
  }

  /**
   * Deletes the files the layout owns; removes only the layout's own folders (indices/…, tests-*, snapshot_shard_paths,
   * hashed shard folders) that are then empty, and the location itself when nothing is left. Any other file or
   * folder (an empty `keep-me/` included) stays and is named.
   */
  async removeOwned(options: RemoveOwnedOptions = {}): Promise<DeleteOwnedResult | undefined> {
    if (!(await isVisible(this.directory))) return undefined
    const others = (options.others ?? []).flatMap(({identity, name}) =>
      identity.kind === 'fs' && identity.directory.startsWith(`${this.directory}/`)
        ? [{hashedShardPaths: false, owner: name, prefix: `${identity.directory.slice(this.directory.length + 1)}/`}]
        : [],
    )
    const result: DeleteOwnedResult = {
      bytes: 0,
      kept: 0,
      keptSample: [],
      listed: [this.directory],
      objects: 0,
      ownedSample: [],
      versions: 0,
    }
    const keep = (key: string, reason: string) => {
      result.kept++
      if (result.keptSample.length < KEPT_SAMPLE) result.keptSample.push({key: path.join(this.directory, key), reason})
    }

    const found = await walk(this.directory)
    for (const other of found.others)
      keep(other, 'not a regular file (a symbolic link, FIFO, socket or device): never opened')
    for (const file of found.files) {
      const ownership = ownershipAmong(file.key, this.footprint, others)
      if (!ownership.owned) {
        keep(file.key, ownership.reason)
        continue
      }

      if (!options.dryRun) await fs.rm(path.join(this.directory, file.key), {force: true})
      result.objects++
      result.bytes += file.size
      if (result.ownedSample.length < KEPT_SAMPLE) result.ownedSample.push(path.join(this.directory, file.key))
    }

    if (options.dryRun) {
      for (const directory of found.directories)
        if (!isLayoutDirectory(directory) && !found.files.some((file) => file.key.startsWith(`${directory}/`)))
          keep(`${directory}/`, 'a folder outside the repository layout')
      return result
    }

    for (const directory of found.directories) {
      if (isLayoutDirectory(directory)) await fs.rmdir(path.join(this.directory, directory)).catch(() => undefined)
      else if (await isEmptyDirectory(path.join(this.directory, directory)))
        keep(`${directory}/`, 'an empty folder outside the repository layout')
    }

    await fs.rmdir(this.directory).catch(() => undefined)
    await this.checkNothingOwnedRemains(others)
    return result
  }

  private async checkNothingOwnedRemains(others: RepositoryFootprint[]): Promise<void> {
    const after = await walk(this.directory)
    const remaining = after.files
      .filter((file) => ownershipAmong(file.key, this.footprint, others).owned)
      .map((file) => path.join(this.directory, file.key))
    if (remaining.length > 0) throw new OwnedFilesRemainError(this.directory, remaining, remaining.length)
  }
}

/**
 * Whether the location is a real directory here. lstat: a location that is itself a symbolic link (which the
 * survey resolved, so it pointed below path.repo then) is refused now rather than followed.
 */
async function isVisible(directory: string): Promise<boolean> {
  try {
    const stat = await fs.lstat(directory)
    if (stat.isDirectory()) return true
    throw new Error(
      `${directory} is not a directory (${stat.isSymbolicLink() ? 'a symbolic link' : 'a file'}): not read or cleaned from the console`,
    )
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false
    throw error
  }
}

async function isEmptyDirectory(directory: string): Promise<boolean> {
  try {
    return (await fs.readdir(directory)).length === 0
  } catch {
    return false
  }
}
