import {promises as fs} from 'node:fs'
import path from 'node:path'

export interface Walked {
  /** Directories, deepest first. */
  directories: string[]
  files: {key: string; size: number}[]
  /** Symlinks, FIFOs, sockets, devices: named, never opened, never followed, never deleted. */
  others: string[]
}

/** Everything below a directory, by lstat: a symlink is never followed, a special file never opened. */
export async function walk(root: string, relative = '', into?: Walked): Promise<Walked> {
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

/**
 * Whether the location is a real directory here. lstat: a location that is itself a symbolic link (which the
 * survey resolved, so it pointed below path.repo then) is refused now rather than followed.
 */
export async function isVisible(directory: string): Promise<boolean> {
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

export async function isEmptyDirectory(directory: string): Promise<boolean> {
  try {
    return (await fs.readdir(directory)).length === 0
  } catch {
    return false
  }
}
