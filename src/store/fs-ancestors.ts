import {promises as fs} from 'node:fs'
import path from 'node:path'

/**
 * The directories above a location that do not exist yet, deepest first: registering an fs repository there
 * makes the nodes create them, so the run that registers it made them and takes them back.
 */
export async function absentAncestors(directory: string): Promise<string[]> {
  const absent: string[] = []
  for (let parent = path.dirname(directory); parent !== path.dirname(parent); parent = path.dirname(parent)) {
    const exists = await fs.lstat(parent).then(
      () => true,
      (error: NodeJS.ErrnoException) => error.code !== 'ENOENT',
    )
    if (exists) break
    absent.push(parent)
  }

  return absent
}

export interface AncestorRemoval {
  /** Directories that hold something now (someone else's): left, as they are no longer only the run's. */
  inUse: string[]
  /** Directories that could not be removed, each with why. */
  left: {directory: string; reason: string}[]
  removed: string[]
}

/**
 * Removes, deepest first, the directories a run made above its location, each only while empty (rmdir never
 * deletes content) and only when it is really above that location (the list comes from a journal anyone could edit).
 */
export async function removeEmptyAncestors(location: string, directories: string[]): Promise<AncestorRemoval> {
  const result: AncestorRemoval = {inUse: [], left: [], removed: []}
  const above = directories
    .filter((directory) => path.isAbsolute(directory) && location.startsWith(`${path.resolve(directory)}/`))
    .sort((a, b) => b.length - a.length)
  for (const directory of above) {
    try {
      await fs.rmdir(directory)
      result.removed.push(directory)
    } catch (error) {
      const {code, message} = error as NodeJS.ErrnoException
      if (code === 'ENOENT') continue
      if (code === 'ENOTEMPTY' || code === 'EEXIST') result.inUse.push(directory)
      else result.left.push({directory, reason: code ?? message})
    }
  }

  return result
}
