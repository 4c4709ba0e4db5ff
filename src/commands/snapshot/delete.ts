// The flags entry alone: the rest of oclif's index (help, ux) is not loaded for a run.
import * as Flags from '@oclif/core/flags'

import type {SnapshotDeleteJson} from '../../json-contract.js'

import {BaseCommand} from '../../base-command.js'
import {repositoryNameProblem, snapshotNameProblem} from '../../names.js'
import {DEFAULT_REPOSITORY_NAME} from '../../services/model.js'
import {checkedFlag} from '../../session.js'

export default class SnapshotDelete extends BaseCommand<typeof SnapshotDelete> {
  static override description = `First a plan, read without changing anything: the exact snapshots the names or patterns match (the migration's snapshot.snapshot_name in snapshot.snapshot_repo_name by default), which are still running, and whether the repository's files changed outside the cluster. --dry-run prints it; the confirmation shows it. Once accepted: the repository is registered again if the plan says so (restored as it was if that fails), the exact names are deleted through DELETE _snapshot/<repo>/<snap>, the command waits until the cluster no longer lists them, and for an S3 repository reads the bucket's newest index-N to confirm they are gone there too. A snapshot that is already gone, or whose repository is not registered, is reported as already gone (exit 0), so a cleanup script can run twice. It never deletes an object in the store itself.`
  static override examples = [
    {
      command: '<%= config.bin %> <%= command.id %>',
      description: "Delete the migration's snapshot named in the services file (after showing the plan and asking).",
    },
    {
      command:
        '<%= config.bin %> <%= command.id %> --repository migration_assistant_repo --snapshot rfs-snapshot --yes',
      description: 'In a script: delete one named snapshot of a named repository.',
    },
    {
      command: "<%= config.bin %> <%= command.id %> --snapshot 'verify_snapshot_*' --dry-run",
      description: 'Show which test snapshots a pattern matches, and delete nothing.',
    },
  ]
  static override flags = {
    'dry-run': Flags.boolean({description: 'show what would be deleted and touch nothing'}),
    repository: Flags.string({
      description: `repository holding it (default: snapshot.snapshot_repo_name, else ${DEFAULT_REPOSITORY_NAME})`,
    }),
    snapshot: Flags.string({
      description:
        'snapshot to delete (repeatable; wildcards as the cluster accepts them); default: snapshot.snapshot_name',
      multiple: true,
    }),
    yes: Flags.boolean({
      aliases: ['acknowledge-risk'],
      char: 'y',
      description:
        'do not ask for confirmation (required in scripted sessions); --acknowledge-risk, as the console spells it, is the same',
    }),
  }
  static override summary =
    "Delete snapshots through the cluster, so the repository's index never points at missing files."

  public async run(): Promise<SnapshotDeleteJson> {
    const dryRun = this.flags['dry-run']
    this.refuseUnconfirmedScriptedDeletion({dryRun, yes: this.flags.yes})
    const session = await this.openSession()
    const {services} = session
    const repository =
      checkedFlag('--repository', this.flags.repository, repositoryNameProblem) ??
      (services?.snapshot
        ? session.fileValue('snapshot.snapshot_repo_name', services.snapshot.repositoryName, repositoryNameProblem)
        : DEFAULT_REPOSITORY_NAME)
    for (const name of this.flags.snapshot ?? [])
      checkedFlag('--snapshot', name, (value) => snapshotNameProblem(value, {allowWildcard: true}))
    const snapshots = this.flags.snapshot ?? [
      await session.resolveValue(
        undefined,
        services?.snapshot &&
          session.fileValue('snapshot.snapshot_name', services.snapshot.snapshotName, (name) =>
            snapshotNameProblem(name),
          ),
        {
          flag: '--snapshot',
          message: 'Snapshot to delete',
          problem: (value) => snapshotNameProblem(value, {allowWildcard: true}),
          what: 'the snapshot to delete',
        },
      ),
    ]
    const cluster = await session.clusterClient()
    const {deleteSnapshotsThroughCluster} = await import('../../repository/delete-snapshots.js')
    const report = await deleteSnapshotsThroughCluster(
      {dryRun, repository, s3Fallback: session.s3Fallback, snapshots},
      {
        cluster,
        confirm: this.confirmer({yes: this.flags.yes}),
        locations: await session.locations(),
        onProgress: this.progress,
        signal: this.interruptSignal(),
      },
      await this.stepPrinter(),
    )
    return this.report(report)
  }
}
