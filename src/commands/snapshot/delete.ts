import {Flags} from '@oclif/core'

import {BaseCommand} from '../../base-command.js'
import {UsageError} from '../../errors.js'

export default class SnapshotDelete extends BaseCommand<typeof SnapshotDelete> {
  static override summary = "Delete snapshots through the cluster, so the repository's index never points at missing files."
  static override description = `Deletes the migration's snapshot (snapshot.snapshot_name in snapshot.snapshot_repo_name), or the ones named with --snapshot, through DELETE _snapshot/<repo>/<snap>.

Exit codes: 0 deleted or already gone, 1 a deletion failed, 2 bad usage or configuration, 130 interrupted.`

  static override flags = {
    snapshot: Flags.string({description: 'snapshot to delete (repeatable; wildcards as the cluster accepts them)', multiple: true}),
    repository: Flags.string({description: 'repository holding it (default: snapshot.snapshot_repo_name, else migration_assistant_repo)'}),
    yes: Flags.boolean({char: 'y', description: 'do not ask for confirmation (required in scripted sessions)'}),
    'dry-run': Flags.boolean({description: 'show what would be deleted and touch nothing'}),
  }

  public async run(): Promise<void> {
    throw new UsageError('console snapshot delete is not implemented yet in this version of the plugin', [
      'delete through the cluster: curl -X DELETE "<endpoint>/_snapshot/<repository>/<snapshot>"',
    ])
  }
}
