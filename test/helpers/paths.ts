import path from 'node:path'
import {fileURLToPath} from 'node:url'

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')

export function localFixture(...parts: string[]): string {
  return path.join(repoRoot, 'test', 'fixtures', ...parts)
}
