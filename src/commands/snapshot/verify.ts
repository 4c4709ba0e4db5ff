// The flags entry alone: the rest of oclif's index (help, ux) is not loaded for a run.
import * as Flags from '@oclif/core/flags'

import type {SnapshotVerifyJson} from '../../json-contract.js'
import type {ShardDataChoice} from '../../verify/context.js'

import {BaseCommand} from '../../base-command.js'
import {UsageError} from '../../errors.js'
import {
  bucketNameProblem,
  byteSizeProblem,
  endpointProblem,
  indexNameProblem,
  parseByteSize,
  regionProblem,
  repositoryNameProblem,
} from '../../names.js'
import {type RepositoryStorage, s3StorageOf} from '../../services/model.js'
import {checkedFlag, type RunSession} from '../../session.js'
import {layoutNameProblem} from '../../snapshot-format/layout-keys.js'
import {newRunId, testRepositoryName, testSnapshotName} from '../../verify-names.js'

export default class SnapshotVerify extends BaseCommand<typeof SnapshotVerify> {
  static override description = `Automates the migration guide's "Verifying snapshot creation": checks the cluster, the repository-s3 plugin on every node, the bucket and its region, the console's own access, registers a test repository, takes a test snapshot of the smallest index with documents (or --index, or a test index it creates) and the global state, proves it is in the bucket (newest index-N, snap- and meta- files), reads every shard file back with the console's credentials as the backfill does (length and Lucene checksum), and cleans up, also after a failure or Ctrl-C. Nothing is written to the source's indices.`
  static override examples = [
    {
      command: '<%= config.bin %> <%= command.id %>',
      description: 'Verify with everything from the services file (bucket, region, cluster).',
    },
    {
      command: '<%= config.bin %> <%= command.id %> --bucket my-snapshots --region us-west-2 --create-bucket',
      description: 'Verify a bucket that may not exist yet: create it, and delete it again afterwards.',
    },
    {
      command: '<%= config.bin %> <%= command.id %> --index logs-2024',
      description: "Copy this index's shard data in the test snapshot and read every shard file back.",
    },
    {
      command: '<%= config.bin %> <%= command.id %> --create-test-index',
      description:
        'Create an index of a few documents with one primary on each data node for the test (deleted afterwards), e.g. on an empty cluster.',
    },
    {
      command: '<%= config.bin %> <%= command.id %> --json',
      description: 'In a script: never prompt, print one JSON document, tell the outcome by the exit code.',
    },
    {
      command: '<%= config.bin %> <%= command.id %> --dry-run',
      description: "Print the guide's curl and aws commands for this run, and send nothing.",
    },
  ]
  static override flags = {
    'backfill-version': Flags.string({
      description:
        "the Migration Assistant release whose backfill will read the snapshot (default: the console's ~/VERSION; unknown: the newest release verify models)",
    }),
    'base-path': Flags.string({description: 'base path in the bucket; the test repository goes below it'}),
    bucket: Flags.string({description: "S3 bucket (default: the services file's snapshot.s3.repo_uri)"}),
    'create-bucket': Flags.boolean({
      description: 'create the bucket when it does not exist (and delete it afterwards)',
    }),
    'create-test-index': Flags.boolean({
      description:
        'create a 0-replica index of a few documents with one primary on each data node for the shard-data test (deleted afterwards)',
      exclusive: ['index', 'metadata-only'],
    }),
    'dry-run': Flags.boolean({description: 'print the equivalent curl and aws commands and touch nothing'}),
    'fs-path': Flags.string({description: 'verify a shared-filesystem repository at this path instead of S3'}),
    index: Flags.string({
      description: 'the index whose shard data the test snapshot copies (default: the smallest with documents)',
      exclusive: ['metadata-only'],
    }),
    keep: Flags.boolean({description: 'keep the test snapshot, repository and files for inspection'}),
    'max-index-size': Flags.string({
      default: '64mb',
      description: 'the largest index (primaries) verify picks by itself for the shard-data test',
    }),
    'metadata-only': Flags.boolean({
      description: "the guide's metadata-only snapshot: proves neither shard writes nor the backfill's read",
    }),
    region: Flags.string({description: "the bucket's AWS region (default: snapshot.s3.aws_region)"}),
    repository: Flags.string({description: 'name of the test repository (default: a fresh verify_<time>_<id>)'}),
    's3-client': Flags.string({
      description: "the nodes' S3 client whose keystore credentials the test repository uses (s3.client.NAME.*)",
    }),
    's3-endpoint': Flags.string({description: 'S3-compatible endpoint instead of AWS (default: snapshot.s3.endpoint)'}),
    'shard-path-type': Flags.string({
      description:
        "the test repository's shard_path_type (OpenSearch 3.x); FIXED keeps every shard file under the base path, where the backfill reads on S3 (default: the cluster's own, as `console snapshot create` registers)",
      options: ['FIXED', 'HASHED_PREFIX', 'HASHED_INFIX'],
    }),
  }
  static override summary =
    'Prove that the source cluster can write a snapshot to its repository, then remove every trace of the test.'

  public async run(): Promise<SnapshotVerifyJson> {
    const session = await this.openSession()
    const storage = await this.repositoryStorage(session)
    const cluster = await session.sourceCluster()
    const runId = newRunId()
    // The test repository goes below the base path: a name the layout uses would put it on the migration's files.
    const repository =
      checkedFlag(
        '--repository',
        this.flags.repository,
        (name) => repositoryNameProblem(name) ?? layoutNameProblem(name),
      ) ?? testRepositoryName(runId)
    const {backfillRelease} = await import('../../backfill/release.js')
    const request = {
      backfill: backfillRelease(this.flags['backfill-version']),
      clusterAuthKind: cluster.auth.kind,
      createBucket: this.flags['create-bucket'],
      keep: this.flags.keep,
      nodeS3Client: checkedFlag('--s3-client', this.flags['s3-client'], (name) =>
        /^[a-z0-9_-]+$/i.test(name) ? undefined : 'must be a client name: letters, digits, _ and -',
      ),
      repository,
      runId,
      shardData: this.shardData(),
      shardPathType: this.flags['shard-path-type'],
      snapshot: testSnapshotName(runId),
      storage,
    }

    if (this.flags['dry-run']) {
      const {verificationPlan} = await import('../../verify/plan.js')
      const commands = verificationPlan(request, cluster)
      this.log(`Would run (nothing is sent):\n${commands.map((command) => `  ${command}`).join('\n')}`)
      return this.envelope({command: 'snapshot verify', commands, dryRun: true, exitCode: 0} as const)
    }

    const {runVerification} = await import('../../verify/run.js')
    const report = await runVerification(
      request,
      {
        cluster: await session.clusterClient(),
        journal: this.journal(),
        locations: await session.locations(),
        signal: this.interruptSignal(),
      },
      await this.stepPrinter(),
    )
    return this.report(report)
  }

  /** S3 unless an fs path is given or the file says fs; each value from flag, file or prompt, the file's checked as used. */
  private async repositoryStorage(session: RunSession): Promise<RepositoryStorage> {
    const {services} = session
    const fromFile = services?.snapshot?.storage
    const fsPath = this.flags['fs-path']
    const s3Flags = ['bucket', 'region', 'base-path', 's3-endpoint'] as const
    if (fsPath !== undefined) {
      // Checked here rather than with oclif's `exclusive`, whose usage line would read as if the S3 flags excluded each other.
      const s3FlagsGiven = s3Flags.filter((flag) => this.flags[flag] !== undefined)
      if (s3FlagsGiven.length > 0)
        throw new UsageError(
          `--fs-path cannot be combined with ${s3FlagsGiven.map((flag) => `--${flag}`).join(', ')}: a repository is either on a shared filesystem or in S3`,
        )
      if (!fsPath.startsWith('/')) throw new UsageError(`--fs-path "${fsPath}": must be an absolute path`)
      if (/^\/+$/.test(fsPath))
        throw new UsageError(
          `--fs-path "${fsPath}": must be a directory below the nodes' path.repo, not the filesystem's root`,
        )
      return {kind: 'fs', path: fsPath.replace(/\/+$/, '')}
    }

    const s3FlagGiven = s3Flags.some((flag) => this.flags[flag] !== undefined)
    if (fromFile?.kind === 'gcs' && !s3FlagGiven)
      throw new UsageError(
        `${services!.file}: snapshot.gcs (${fromFile.repoUri}): this plugin verifies S3 and shared-filesystem repositories only; a GCS repository needs the repository-gcs plugin and its own credentials, which it cannot check`,
        [
          "use the console's own `console snapshot create` to test a GCS repository, or pass --bucket/--region (or --fs-path) to verify another one",
        ],
      )
    // Verify reads the location from this machine too: a relative path would be read against the working directory.
    if (fromFile?.kind === 'fs' && !s3FlagGiven)
      return {
        kind: 'fs',
        path: session.fileValue('snapshot.fs.repo_path', fromFile.path, (location) =>
          location.startsWith('/') ? undefined : 'must be an absolute path',
        ),
      }
    const fileS3 = s3StorageOf(services)
    const checked = fileS3 && {
      bucket: session.fileValue('snapshot.s3.repo_uri', fileS3.bucket, (bucket) => {
        if (bucket === '') return 'must name a bucket after s3://'
        // s3://user:secret@bucket: the part before @ may be a secret, so the value is not repeated.
        if (bucket.includes('@'))
          return 'must not carry credentials before the bucket (user:password@, not shown); give s3://<bucket>/<path> alone'
        const problem = bucketNameProblem(bucket)
        return problem && `names the bucket "${bucket}", which ${problem}`
      }),
      endpoint: session.fileValue('snapshot.s3.endpoint', fileS3.endpoint, (value) =>
        endpointProblem(value, {schemeOptional: true}),
      ),
      region: session.fileValue('snapshot.s3.aws_region', fileS3.region, regionProblem),
      roleArn: session.fileValue('snapshot.s3.role', fileS3.roleArn, (arn) =>
        /^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/.test(arn)
          ? undefined
          : 'must be an IAM role ARN (arn:aws:iam::<account>:role/<path/>name)',
      ),
    }
    const bucket = await session.resolveValue(
      checkedFlag('--bucket', this.flags.bucket, bucketNameProblem),
      checked?.bucket,
      {
        flag: '--bucket',
        message: 'S3 bucket for the test snapshot',
        problem: bucketNameProblem,
        what: 'the S3 bucket',
      },
    )
    const region = await session.resolveValue(
      checkedFlag('--region', this.flags.region, regionProblem),
      checked?.region,
      {
        defaultValue: process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION,
        flag: '--region',
        message: "The bucket's AWS region",
        problem: regionProblem,
        what: "the bucket's AWS region",
      },
    )
    const basePath = (this.flags['base-path'] ?? fileS3?.basePath ?? '').replaceAll(/^\/+|\/+$/g, '')
    const endpoint =
      checkedFlag('--s3-endpoint', this.flags['s3-endpoint'], (value) =>
        endpointProblem(value, {schemeOptional: true}),
      ) ?? checked?.endpoint
    return {basePath, bucket, endpoint, kind: 's3', region, roleArn: checked?.roleArn}
  }

  /** Which index's shard data the test snapshot copies, from the flags. */
  private shardData(): ShardDataChoice {
    const maxSize = checkedFlag('--max-index-size', this.flags['max-index-size'], byteSizeProblem)!
    if (this.flags['metadata-only']) return {mode: 'metadata-only'}
    if (this.flags['create-test-index']) return {mode: 'create'}
    const index = checkedFlag('--index', this.flags.index, (name) =>
      name.startsWith('.') ? undefined : indexNameProblem(name),
    )
    if (index) return {index, mode: 'index'}
    return {maxIndexBytes: parseByteSize(maxSize)!, mode: 'smallest'}
  }
}
