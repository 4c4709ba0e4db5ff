import {promises as fs} from 'node:fs'
import path from 'node:path'

import {UsageError} from './errors.js'

const LOCK_WAIT_MS = 10_000
const STALE_LOCK_MS = 30_000

/**
 * A small JSON file of entries keyed by runId. Every change is a read-modify-write under a lock
 * file (so concurrent runs keep each other's entries), written to a temporary file and renamed
 * (so a crash never leaves half a journal), readable by its owner only (0600 in a 0700 folder).
 */
export class Journal<Entry extends {runId: string}> {
  /** problem: why an entry read from the file cannot be one of ours (undefined when it can). */
  constructor(
    readonly file: string,
    private readonly problem: (entry: unknown) => string | undefined = () => undefined,
  ) {}

  /** The entries; a malformed one (edited by hand, another version) is refused, named with the file and how to drop it. */
  async entries(): Promise<Entry[]> {
    const entries = await this.read()
    const malformed = entries.flatMap((entry, position) => {
      const problem = typeof (entry as {runId?: unknown})?.runId === 'string' ? this.problem(entry) : 'has no runId'
      if (problem === undefined) return []
      const runId = (entry as {runId?: unknown})?.runId
      return [
        `entry ${position + 1}${typeof runId === 'string' ? ` (${runId})` : ''} ${problem}${typeof runId === 'string' ? `: drop it with \`console repo clean --forget ${runId}\`` : ''}`,
      ]
    })
    if (malformed.length > 0)
      throw new UsageError(`${this.file} holds entries that are not what the console wrote: ${malformed.join('; ')}`, [
        `nothing was done for any entry; drop the malformed ones as said, or move ${this.file} aside to start a new journal`,
      ])
    return entries as Entry[]
  }

  async forget(runId: string): Promise<boolean> {
    // Nothing to drop writes nothing: no folder, no lock (a refused run leaves no trace).
    if (!(await this.runIds()).includes(runId)) return false
    let found = false
    await this.change((entries) => {
      found = entries.some((entry) => entry?.runId === runId)
      return found ? entries.filter((entry) => entry?.runId !== runId) : undefined
    }, true)
    return found
  }

  async record(entry: Entry): Promise<void> {
    await this.change((entries) => [...entries.filter((existing) => existing?.runId !== entry.runId), entry], true)
  }

  /** The run ids of the entries as written, malformed ones included (so that --forget can drop those too). */
  async runIds(): Promise<string[]> {
    return (await this.read()).flatMap((entry) => {
      const runId = (entry as {runId?: unknown})?.runId
      return typeof runId === 'string' ? [runId] : []
    })
  }

  /** Applies a change to the entries under the lock; undefined from the change writes nothing. */
  private async change(apply: (entries: Entry[]) => Entry[] | undefined, raw = false): Promise<void> {
    const directory = path.dirname(this.file)
    await fs.mkdir(directory, {mode: 0o700, recursive: true})
    await fs.chmod(directory, 0o700)
    const release = await this.lock()
    try {
      // Forgetting works on a malformed journal too: it is how a malformed entry is dropped.
      const next = apply((raw ? await this.read() : await this.entries()) as Entry[])
      if (next === undefined) return
      const temporary = `${this.file}.${process.pid}.${Date.now()}.tmp`
      await fs.writeFile(temporary, JSON.stringify(next, null, 2), {mode: 0o600})
      await fs.rename(temporary, this.file)
    } finally {
      await release()
    }
  }

  private async lock(): Promise<() => Promise<void>> {
    const lockFile = `${this.file}.lock`
    const deadline = Date.now() + LOCK_WAIT_MS
    for (;;) {
      try {
        const handle = await fs.open(lockFile, 'wx', 0o600)
        await handle.writeFile(String(process.pid))
        await handle.close()
        return () => fs.rm(lockFile, {force: true})
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
      }

      if (await isStaleLock(lockFile)) {
        await fs.rm(lockFile, {force: true})
        continue
      }

      if (Date.now() > deadline)
        throw new Error(
          `${lockFile} is held by another run for over ${LOCK_WAIT_MS / 1000} s; if no other console command is running, delete that file`,
        )
      await new Promise((resolve) => setTimeout(resolve, 10 + Math.random() * 20))
    }
  }

  private async read(): Promise<unknown[]> {
    try {
      const parsed = JSON.parse(await fs.readFile(this.file, 'utf8'))
      return Array.isArray(parsed) ? parsed : []
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return []
      if (error instanceof SyntaxError)
        throw new Error(`${this.file} is not a journal (not JSON); move it aside to start a new one`)
      throw error
    }
  }
}

/** A lock whose writer has exited, or that is older than any journal change takes. */
async function isStaleLock(lockFile: string): Promise<boolean> {
  try {
    const [content, stat] = await Promise.all([fs.readFile(lockFile, 'utf8'), fs.stat(lockFile)])
    if (Date.now() - stat.mtimeMs > STALE_LOCK_MS) return true
    const pid = Number(content)
    if (!Number.isInteger(pid) || pid <= 0) return Date.now() - stat.mtimeMs > 1000
    try {
      process.kill(pid, 0)
      return false
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === 'ESRCH'
    }
  } catch {
    return false
  }
}
