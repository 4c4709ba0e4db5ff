import type {VerifyContext} from './context.js'

import {absentAncestors} from '../storage/fs-ancestors.js'
import {testFiles} from './cleanup.js'

/** fs: the directories above the test location that registering it will make (none for S3, which has no directories). */
export async function directoriesTheRegistrationMakes(context: VerifyContext): Promise<string[] | undefined> {
  const files = await testFiles(context)
  // Where the console does not see the nodes' mount, cleanup finds none of them here and leaves them be.
  if (files.identity.kind !== 'fs') return undefined
  const absent = await absentAncestors(files.identity.directory)
  return absent.length > 0 ? absent : undefined
}
