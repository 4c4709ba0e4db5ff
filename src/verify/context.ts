import type {ChosenRelease, SnapshotReaderRule} from '../backfill/readers.js'
import type {ClusterClient} from '../cluster/client.js'
import type {ShardPlacement} from '../cluster/shard-placement.js'
import type {ClusterInfo, SnapshotInfo} from '../cluster/snapshots.js'
import type {ReadableLocation, RepositoryFiles} from '../location/files.js'
import type {Locations} from '../location/open.js'
import type {RepositoryStorage} from '../services/model.js'
import type {ShardReadBack} from '../snapshot-format/read-back.js'
import type {BucketFinding} from './bucket-rules.js'
import type {JournalEntry, VerifyJournal} from './journal.js'
import type {NodeCoverage} from './node-coverage.js'

/**
 * Which shard data the test snapshot copies: the smallest qualifying index (default), a named one, one
 * the run creates, or none (metadata only, today's guide).
 */
export type ShardDataChoice =
  | {index: string; mode: 'index'}
  | {maxIndexBytes: number; mode: 'smallest'}
  | {mode: 'create'}
  | {mode: 'metadata-only'}

/** The index a run's test snapshot copies, as the index step chose it. */
export interface DataIndex {
  /** The run created it (--create-test-index): deleted in cleanup. */
  created: boolean
  documents: number
  /** Every index the test snapshot copies (several when one alone has no primary on every data node). */
  indices: string[]
  largestSegmentBytes: number
  /** The indices as the snapshot request names them (comma-separated). */
  name: string
  primaryBytes: number
}

/** What `console snapshot verify` was asked to do, after flags, file and prompts were merged. */
export interface VerifyRequest {
  /** The Migration Assistant release whose backfill reads the snapshot (from --backfill-version or ~/VERSION). */
  backfill?: ChosenRelease
  /** How the console signs in to the cluster (sigv4 marks a managed AWS domain). */
  clusterAuthKind?: string
  createBucket: boolean
  keep: boolean
  /** The nodes' named S3 client (s3.client.NAME.* in their keystore) for the test repository; default: default. */
  nodeS3Client?: string
  /** The test repository's name; fresh per run unless given. */
  repository: string
  runId: string
  /** Absent: metadata only (the domain's default; the command's default is the smallest index). */
  shardData?: ShardDataChoice
  /** The test repository's shard_path_type (OpenSearch 3.x): FIXED keeps every shard file under the base path. */
  shardPathType?: string
  snapshot: string
  storage: RepositoryStorage
}

export interface VerifyDependencies {
  /** Overrides the cleanup budget (tests). */
  cleanupBudgetMs?: number
  /** Overrides how long one of cleanup's cluster calls may go unanswered (tests). */
  cleanupCallWaitMs?: number
  cluster: ClusterClient
  journal: VerifyJournal
  /** Where repositories are: the run's one factory of locations, holding its S3 clients. */
  locations: Locations
  /** Overrides how long the nodes' verification of the test repository may take (tests). */
  nodesStoreWaitMs?: number
  signal?: AbortSignal
}

/**
 * What a step's skip rule and its planned requests read: the request, its locations, and what the index step
 * decides (a dry run names the index it would choose, and predicts no buffer_size).
 */
export interface VerifyView extends VerifyRequest {
  /** Set when the test repository is registered with a small buffer_size to exercise multipart upload. */
  bufferSize?: string
  /** The index the test snapshot copies; none for a metadata-only snapshot. */
  dataIndex?: Pick<DataIndex, 'created' | 'name'>
  /** Where the migration's repository is configured (its base path): the test location lies below it. */
  location: ReadableLocation
  /** Where the test repository keeps its files: its own folder below the configured base path. */
  testLocation: ReadableLocation
}

/** The state one run builds up as its steps pass. */
export interface VerifyContext extends VerifyDependencies, VerifyView {
  /** The reader the release's backfill picks for this source (the cluster step finds it). */
  backfillReader?: SnapshotReaderRule
  /** What the bucket's own rules mean for the migration (the bucket step reads them). */
  bucketFindings?: BucketFinding[]
  /** The index the test snapshot copies (the index step's choice); none for a metadata-only snapshot. */
  dataIndex?: DataIndex
  /** The test location's files, opened once (an fs location resolved under path.repo as the cluster resolves it). */
  files?: Promise<RepositoryFiles>
  info?: ClusterInfo
  journalEntry: JournalEntry
  /** Where the chosen indices' primaries sit on the data nodes (absent: unknown, or metadata only). */
  nodeCoverage?: NodeCoverage
  /** What the user should know beside the verdict (e.g. how the backfill addresses the store). */
  notes: string[]
  /** What the run could not prove, for the report. */
  notProven: string[]
  /** Where primaries live, or why the cluster would not say. */
  placement?: ShardPlacement | {refused: string}
  /** The read-back's shards, for the per-node report. */
  readBack?: ShardReadBack
  /** The largest segment of each copied primary (`index[shard]`), for the per-node multipart report. */
  segmentBytesByShard?: Record<string, number>
  /** The test snapshot as the cluster answered it (its shard failures name nodes by id). */
  snapshotInfo?: SnapshotInfo
}
