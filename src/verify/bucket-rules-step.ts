import type {Bucket} from '../location/files.js'
import type {VerifyContext} from './context.js'

import {addressingNote} from '../backfill/addressing.js'
import {CheckFailure} from '../diagnose/index.js'
import {judgeBucketRules} from './bucket-rules.js'

/**
 * The bucket step's second half, before anything is written: read the bucket's own rules with the
 * console's credentials and fail on one that breaks the migration's snapshot or this test's cleanup.
 */
export async function checkBucketRules(context: VerifyContext, bucket: Bucket): Promise<string> {
  const config = await bucket.readConfig()
  const findings = judgeBucketRules(config, {basePath: context.location.facts.basePath ?? '', keep: context.keep})
  context.bucketFindings = findings
  const addressing = context.backfill && (await addressingNote(context.backfill.entry, bucket.name, bucket.endpoint))
  if (addressing) context.notes.push(addressing)
  const failed = findings.filter((finding) => finding.level === 'fail')
  if (failed.length > 0)
    throw new CheckFailure('bucket-rules', failed.map((finding) => finding.text).join('; '), {
      rules: failed.map((finding) => finding.rule),
    })
  const count = (level: string) => findings.filter((finding) => finding.level === level).length
  const unread = findings.filter((finding) => finding.level === 'not-checked').map((finding) => finding.rule)
  return `bucket rules: none stops the migration (${count('warn')} warning(s), ${count('note')} note(s)${unread.length > 0 ? `; not checked: ${unread.join(', ')}` : ''})`
}
