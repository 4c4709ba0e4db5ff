import type {DiagnosisRule} from './rule.js'

import {bucketOf} from './rule.js'

/** The bucket's own configuration stops the migration's snapshot (or this test's cleanup). */
export const BUCKET_RULE_ROWS = [
  {
    cause: (facts, context) =>
      `A rule of s3://${bucketOf(context)} itself would break the migration's snapshot: ${facts.reason}.`,
    check: 'bucket-rules',
    code: 'bucket-rule',
    docs: 'https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lifecycle-mgmt.html',
    remediation: (facts, context) =>
      `Change the rule named above for the repository's prefixes (${context.basePath ? `${context.basePath}/ and <hash>/${context.basePath}/` : 'the whole bucket'}), or use a bucket without it; verify checked it before writing anything.`,
  },
] as const satisfies readonly DiagnosisRule[]
