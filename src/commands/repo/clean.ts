import {Flags} from '@oclif/core'

import {BaseCommand} from '../../base-command.js'
import {UsageError} from '../../errors.js'

export default class RepoClean extends BaseCommand<typeof RepoClean> {
  static override summary = 'Remove a snapshot repository and what it holds, in the only safe order.'
  static override description = `Every snapshot through the cluster, then the registration, then the objects left under the repository's path, then (only when asked, or when verify created it) the bucket. With no arguments it finishes what an interrupted \`console snapshot verify\` left.

Exit codes: 0 clean, 1 something could not be removed, 2 bad usage or configuration, 130 interrupted.`

  static override flags = {
    repository: Flags.string({description: 'registered repository to clean'}),
    force: Flags.boolean({description: 'allow cleaning a repository with snapshots verify did not make, or one at the bucket root'}),
    yes: Flags.boolean({char: 'y', description: 'do not ask for confirmation (required in scripted sessions)'}),
    'dry-run': Flags.boolean({description: 'list what would be deleted and touch nothing'}),
  }

  public async run(): Promise<void> {
    throw new UsageError('console repo clean is not implemented yet in this version of the plugin')
  }
}
