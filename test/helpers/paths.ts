import {existsSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')

/** The read-only shared folder beside the repository (CI lays a copy there too). */
export const sharedDir = process.env.SHARED_DIR ?? path.resolve(repoRoot, '../shared')

export function sharedFixture(...parts: string[]): string {
  const file = path.join(sharedDir, 'fixtures', ...parts)
  if (!existsSync(file)) throw new Error(`shared fixture ${file} is missing; set SHARED_DIR to the shared folder`)
  return file
}

export function localFixture(...parts: string[]): string {
  return path.join(repoRoot, 'test', 'fixtures', ...parts)
}
