import {mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'

import type {JournalEntry} from '../../src/verify/journal.js'

import {createClusterClient} from '../../src/cluster/client.js'
import {Journal} from '../../src/journal.js'
import {Locations} from '../../src/location/open.js'
import {createS3Client, type S3ClientOptions} from '../../src/store/s3.js'
import {runVerification} from '../../src/verify/run.js'
import {FakeCluster} from './fake-cluster.js'
import {FakeS3} from './fake-s3.js'

export const FAST_RETRY = {baseDelayMs: 1, maxDelayMs: 5, retries: 2}

/** The request of a unit test's verify run (repository verify_test, run id test) on a storage. */
export const testVerifyRequest = <Storage>(storage: Storage) => ({
  createBucket: false,
  keep: false,
  repository: 'verify_test',
  runId: 'test',
  snapshot: 'verify_snapshot_test',
  storage,
})

/** A fake cluster and bucket behind nock, with real clients and journals in a scratch directory. */
export function fakeWorld() {
  const s3 = new FakeS3()
  const cluster = new FakeCluster('http://source.test:9200', s3)
  const directory = mkdtempSync(path.join(tmpdir(), 'world-'))
  cluster.install()
  s3.install()
  const client = createClusterClient(
    {allowInsecure: false, auth: {kind: 'none'}, endpoint: cluster.endpoint},
    {retry: FAST_RETRY},
  )
  return {
    cleanJournal: new Journal<{body: any; repository: string; runId: string; startedAt: string}>(
      path.join(directory, 'clean-journal.json'),
    ),
    client,
    cluster,
    /** Registers an S3 repository and takes snapshots through the fake cluster, as a migration would. */
    repositoryWithSnapshots: (repository: string, bucket: string, basePath: string, snapshots: string[]) =>
      cluster.seedS3Repository(repository, {basePath, bucket}, snapshots),
    s3,
    s3Client: (storage: {endpoint?: string; region: string}) =>
      createS3Client({endpoint: storage.endpoint ?? s3.endpoint, region: storage.region}),
    verifyJournal: new Journal<JournalEntry>(path.join(directory, 'verify-journal.json')),
  }
}

/**
 * One verify run of a fake cluster named after `name` (repository verify_<name>, run <name>) against a bucket
 * migration-bucket at base path base: the fake store `s3` (installed after the cluster) or any `endpoint`.
 * Interceptors a test registers before calling this take precedence over the fakes' own answers.
 */
export async function verifyOnFakes(
  cluster: FakeCluster,
  options: {
    createBucket?: boolean
    endpoint?: string
    name: string
    nodesStoreWaitMs?: number
    s3?: FakeS3
    s3Options?: S3ClientOptions
  },
) {
  cluster.install()
  options.s3?.install()
  const storage = {
    basePath: 'base',
    bucket: 'migration-bucket',
    endpoint: options.endpoint ?? options.s3?.endpoint,
    kind: 's3' as const,
    region: 'us-east-1',
  }
  const journal = new Journal<JournalEntry>(
    path.join(mkdtempSync(path.join(tmpdir(), 'journal-')), 'verify-journal.json'),
  )
  const client = createClusterClient(
    {allowInsecure: false, auth: {kind: 'none'}, endpoint: cluster.endpoint},
    {retry: FAST_RETRY},
  )
  const report = await runVerification(
    {
      createBucket: options.createBucket ?? false,
      keep: false,
      repository: `verify_${options.name}`,
      runId: options.name,
      snapshot: `verify_snapshot_${options.name}`,
      storage,
    },
    {
      cluster: client,
      journal,
      locations: new Locations(() => createS3Client(storage, options.s3Options)),
      nodesStoreWaitMs: options.nodesStoreWaitMs,
    },
  )
  return {client, journal, report}
}

/** A step of a report by its name, so tests do not depend on where it stands. */
export function stepNamed<Step extends {name: string}>(report: {steps: Step[]}, name: string): Step {
  const step = report.steps.find((candidate) => candidate.name === name)
  if (!step) throw new Error(`no step ${name} in ${report.steps.map((candidate) => candidate.name).join(', ')}`)
  return step
}
