import {realpath} from 'node:fs/promises'
import path from 'node:path'

import type {RepositoryStorage} from '../services/model.js'
import type {OpenOptions, RepositoryFiles} from './files.js'

import {FsRepositoryFiles} from './fs-location.js'
import {type LocationIdentity, resolveFsLocation, s3Identity} from './identity.js'
import {S3RepositoryFiles} from './s3-location.js'

/** The storage kind is chosen here, once. */
export async function openRepositoryFiles(storage: RepositoryStorage, options: OpenOptions): Promise<RepositoryFiles> {
  if (storage.kind === 's3') return new S3RepositoryFiles(storage, options)
  let directory: string
  try {
    directory = await resolveFsLocation(options.name, storage.path, await options.pathRepo())
  } catch (error) {
    // Verify's own test location: the registration is the proof of path.repo (the cluster refuses it there, with
    // its own diagnosis); an absolute path is read as spelled until then.
    if (!options.asSpelledOutsidePathRepo || !storage.path.startsWith('/') || /^\/*$/.test(storage.path)) throw error
    directory = path.resolve(storage.path)
    // As spelled, never through a symlink: a link out of where it seems to be is refused like the path itself.
    const real = await realpath(directory).catch(() => directory)
    if (real !== directory) throw error
  }

  return FsRepositoryFiles.at(directory, options)
}

/** Where a registration's files are, or undefined when that cannot be resolved (not a repository this plugin reads). */
export async function identityOf(
  storage: RepositoryStorage,
  name: string,
  pathRepo: () => Promise<string[] | undefined>,
): Promise<LocationIdentity | undefined> {
  if (storage.kind === 's3') return s3Identity(storage)
  try {
    return {directory: await resolveFsLocation(name, storage.path, await pathRepo()), kind: 'fs'}
  } catch {
    return undefined
  }
}
