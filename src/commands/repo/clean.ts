// The flags entry alone: the rest of oclif's index (help, ux) is not loaded for a run.
import * as Flags from '@oclif/core/flags'

import type {RepoCleanJson} from '../../json-contract.js'

import {BaseCommand} from '../../base-command.js'
import {repositoryNameProblem} from '../../names.js'
import {type CleanEntry, cleanEntryProblem} from '../../repository/clean-run.js'
import {checkedFlag} from '../../session.js'

export default class RepoClean extends BaseCommand<typeof RepoClean> {
  static override description = `First a plan, read without changing anything: the repository's snapshots, its registration, and the files it owns — under its exact base path only what a snapshot repository writes there (index-N, index.latest, snap-/meta-*.dat, indices/, tests-*/, snapshot_shard_paths/) and OpenSearch's hashed shard paths <hash>/<base_path>/indices/ — then, once accepted, exactly that plan: the snapshots through the cluster, the registration, the files, and only with --delete-bucket the bucket. Any other object found there is reported and kept. --dry-run prints the plan with counts and changes nothing; a refusal or a "no" leaves no trace, the journal included.

It refuses (exit 2) when ownership is in doubt: another registered repository nested below or at the same place, a type other than s3 or fs, an fs location not strictly below the nodes' path.repo. A repository holding snapshots verify did not make (the migration's own) needs --force and its name as consent (typed back, or --confirm NAME); one at the bucket's root needs --force.

With no --repository it finishes what interrupted \`console snapshot verify\` runs left (their journal) and lists any verify_ test repositories still registered; --forget RUN_ID drops a journal entry that can no longer be finished.`
  static override examples = [
    {
      command: '<%= config.bin %> <%= command.id %>',
      description: 'Finish what interrupted verify runs left, and list other verify_ test repositories.',
    },
    {
      command: '<%= config.bin %> <%= command.id %> --repository verify_20261125142033_2qb0 --yes',
      description: 'In a script: remove a verify test repository and its files.',
    },
    {
      command: '<%= config.bin %> <%= command.id %> --repository migration_assistant_repo --force --dry-run',
      description: "See the plan for the migration's own repository, with object counts, and change nothing.",
    },
    {
      command:
        '<%= config.bin %> <%= command.id %> --repository migration_assistant_repo --force --confirm migration_assistant_repo',
      description: "In a script: remove the migration's own repository, naming it as consent.",
    },
  ]
  static override flags = {
    confirm: Flags.string({
      description:
        'the repository name, as consent to delete data verify did not make (what typing the name does interactively; --yes alone is not enough)',
    }),
    'delete-bucket': Flags.boolean({
      description: 'also delete the bucket once the repository is gone (it must then be empty)',
    }),
    'dry-run': Flags.boolean({description: 'show the plan with object counts and sizes, and change nothing'}),
    force: Flags.boolean({
      description: 'allow cleaning a repository with snapshots verify did not make, or one at the bucket root',
    }),
    forget: Flags.string({
      description: 'drop this journal entry (run id) without touching anything it names (repeatable)',
      exclusive: ['repository'],
      multiple: true,
    }),
    repository: Flags.string({description: 'registered repository to clean (default: finish interrupted verify runs)'}),
    yes: Flags.boolean({
      aliases: ['acknowledge-risk'],
      char: 'y',
      description:
        'do not ask for confirmation (required in scripted sessions); --acknowledge-risk, as the console spells it, is the same',
    }),
  }
  static override summary = 'Remove a snapshot repository and what it holds, in the only safe order.'

  public async run(): Promise<RepoCleanJson> {
    const dryRun = this.flags['dry-run']
    this.refuseUnconfirmedScriptedDeletion({confirmName: this.flags.confirm, dryRun, yes: this.flags.yes})
    const repository = checkedFlag('--repository', this.flags.repository, repositoryNameProblem)
    const session = await this.openSession()
    const request = {
      deleteBucket: this.flags['delete-bucket'],
      dryRun,
      force: this.flags.force,
      s3Fallback: session.s3Fallback,
    }
    const dependencies = {
      cleanJournal: this.journal<CleanEntry>('clean-journal.json', cleanEntryProblem),
      cluster: await session.clusterClient(),
      confirm: this.confirmer({confirmName: this.flags.confirm, yes: this.flags.yes}),
      locations: await session.locations(),
      onProgress: this.progress,
      signal: this.interruptSignal(),
    }
    const events = await this.stepPrinter()
    const report =
      repository === undefined
        ? await (
            await import('../../verify/interrupted-runs.js')
          ).cleanInterruptedRuns(
            {...request, forget: this.flags.forget},
            {...dependencies, verifyJournal: this.journal()},
            events,
          )
        : await (
            await import('../../repository/clean.js')
          ).cleanRepository({...request, repository}, dependencies, events)
    return this.report(report)
  }
}
