import type {Journal} from '../journal.js'
import type {RepositoryStorage} from '../services/model.js'

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
  storage:
    {bucket: string; endpoint?: string; kind: 's3'; prefix: string; region: string} | {kind: 'fs'; location: string}
  /** An index the run created for its shard-data test (--create-test-index); deleted in cleanup. */
  testIndex?: string
}

export type VerifyJournal = Journal<JournalEntry>

/** The test location of an entry as a storage the files layer opens. */
export function entryStorage(entry: JournalEntry): RepositoryStorage {
  const {storage} = entry
  return storage.kind === 's3'
    ? {basePath: storage.prefix, bucket: storage.bucket, endpoint: storage.endpoint, kind: 's3', region: storage.region}
    : {kind: 'fs', path: storage.location}
}

/** Where an entry's test location is, as messages name it. */
export function describeEntryLocation(entry: JournalEntry): string {
  const {storage} = entry
  return storage.kind === 's3' ? `s3://${storage.bucket}/${storage.prefix}` : storage.location
}

/** Why an entry cannot be a verify run's (read from a file anyone could edit); undefined when it can. */
export function verifyEntryProblem(entry: unknown): string | undefined {
  const candidate = entry as Partial<JournalEntry> | undefined
  if (typeof candidate !== 'object' || candidate === null) return 'is not an object'
  for (const field of ['runId', 'repository', 'snapshot', 'clusterEndpoint'] as const)
    if (typeof candidate[field] !== 'string' || candidate[field] === '') return `has no ${field}`
  const storage = candidate.storage as
    undefined | {bucket?: unknown; kind?: unknown; location?: unknown; prefix?: unknown}
  if (storage?.kind === 's3') {
    if (typeof storage.bucket !== 'string' || storage.bucket === '') return 'names no bucket'
    // A verify test location is always a folder of its own: never a bucket's root.
    if (typeof storage.prefix !== 'string' || /^\/*$/.test(storage.prefix))
      return `names the bucket's root (prefix "${String(storage.prefix ?? '')}") as its test location`
    return undefined
  }

  if (storage?.kind === 'fs') {
    if (typeof storage.location !== 'string' || /^\/*$/.test(storage.location.trim()))
      return `names "${String(storage.location ?? '')}" as its test location (the filesystem's root or nothing)`
    return undefined
  }

  return 'has no s3 or fs test location'
}
