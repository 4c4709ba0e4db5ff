import type {VerifyContext, VerifyView} from './context.js'

import {backfillReader} from '../backfill/check.js'
import {pathRepoOnce} from '../cluster/path-repo.js'
import {
  createSnapshot,
  describeCluster,
  indexSnapshotBody,
  isManagedAwsDomain,
  listRepositories,
  METADATA_ONLY_SNAPSHOT,
  nodesLackingPlugin,
  readClusterInfo,
  registerRepository,
  repositoryPath,
  snapshotPath,
} from '../cluster/snapshots.js'
import {CheckFailure} from '../diagnose/index.js'
import {UsageError} from '../errors.js'
import {type Bucket, OWNER_MARKER, PROBE_FILE} from '../location/files.js'
import {describeIdentity} from '../location/identity.js'
import {proveSnapshotInRepository} from '../snapshot-format/repository-index.js'
import {isAccessDenied} from '../store/s3.js'
import {FRESH_TEST_NAME} from '../verify-names.js'
import {checkBucketRules} from './bucket-rules-step.js'
import {CONSOLE_READ_ONLY, ownerMarkerContent, testFiles} from './cleanup.js'
import {knownPlacement} from './data-indices.js'
import {directoriesTheRegistrationMakes, registerRecordingAnswer} from './ground.js'
import {checkMigrationScope} from './migration-scope.js'
import {proveNodesReachStore} from './nodes-route.js'
import {clusterCall, storeCommand, type VerifyStep} from './planned.js'
import {INDEX_STEP, READ_BACK_STEP, snapshotFailure} from './shard-data.js'

/** A step about a bucket runs only where the repository is in one. */
const onlyInABucket = (why: string) => (view: VerifyView) => (view.location.facts.bucket ? undefined : why)

/** The test repository's registration, as the repository step sends it. */
const testRegistration = (view: VerifyView) =>
  view.testLocation.registrationBody({
    bufferSize: view.bufferSize,
    client: view.nodeS3Client,
    shardPathType: view.shardPathType,
  })

/** The test snapshot's body: the chosen index and the global state, or the metadata only. */
const testSnapshotBody = (view: VerifyView) =>
  view.dataIndex ? indexSnapshotBody(view.dataIndex.name) : METADATA_ONLY_SNAPSHOT

/** The test location's bucket (a step that runs only in a bucket). */
async function bucketOf(context: VerifyContext): Promise<Bucket> {
  const {bucket} = await testFiles(context)
  if (!bucket) throw new Error(`a bucket step ran for ${context.location.describe()}`)
  return bucket
}

/** The configured location as messages name it (its key prefix in a bucket). */
async function configuredPlace(context: VerifyContext): Promise<string> {
  const identity = await context.location.identity(context.repository, pathRepoOnce(context.cluster, context.signal))
  return identity ? describeIdentity(identity) : context.location.describe()
}

/** The seed's "Verifying snapshot creation", step by step; cleanup follows as its own step. */
export const VERIFY_STEPS: VerifyStep[] = [
  {
    name: 'cluster',
    plan: () => [clusterCall('GET', '/')],
    async run(context) {
      context.info = await readClusterInfo(context.cluster, context.signal)
      const scope = await checkMigrationScope(context.cluster, context.signal)
      const found = `${describeCluster(context.info)} at ${context.cluster.endpoint}; ${scope}`
      if (!context.backfill) return found
      context.backfillReader = backfillReader(context.backfill, context.info)
      return `${found}; read by Migration Assistant ${context.backfill.release}'s ${context.backfillReader.name}`
    },
    title: "Cluster answers; the migration's indices can be snapshotted",
  },
  {
    name: 'plugin',
    plan: () => [clusterCall('GET', '/_nodes/plugins')],
    async run(context) {
      const plugin = context.location.plugin!
      const {lacking, total} = await nodesLackingPlugin(context.cluster, plugin, context.signal)
      if (lacking.length === 0) return `installed on all ${total} node(s) (as a plugin or a module)`
      // Decided by facts, not by version: only a managed AWS domain writes to S3 without listing it.
      if (isManagedAwsDomain({authKind: context.clusterAuthKind, endpoint: context.cluster.endpoint}))
        return `not listed on ${lacking.length} of ${total} node(s), as on every managed AWS domain: the registration in step 6 is the proof`
      throw new CheckFailure(
        'plugin-missing',
        `${plugin} is missing on ${lacking.length} of ${total} node(s): ${lacking.join(', ')}`,
        {nodes: lacking},
      )
    },
    skipReason: (context) => (context.location.plugin ? undefined : 'an fs repository needs no plugin'),
    title: 'repository-s3 on every node',
  },
  {
    name: 'bucket',
    plan(view) {
      const {bucket} = view.testLocation.shell
      if (!bucket) return []
      return [storeCommand(bucket.head), ...(view.createBucket ? [storeCommand(bucket.create)] : [])]
    },
    async run(context) {
      const bucket = await bucketOf(context)
      const found = await bucket.inspect()
      switch (found.state) {
        case 'elsewhere': {
          throw new CheckFailure(
            'bucket-elsewhere',
            `s3://${bucket.name} is in ${found.region}, not ${bucket.region}`,
            {bucketRegion: found.region},
          )
        }

        case 'forbidden': {
          throw new CheckFailure('bucket-forbidden', `HeadBucket on s3://${bucket.name} was denied (403)`, {
            bucketRegion: found.region,
          })
        }

        case 'absent': {
          if (!context.createBucket)
            throw new CheckFailure(
              'bucket-absent',
              `s3://${bucket.name} does not exist (run with --create-bucket to create it)`,
            )
          await context.journal.record({...context.journalEntry, bucketCreated: true})
          context.journalEntry.bucketCreated = true
          await bucket.create()
          return `created s3://${bucket.name} in ${bucket.region}`
        }

        case 'present': {
          return `s3://${bucket.name} in ${found.region}; ${await checkBucketRules(context, bucket)}`
        }
      }
    },
    skipReason: onlyInABucket('an fs repository has no bucket'),
    title: 'Bucket exists in the expected region',
  },
  {
    name: 'fresh',
    plan: (view) => [storeCommand(view.testLocation.shell.listEmpty(), 'verify works only on an empty location')],
    async run(context) {
      // Verify deletes what its test repository wrote: that is provable only where nothing was before.
      const refuse = (where: string, example: string) => {
        throw new UsageError(
          `${where} already holds ${example}: verify registers its test repository only on an empty location, and would otherwise mix its files with someone else's`,
          [
            `leave --repository out for a fresh ${FRESH_TEST_NAME} location, or choose a name nobody uses under the base path`,
          ],
        )
      }

      const files = await testFiles(context)
      const where = files.describe()
      const found = await files.isEmpty()
      if (!found.empty) refuse(where, found.example ?? 'objects')
      const versions = found.versionsUnread
        ? ' (of current objects: GetBucketVersioning was denied, old versions unread)'
        : ''
      return found.absent
        ? `${where} does not exist here (or is not visible from the console)`
        : `${where} is empty${versions}`
    },
    title: 'Test location holds nothing yet',
  },
  {
    name: 'access',
    plan: (view) => (view.testLocation.shell.bucket?.probe(PROBE_FILE) ?? []).map((command) => storeCommand(command)),
    async run(context) {
      const files = await testFiles(context)
      const bucket = await bucketOf(context)
      const probeKey = files.keyOf(PROBE_FILE)
      // Two runs on one location: only the one whose conditional write of the marker succeeds goes on. Recorded
      // first (an interrupt during the write must still find it); a run that loses the claim records that it
      // created nothing, and its cleanup touches nothing.
      context.journalEntry.ownerMarker = true
      context.journalEntry.probeKey = probeKey
      await context.journal.record(context.journalEntry)
      const claim = await files
        .claim(OWNER_MARKER, ownerMarkerContent(context.journalEntry))
        .catch((error: unknown) => {
          if (isAccessDenied(error)) return 'read-only' as const
          throw error
        })
      if (claim === 'taken' || claim === 'read-only') {
        context.journalEntry.ownerMarker = undefined
        context.journalEntry.probeKey = undefined
        context.journalEntry.consoleReadOnly = claim === 'read-only' || undefined
        await context.journal.record(context.journalEntry)
      }

      if (claim === 'read-only') {
        const allowed = await bucket.probeRead(PROBE_FILE)
        return `${allowed.join(', ')} under ${await configuredPlace(context)} (all the backfill needs); ${CONSOLE_READ_ONLY}`
      }

      if (claim === 'taken') {
        throw new UsageError(
          `${files.describe()}verify-owner was written by another verify run: that run owns the test location, this one stops without touching it`,
          [`leave --repository out for a fresh ${FRESH_TEST_NAME} location`],
        )
      }

      const allowed = await bucket.probeAccess(PROBE_FILE)
      return `${allowed.join(', ')} under ${await configuredPlace(context)}`
    },
    skipReason: onlyInABucket('the console does not write to an fs repository'),
    title: "Console's credentials can list, write, read, delete",
  },
  INDEX_STEP,
  {
    name: 'repository',
    plan: (view) => [clusterCall('PUT', repositoryPath(view.repository), {body: testRegistration(view)})],
    async run(context) {
      const existing = await listRepositories(context.cluster, context.signal)
      if (existing[context.repository])
        throw new UsageError(
          `repository ${context.repository} is already registered; verify registers a test repository of its own`,
          ['choose another --repository name, or leave it out for a fresh verify_… name'],
        )
      const body = testRegistration(context)
      context.journalEntry.repositoryRegistered = true
      context.journalEntry.directoriesCreated = await directoriesTheRegistrationMakes(context)
      // Registered unverified (needs only the cluster, so cleanup can always take it back), then verified by the
      // nodes with one bounded wait that names the silent route.
      await registerRecordingAnswer(context, () =>
        registerRepository(context.cluster, context.repository, body, context.signal, {verify: false}),
      )
      await proveNodesReachStore(context.cluster, context.repository, body, {
        signal: context.signal,
        waitMs: context.nodesStoreWaitMs,
      })
      const where = context.testLocation.describe()
      return `${context.repository} (${body.type}) at ${where}${context.bufferSize ? ` with buffer_size ${context.bufferSize}` : ''}${context.shardPathType ? ` and shard_path_type ${context.shardPathType}` : ''}`
    },
    title: 'Test repository registered',
  },
  {
    name: 'snapshot',
    plan: (view) => [
      clusterCall('PUT', `${snapshotPath(view.repository, view.snapshot)}?wait_for_completion=true`, {
        body: testSnapshotBody(view),
      }),
    ],
    async run(context) {
      context.journalEntry.snapshotStarted = true
      await context.journal.record(context.journalEntry)
      const started = Date.now()
      const snapshot = await createSnapshot(
        context.cluster,
        context.repository,
        context.snapshot,
        testSnapshotBody(context),
        context.signal,
      )
      context.snapshotInfo = snapshot
      if (snapshot.state && snapshot.state !== 'SUCCESS')
        throw snapshotFailure(context.snapshot, snapshot, knownPlacement(context))

      const what = context.dataIndex ? `of ${context.dataIndex.name} and the global state` : 'of the metadata only'
      return `${context.snapshot} ${what}: ${snapshot.state ?? 'done'} in ${Date.now() - started} ms`
    },
    title: 'Test snapshot taken',
  },
  {
    name: 'in-bucket',
    plan: (view) => [
      storeCommand(
        view.testLocation.shell.list(),
        'newest index-N lists the snapshot; snap-<uuid>.dat and meta-<uuid>.dat exist',
      ),
    ],
    async run(context) {
      const files = await testFiles(context)
      const reader = await files.reader()
      if (!reader) return {skipped: `${files.describe()} is not visible from the console`}
      const proof = await proveSnapshotInRepository(reader.store, reader.basePath, context.snapshot)
      return `index-${proof.generation} lists it as success; ${proof.files.slice(1).join(', ')} present`
    },
    title: 'Snapshot is really in the repository',
  },
  READ_BACK_STEP,
]
