import {promises as fs} from 'node:fs'
import path from 'node:path'

import type {RepositoryBody} from '../cluster/snapshots.js'
import type {DeleteOwnedResult} from './delete-owned.js'
import type {
  Claim,
  Directories,
  LocationRecord,
  LocationShell,
  OpenOptions,
  ReadableLocation,
  RegistrationOptions,
  RemoveOwnedOptions,
  RepositoryFiles,
} from './files.js'

import {isLayoutDirectory} from '../snapshot-format/layout-keys.js'
import {readRepositoryIndex} from '../snapshot-format/repository-index.js'
import {DirectoryBlobStore} from '../store/blobs.js'
import {absentAncestors, removeEmptyAncestors} from '../store/fs-ancestors.js'
import {isEmptyDirectory, isVisible, walk} from '../store/fs-walk.js'
import {CONSOLE_FILES, MARKER_BYTES, OwnedFilesRemainError, snapshotNamesIn} from './files.js'
import {describeIdentity, type LocationIdentity, type Overlap, overlapOf, resolveFsLocation} from './identity.js'
import {ownershipAmong, type RepositoryFootprint} from './ownership.js'
import {LocationRefused} from './refusals.js'
import {fsShell} from './shell.js'

const KEPT_SAMPLE = 20

/** A repository's directory on a filesystem the nodes share (path.repo), as the registration spells it. */
export class FsLocation implements ReadableLocation {
  readonly facts = {}
  readonly type = 'fs'

  constructor(readonly path: string) {}

  get shell(): LocationShell {
    return fsShell(this.path)
  }

  child(name: string): FsLocation {
    // An fs test location at the root would be a relative path: read against the console's working directory
    // here, against path.repo on the nodes.
    if (/^\/*$/.test(this.path.trim()))
      throw new LocationRefused(
        `the fs path "${this.path}" is the filesystem's root: verify needs a directory below the nodes' path.repo for its test location`,
        ['pass --fs-path with the shared directory the cluster writes to (a path.repo entry or a folder below it)'],
      )
    return new FsLocation(`${this.path}/${name}`)
  }

  describe(): string {
    return this.path
  }

  async identity(name: string, pathRepo: () => Promise<string[] | undefined>): Promise<LocationIdentity | undefined> {
    try {
      return {directory: await resolveFsLocation(name, this.path, await pathRepo()), kind: 'fs'}
    } catch {
      return undefined
    }
  }

  async open(options: OpenOptions): Promise<FsRepositoryFiles> {
    let directory: string
    try {
      directory = await resolveFsLocation(options.name, this.path, await options.pathRepo())
    } catch (error) {
      // Verify's own test location: the registration is the proof of path.repo (the cluster refuses it there, with
      // its own diagnosis); an absolute path is read as spelled until then.
      if (!options.asSpelledOutsidePathRepo || !this.path.startsWith('/') || /^\/*$/.test(this.path)) throw error
      directory = path.resolve(this.path)
      // As spelled, never through a symlink: a link out of where it seems to be is refused like the path itself.
      const real = await fs.realpath(directory).catch(() => directory)
      if (real !== directory) throw error
    }

    return FsRepositoryFiles.at(this, directory, options)
  }

  record(): LocationRecord {
    return {kind: 'fs', location: this.path}
  }

  registrationBody(options: RegistrationOptions = {}): RepositoryBody {
    const settings: Record<string, boolean | string> = {compress: false, location: this.path}
    if (options.shardPathType) settings.shard_path_type = options.shardPathType
    return {settings, type: 'fs'}
  }
}

/** A shared-filesystem repository, read from this machine when it sees the same path as the nodes. */
export class FsRepositoryFiles implements RepositoryFiles {
  readonly atStoreRoot = false
  readonly directories: Directories
  readonly footprint: RepositoryFootprint
  readonly identity: LocationIdentity

  private constructor(
    readonly location: FsLocation,
    readonly directory: string,
    readonly visible: boolean,
    options: Pick<OpenOptions, 'hashedShardPaths'>,
  ) {
    this.identity = {directory, kind: 'fs'}
    this.footprint = {extraFiles: CONSOLE_FILES, hashedShardPaths: options.hashedShardPaths, prefix: ''}
    this.directories = {
      absentAbove: () => absentAncestors(directory),
      removeEmptyAbove: (directories) => removeEmptyAncestors(directory, directories),
    }
  }

  /** Opened as it is now; every operation looks again (the cluster creates the directory when it registers). */
  static async at(
    location: FsLocation,
    directory: string,
    options: Pick<OpenOptions, 'hashedShardPaths'>,
  ): Promise<FsRepositoryFiles> {
    return new FsRepositoryFiles(location, directory, await isVisible(directory), options)
  }

  /** The console does not write into an fs repository (the nodes' user owns it): no marker, the emptiness check decides. */
  async claim(): Promise<Claim> {
    return 'unsupported'
  }

  describe(): string {
    return describeIdentity(this.identity)
  }

  describeOwned(): string {
    return this.visible
      ? `delete the repository's own files under ${this.directory} and the layout's folders they leave empty`
      : `leave ${this.directory} (not visible from the console: remove it on the nodes)`
  }

  /** A directory the nodes write to is where they name it. */
  async dropsLeadingSlash(): Promise<boolean> {
    return false
  }

  async isEmpty(): Promise<{absent?: boolean; empty: boolean; example?: string}> {
    if (!(await isVisible(this.directory))) return {absent: true, empty: true}
    const entries = await fs.readdir(this.directory)
    return entries.length === 0
      ? {empty: true}
      : {empty: false, example: `${entries.length} entr${entries.length === 1 ? 'y' : 'ies'} (e.g. ${entries[0]})`}
  }

  isOutside(key: string): boolean {
    return !key.startsWith(`${this.directory}/`)
  }

  keyOf(file: string): string {
    return path.join(this.directory, file)
  }

  async newestIndex() {
    return (await isVisible(this.directory))
      ? readRepositoryIndex(new DirectoryBlobStore(this.directory), '')
      : undefined
  }

  overlapWith(other: LocationIdentity): Overlap | undefined {
    return overlapOf(this.identity, other)
  }

  async reader() {
    return (await isVisible(this.directory)) ? {basePath: '', store: new DirectoryBlobStore(this.directory)} : undefined
  }

  async readMarker(marker: string): Promise<string | undefined> {
    if (!(await isVisible(this.directory))) return undefined
    return (await new DirectoryBlobStore(this.directory).read(marker, MARKER_BYTES))?.toString('utf8')
  }

  /** The journal form of the directory as resolved (symlinks resolved, below path.repo). */
  record(): LocationRecord {
    return {kind: 'fs', location: this.directory}
  }

  removalCommand(key?: string): string {
    return key === undefined ? `rm -r ${this.directory}` : `rm ${key}`
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

  snapshotNames(): Promise<string[]> {
    return snapshotNamesIn(this.newestIndex())
  }

  private async checkNothingOwnedRemains(others: RepositoryFootprint[]): Promise<void> {
    const after = await walk(this.directory)
    const remaining = after.files
      .filter((file) => ownershipAmong(file.key, this.footprint, others).owned)
      .map((file) => path.join(this.directory, file.key))
    if (remaining.length > 0) throw new OwnedFilesRemainError(this.directory, remaining, remaining.length)
  }
}
