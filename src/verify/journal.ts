import type {Journal} from '../journal.js'
import type {LocationRecord} from '../location/files.js'

import {recordProblem} from '../location/record.js'

/**
 * What a verify run created, written before each thing is created, so that an interrupted
 * or crashed run can be finished by `console repo clean`. An entry is removed once all is gone.
 */
export interface JournalEntry {
  bucketCreated?: boolean
  clusterEndpoint: string
  /**
   * Set when the console's credentials may only list and read the test location: the run wrote nothing with
   * them (no probe, no marker), and cleanup deletes only through the cluster, naming what stays.
   */
  consoleReadOnly?: boolean
  /** fs: the directories above the test location that did not exist before the registration made them (deepest first). */
  directoriesCreated?: string[]
  /** Set when the run finished with --keep: the resources are there on purpose. */
  kept?: boolean
  /** Set once the run's ownership marker (verify-owner, holding the run id) was written at the test location. */
  ownerMarker?: boolean
  probeKey?: string
  /** false while the registration was sent and no answer came: the cluster may still carry it out later. */
  registrationAnswered?: boolean
  repository: string
  repositoryRegistered?: boolean
  runId: string
  snapshot: string
  snapshotStarted?: boolean
  startedAt: string
  /** The run's test location. */
  storage: LocationRecord
  /** An index the run created for its shard-data test (--create-test-index); deleted in cleanup. */
  testIndex?: string
}

export type VerifyJournal = Journal<JournalEntry>

/** Why an entry cannot be a verify run's (read from a file anyone could edit); undefined when it can. */
export function verifyEntryProblem(entry: unknown): string | undefined {
  const candidate = entry as Partial<JournalEntry> | undefined
  if (typeof candidate !== 'object' || candidate === null) return 'is not an object'
  for (const field of ['runId', 'repository', 'snapshot', 'clusterEndpoint'] as const)
    if (typeof candidate[field] !== 'string' || candidate[field] === '') return `has no ${field}`
  return recordProblem(candidate.storage, {bucketRootAllowed: false})
}
