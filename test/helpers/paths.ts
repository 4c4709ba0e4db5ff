import {mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')

export function localFixture(...parts: string[]): string {
  return path.join(repoRoot, 'test', 'fixtures', ...parts)
}

/** A services.yaml with `yaml` in a fresh scratch directory named after `prefix`; the directory is returned too. */
export function scratchServices(prefix: string, yaml: string): {file: string; scratch: string} {
  const scratch = mkdtempSync(path.join(tmpdir(), prefix))
  const file = path.join(scratch, 'services.yaml')
  writeFileSync(file, yaml)
  return {file, scratch}
}
