import type {FailureFacts} from './facts.js'
import type {DiagnosisRule} from './rule.js'

import {HASHED_SHARD_SEGMENT} from '../snapshot-format/layout-keys.js'
import {bucketOf, GUIDE, repositoryOf, s3Permissions, says} from './rule.js'

/** The object a node could not upload, as the S3 plugin names it in a shard failure. */
export const UPLOAD_FAILED = /Unable to upload object \[([^\]]+)\]/
export const isDenied = (facts: FailureFacts) => says(facts, /Access ?Denied|Status Code: 403|\b403\b/)
export const failedUpload = (facts: FailureFacts) => UPLOAD_FAILED.exec(facts.text)?.[1]
const shardKey = (facts: FailureFacts) => String(facts.details.key ?? 'a shard file')

export const inHashedPrefix = (key: string | undefined) => HASHED_SHARD_SEGMENT.test(key?.split('/')[0] ?? '')

/** What a test snapshot with shard data and its read-back meet: most specific first, ahead of the other rows. */
export const SHARD_DATA_ROWS = [
  {
    cause: (facts, context) =>
      `The cluster could not write ${failedUpload(facts)} in s3://${bucketOf(context)}: OpenSearch 3.x writes shard data under hashed prefixes outside the base path (the repository setting shard_path_type, HASHED_PREFIX by default), and the nodes' policy allows only the base path. A metadata-only snapshot never goes there; the migration's snapshot does.`,
    code: 'cluster-hashed-prefix-denied',
    docs: GUIDE,
    matches: (facts) =>
      facts.check === 'snapshot-not-successful' && inHashedPrefix(failedUpload(facts)) && isDenied(facts),
    remediation: (facts, context) =>
      `Allow the nodes' role${context.roleArn ? ` (${context.roleArn})` : ''} s3:PutObject, s3:GetObject and s3:DeleteObject on arn:aws:s3:::${bucketOf(context)}/* (the whole bucket, not only ${context.basePath ? `${context.basePath}/*` : 'the base path'}), or register the migration's repository with "shard_path_type": "FIXED" so that every file stays under the base path.`,
  },
  {
    cause: (facts, context) =>
      `The cluster could not write the shard file ${failedUpload(facts)} in s3://${bucketOf(context)}: its credentials may write the repository's metadata but not its shard data.`,
    code: 'cluster-shard-write-denied',
    matches: (facts) =>
      facts.check === 'snapshot-not-successful' && failedUpload(facts) !== undefined && isDenied(facts),
    remediation: (facts, context) => `Give the nodes' role ${s3Permissions(context)}.`,
  },
  {
    cause: (facts) => `The test snapshot did not copy every shard; the cluster says: ${facts.reason}`,
    check: 'snapshot-not-successful',
    code: 'snapshot-shards-failed',
    remediation: (facts, context) =>
      `The reasons above are the cluster's own, shard by shard (\`GET _snapshot/${repositoryOf(context)}/${context.snapshot ?? '<snapshot>'}\` shows them again); its logs have the stack traces. The migration's snapshot would end the same way.`,
  },
  {
    cause: (facts) =>
      `The console's credentials could not read ${shardKey(facts)}: the backfill reads these shard files with the migration's role, and would fail the same way.`,
    code: 'console-shard-read-denied',
    docs: GUIDE,
    matches: (facts) => facts.check === 'shard-file-unreadable' && (facts.details.status === 403 || isDenied(facts)),
    remediation: (facts, context) =>
      `Give the console's and the backfill's role s3:GetObject on arn:aws:s3:::${bucketOf(context)}/* and s3:ListBucket on arn:aws:s3:::${bucketOf(context)}: on OpenSearch 3.x the shard files live under hashed prefixes outside the base path.`,
  },
  {
    cause: (facts) => `The console could not read ${shardKey(facts)}: ${facts.reason}`,
    check: 'shard-file-unreadable',
    code: 'shard-file-unreadable',
    remediation: () => "Check the console's network path and credentials for the store, then run verify again.",
  },
  {
    cause: (facts) =>
      `${shardKey(facts)} is listed by the shard metadata but is not in the repository: the backfill would fail on it.`,
    check: 'shard-file-missing',
    code: 'shard-file-missing',
    remediation: () =>
      'Something removes objects under the repository (a lifecycle rule, a cleanup job), or the cluster and the console look at different stores: check the endpoint and bucket on both sides.',
  },
  {
    cause: (facts) => `${shardKey(facts)} does not match what the shard metadata records: ${facts.reason}`,
    check: 'shard-file-corrupt',
    code: 'shard-file-corrupt',
    remediation: () =>
      'Something changed the file after the cluster wrote it (a sync tool, a proxy rewriting objects, a faulty store); find it before the migration, which would copy or fail on the same bytes.',
  },
] as const satisfies readonly DiagnosisRule[]
