import {strict as assert} from 'node:assert'
import {mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'

import type {RepositoryStorage} from '../../src/services/model.js'
import type {VerifyRequest} from '../../src/verify/context.js'
import type {JournalEntry} from '../../src/verify/journal.js'

import {createClusterClient} from '../../src/cluster/client.js'
import {Journal} from '../../src/journal.js'
import {Locations} from '../../src/location/open.js'
import {createS3Client} from '../../src/store/s3.js'
import {plannedRequests, verificationPlan} from '../../src/verify/plan.js'
import {runVerification} from '../../src/verify/run.js'
import {FAST_RETRY, testVerifyRequest} from '../helpers/domain.js'
import {FakeCluster} from '../helpers/fake-cluster.js'
import {FakeS3} from '../helpers/fake-s3.js'

const shared = mkdtempSync(path.join(tmpdir(), 'dry-run-fs-'))
const bucket = {
  basePath: 'base',
  bucket: 'migration-bucket',
  endpoint: 'http://s3.test:9000',
  kind: 's3' as const,
  region: 'us-east-1',
}

/** What a real run sent, step by step (a step's share: from its start to the next one's), and how its steps ended. */
async function sentByStep(cluster: FakeCluster, s3: FakeS3, request: VerifyRequest) {
  cluster.install()
  s3.install()
  const sent: {cluster: string[]; step: string; store: number}[] = []
  const share = () => sent.at(-1)
  let seen = {cluster: 0, store: 0}
  const close = () => {
    const last = share()
    if (last) {
      last.cluster = cluster.requests.slice(seen.cluster).map((call) => `${call.method} ${call.path}`)
      last.store = s3.calls.length - seen.store
    }

    seen = {cluster: cluster.requests.length, store: s3.calls.length}
  }

  const report = await runVerification(
    request,
    {
      cluster: createClusterClient(
        {allowInsecure: false, auth: {kind: 'none'}, endpoint: cluster.endpoint},
        {retry: FAST_RETRY},
      ),
      journal: new Journal<JournalEntry>(path.join(mkdtempSync(path.join(tmpdir(), 'dry-run-')), 'journal.json')),
      locations: new Locations(() => createS3Client(bucket)),
    },
    {
      onStepStart(step) {
        close()
        sent.push({cluster: [], step: step.name, store: 0})
      },
    },
  )
  close()
  return {report, sent}
}

/** Whether `part` is `whole` with some entries left out, in the same order. */
function inOrderWithin(part: string[], whole: string[]): boolean {
  let at = 0
  for (const entry of part) {
    at = whole.indexOf(entry, at) + 1
    if (at === 0) return false
  }

  return true
}

const cases: {
  name: string
  prepare?: (cluster: FakeCluster, s3: FakeS3) => void
  request: VerifyRequest
  /** Whether every request goes through the fakes (a shared directory is read from the disk, unseen). */
  seesAll: boolean
}[] = [
  {
    name: 'a metadata-only run that creates and deletes its bucket',
    request: {...testVerifyRequest(bucket), createBucket: true},
    seesAll: true,
  },
  {
    name: 'a run that copies the smallest index',
    prepare(cluster, s3) {
      s3.addBucket('migration-bucket')
      cluster.indices = [{'docs.count': '3', index: 'small', pri: '1', 'pri.store.size': '100', status: 'open'}]
    },
    request: {...testVerifyRequest(bucket), shardData: {maxIndexBytes: 1024, mode: 'smallest'}},
    seesAll: true,
  },
  {
    name: 'a run that copies a named index',
    prepare(cluster, s3) {
      s3.addBucket('migration-bucket')
      cluster.indices = [{'docs.count': '3', index: 'books', pri: '1', 'pri.store.size': '100', status: 'open'}]
      cluster.override('GET', /^\/books\/_settings$/, [200, {books: {settings: {}}}])
    },
    request: {...testVerifyRequest(bucket), shardData: {index: 'books', mode: 'index'}},
    seesAll: true,
  },
  {
    name: 'a run that creates its test index',
    prepare(cluster, s3) {
      s3.addBucket('migration-bucket')
      cluster.override('PUT', /^\/verify_index_/, [200, {acknowledged: true}])
      cluster.override('POST', /^\/verify_index_[^/]+\/_(refresh|flush)$/, [200, {}])
      cluster.override('DELETE', /^\/verify_index_/, [200, {acknowledged: true}])
    },
    request: {...testVerifyRequest(bucket), shardData: {mode: 'create'}},
    seesAll: true,
  },
  {
    name: 'a run on a shared directory',
    prepare(cluster) {
      cluster.pathRepo = [shared]
    },
    request: testVerifyRequest<RepositoryStorage>({kind: 'fs', path: shared}),
    seesAll: false,
  },
]

describe('verify --dry-run is what the steps send', () => {
  for (const {name, prepare, request, seesAll} of cases)
    it(`every step that sends a request has its dry-run lines, in the order the steps run, each planned call sent by that step (${name})`, async () => {
      const s3 = new FakeS3()
      const cluster = new FakeCluster('http://source.test:9200', s3)
      prepare?.(cluster, s3)
      const {report, sent} = await sentByStep(cluster, s3, request)
      // The fake cluster writes no shard files, so a shard-data run's read-back fails; every step has run.
      assert.ok(
        report.steps.every((step) => step.detail !== 'an earlier step failed'),
        JSON.stringify(report.steps),
      )
      const planned = plannedRequests(request)
      const plannedSteps = [...new Set(planned.map((entry) => entry.step))]
      const sendingSteps = sent.filter((step) => step.cluster.length > 0 || step.store > 0).map((step) => step.step)
      // The truth beside the prediction: the steps that sent something in the real run, in the order they ran.
      assert.ok(
        inOrderWithin(sendingSteps, plannedSteps),
        `planned ${plannedSteps.join(', ')}; sent ${sendingSteps.join(', ')}`,
      )
      if (seesAll) assert.deepEqual(plannedSteps, sendingSteps)
      for (const step of sent) {
        const calls = planned
          .filter((entry) => entry.step === step.step && entry.request.to === 'cluster')
          .map(({request: call}) => (call.to === 'cluster' ? `${call.method} ${call.path.split('?')[0]}` : ''))
        assert.ok(
          inOrderWithin(calls, step.cluster),
          `${step.step} plans ${calls.join(', ')} but sent ${step.cluster.join(', ')}`,
        )
      }

      // And the dry run prints exactly those, one line each.
      assert.equal(verificationPlan(request, {auth: {kind: 'none'}, endpoint: cluster.endpoint}).length, planned.length)
    })
})
