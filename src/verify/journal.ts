import {promises as fs} from 'node:fs'
import path from 'node:path'

/**
 * What a verify run created, written before each thing is created, so that an interrupted
 * or crashed run can be finished by `console repo clean`. An entry is removed once all is gone.
 */
export interface JournalEntry {
  runId: string
  startedAt: string
  clusterEndpoint: string
  repository: string
  snapshot: string
  storage:
    | {kind: 's3'; bucket: string; region: string; endpoint?: string; prefix: string}
    | {kind: 'fs'; location: string}
  bucketCreated?: boolean
  probeKey?: string
  repositoryRegistered?: boolean
  snapshotStarted?: boolean
  /** Set when the run finished with --keep: the resources are there on purpose. */
  kept?: boolean
}

/** A small JSON file of entries keyed by runId, rewritten atomically on every change. */
export class Journal<Entry extends {runId: string} = JournalEntry> {
  constructor(readonly file: string) {}

  async entries(): Promise<Entry[]> {
    try {
      const parsed = JSON.parse(await fs.readFile(this.file, 'utf8'))
      return Array.isArray(parsed) ? (parsed as Entry[]) : []
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return []
      throw error
    }
  }

  async record(entry: Entry): Promise<void> {
    const entries = (await this.entries()).filter((existing) => existing.runId !== entry.runId)
    await this.write([...entries, entry])
  }

  async forget(runId: string): Promise<void> {
    const entries = await this.entries()
    const remaining = entries.filter((entry) => entry.runId !== runId)
    if (remaining.length !== entries.length) await this.write(remaining)
  }

  // Written to a temporary file and renamed, so a crash never leaves half a journal.
  private async write(entries: Entry[]): Promise<void> {
    await fs.mkdir(path.dirname(this.file), {recursive: true})
    const temporary = `${this.file}.${process.pid}.tmp`
    await fs.writeFile(temporary, JSON.stringify(entries, null, 2))
    await fs.rename(temporary, this.file)
  }
}
