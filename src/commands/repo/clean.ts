import {Flags} from '@oclif/core'

import {BaseCommand, checkedFlag} from '../../base-command.js'
import {clusterNameProblem} from '../../names.js'
import type {CleanEntry} from '../../repository/clean.js'

export default class RepoClean extends BaseCommand<typeof RepoClean> {
  static override summary = 'Remove a snapshot repository and what it holds, in the only safe order.'
  static override description = `Every snapshot through the cluster, then the registration, then the objects left under the repository's path (with OpenSearch 3's hashed shard paths, and every version in a versioned bucket), then, only with --delete-bucket, the bucket. Nothing outside the repository's path is deleted.

With no --repository it finishes what interrupted \`console snapshot verify\` runs left (their journal) and lists any verify_ test repositories still registered. A repository holding snapshots verify did not make (the migration's own) needs --force and the repository's name typed back; one at the bucket's root needs --force.

Exit codes: 0 clean, 1 something could not be removed, 2 bad usage, a refusal or no --yes in a scripted session, 130 interrupted.`

  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --repository verify_20261125142033_2qb0 --yes',
    '<%= config.bin %> <%= command.id %> --repository migration_assistant_repo --force --dry-run',
  ]

  static override flags = {
    repository: Flags.string({description: 'registered repository to clean (default: finish interrupted verify runs)'}),
    force: Flags.boolean({description: 'allow cleaning a repository with snapshots verify did not make, or one at the bucket root'}),
    'delete-bucket': Flags.boolean({description: 'also delete the bucket once the repository is gone (it must then be empty)'}),
    yes: Flags.boolean({char: 'y', description: 'do not ask for confirmation (required in scripted sessions)'}),
    'dry-run': Flags.boolean({description: 'list what would be deleted (counts and sizes) and touch nothing'}),
  }

  public async run(): Promise<void> {
    const dryRun = this.flags['dry-run']
    this.refuseUnconfirmedScriptedDeletion({yes: this.flags.yes, dryRun})
    const repository = checkedFlag('--repository', this.flags.repository, (name) => clusterNameProblem(name))
    const services = await this.services()
    const cluster = await this.clusterClient(await this.sourceCluster(services), services)
    const fileStorage = services?.snapshot?.storage
    const {cleanRepository} = await import('../../repository/clean.js')
    const report = await cleanRepository(
      {repository, force: this.flags.force, dryRun, deleteBucket: this.flags['delete-bucket'], s3Fallback: fileStorage?.kind === 's3' ? fileStorage : undefined},
      {
        cluster,
        s3: this.s3Clients(services),
        confirm: this.confirmer(this.flags.yes),
        verifyJournal: this.journal(),
        cleanJournal: this.journal<CleanEntry>('clean-journal.json'),
        signal: this.interruptSignal(),
        onProgress: this.progress(),
      },
      await this.stepPrinter(),
    )
    await this.report(report)
  }
}
