import type {Journal} from '../journal.js'

/**
 * What a verify run created, written before each thing is created, so that an interrupted
 * or crashed run can be finished by `console repo clean`. An entry is removed once all is gone.
 */
export interface JournalEntry {
  bucketCreated?: boolean
  clusterEndpoint: string
  /** Set when the run finished with --keep: the resources are there on purpose. */
  kept?: boolean
  probeKey?: string
  repository: string
  repositoryRegistered?: boolean
  runId: string
  snapshot: string
  snapshotStarted?: boolean
  startedAt: string
  storage:
    {bucket: string; endpoint?: string; kind: 's3'; prefix: string; region: string} | {kind: 'fs'; location: string}
  /** An index the run created for its shard-data test (--create-test-index); deleted in cleanup. */
  testIndex?: string
}

export type VerifyJournal = Journal<JournalEntry>
