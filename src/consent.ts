import type {Prompter} from './prompts.js'

import {UsageError} from './errors.js'

/** What the user gave as consent on the command line. */
export interface ConsentFlags {
  /** --confirm NAME: the name of what is deleted, as typing it back does interactively. */
  confirmName?: string
  dryRun?: boolean
  /** --yes (or --acknowledge-risk). */
  yes: boolean
}

/** Asks for the domain's consent after it showed its plan; `typed` is the name that must be typed back. */
export type Confirm = (message: string, typed?: string) => Promise<boolean>

/**
 * The consent the domain asks for: yes/no, or, for the most destructive plans, the name of what is
 * deleted, typed back or given as --confirm NAME (--yes alone is not enough). Consent names the thing consented to.
 */
export function confirmer(prompter: Prompter, flags: ConsentFlags): Confirm {
  return async (message, typed) => {
    if (typed === undefined) {
      if (flags.yes || flags.confirmName !== undefined) return true
      return prompter.confirm({flag: '--yes', message})
    }

    if (flags.confirmName !== undefined) {
      if (flags.confirmName === typed) return true
      throw new UsageError(
        `--confirm "${flags.confirmName}" does not name ${typed}, which this would delete: nothing was deleted`,
        [`pass --confirm ${typed} if that is what you mean`],
      )
    }

    if (!prompter.interactive)
      throw new UsageError(
        `this deletes ${typed} with data verify did not make: pass --confirm ${typed} (--yes alone is not enough)`,
        [`add --confirm ${typed} to the command, or --dry-run to see the plan`],
      )
    const answer = await prompter.ask({
      flag: '--confirm',
      message: `${message}Type ${typed} to confirm`,
      problem: (value) => (value === typed ? undefined : `must be exactly "${typed}"`),
      what: 'the confirmation',
    })
    return answer === typed
  }
}

/** Deleting commands refuse at once in a scripted session without consent: nothing has been sent yet. */
export function refuseUnconfirmedScriptedDeletion(prompter: Prompter, flags: ConsentFlags): void {
  if (!flags.yes && flags.confirmName === undefined && !flags.dryRun && !prompter.interactive)
    throw new UsageError('refusing to delete without confirmation in a scripted session: pass --yes', [
      'add --yes to confirm, or --dry-run to see what would be deleted',
    ])
}
