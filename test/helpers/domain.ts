import {mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'

import type {JournalEntry} from '../../src/verify/journal.js'

import {createClusterClient} from '../../src/cluster/client.js'
import {Journal} from '../../src/journal.js'
import {createS3Client} from '../../src/storage/s3.js'
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

/** A step of a report by its name, so tests do not depend on where it stands. */
export function stepNamed<Step extends {name: string}>(report: {steps: Step[]}, name: string): Step {
  const step = report.steps.find((candidate) => candidate.name === name)
  if (!step) throw new Error(`no step ${name} in ${report.steps.map((candidate) => candidate.name).join(', ')}`)
  return step
}
