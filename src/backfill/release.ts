import {readFileSync} from 'node:fs'
import {homedir} from 'node:os'
import path from 'node:path'

import {chooseRelease, type ChosenRelease} from './readers.js'

/**
 * The console's release as the console itself reads it (console_link/models/container_utils.py,
 * get_version_str): `~/VERSION`, its first non-blank line, stripped; "unknown" when missing or empty.
 */
export function consoleRelease(home = homedir()): string | undefined {
  try {
    const line = readFileSync(path.join(home, 'VERSION'), 'utf8')
      .split(/\r?\n/)
      .map((text) => text.trim())
      .find(Boolean)
    return line || undefined
  } catch {
    return undefined
  }
}

/** `--backfill-version` wins over `~/VERSION`; an unknown or missing release is read as the newest known one. */
export function backfillRelease(flag?: string, home = homedir()): ChosenRelease {
  if (flag !== undefined) return chooseRelease(flag, '--backfill-version')
  const file = path.join(home, 'VERSION')
  const found = consoleRelease(home)
  return chooseRelease(found, found === undefined ? `${file} missing or empty` : file)
}
