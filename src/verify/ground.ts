import type {VerifyContext} from './context.js'

import {ClusterRequestError} from '../cluster/client.js'
import {testFiles} from './cleanup.js'

/** fs: the directories above the test location that registering it will make (none for S3, which has no directories). */
export async function directoriesTheRegistrationMakes(context: VerifyContext): Promise<string[] | undefined> {
  const {directories} = await testFiles(context)
  // Where the console does not see the nodes' mount, cleanup finds none of them here and leaves them be.
  if (!directories) return undefined
  const absent = await directories.absentAbove()
  return absent.length > 0 ? absent : undefined
}

/**
 * Sends the registration with the journal saying whether the cluster answered it: one sent and never answered
 * (the connection cut, every attempt timed out) may still be carried out after the run, so cleanup names it
 * instead of calling an absent registration removed.
 */
export async function registerRecordingAnswer(context: VerifyContext, register: () => Promise<void>): Promise<void> {
  const entry = context.journalEntry
  entry.registrationAnswered = false
  await context.journal.record(entry)
  try {
    await register()
  } catch (error) {
    if (error instanceof ClusterRequestError && error.status !== undefined) {
      entry.registrationAnswered = true
      await context.journal.record(entry)
    }

    throw error
  }

  entry.registrationAnswered = true
  await context.journal.record(entry)
}
