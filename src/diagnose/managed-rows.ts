import type {DiagnosisRule} from './rule.js'

import {says} from './rule.js'

const MANUAL_SNAPSHOTS =
  'https://docs.aws.amazon.com/opensearch-service/latest/developerguide/managedomains-snapshot-registerdirectory.html'

/**
 * A managed source (Amazon OpenSearch Service / Elasticsearch Service, signed with sigv4): it registers an
 * S3 repository only with role_arn, passed by a caller allowed iam:PassRole on that role; its cs-automated
 * repositories are the service's. Each row follows the service's documented answer.
 */
export const MANAGED_SOURCE_ROWS = [
  {
    cause:
      'The domain uses fine-grained access control and the request reached it as "anonymous" for the PassRole check: the IAM identity that signs it is not mapped to a role allowed to manage snapshots.',
    code: 'managed-passrole-anonymous',
    docs: MANUAL_SNAPSHOTS,
    matches: (facts) => says(facts, /anonymous is not authorized to perform: iam:PassRole/),
    remediation:
      "In OpenSearch Dashboards (Security, Roles), map the manage_snapshots role to the IAM role or user the console signs with, then run again with sigv4 (the services file's source_cluster.sigv4).",
  },
  {
    cause: (facts) =>
      `The identity the console signs with may not pass the snapshot role to the service (iam:PassRole): ${facts.reason}`,
    code: 'managed-passrole-denied',
    docs: MANUAL_SNAPSHOTS,
    matches: (facts) => says(facts, /is not authorized to perform: iam:PassRole/),
    remediation: (facts, context) =>
      `Allow the console's identity iam:PassRole on ${context.roleArn ?? 'the snapshot role (snapshot.s3.role)'} and es:ESHttpPut on the domain; the role itself must trust es.amazonaws.com and allow s3:ListBucket, s3:GetObject, s3:PutObject, s3:DeleteObject on the bucket.`,
  },
  {
    cause:
      'A managed domain registers an S3 repository only with role_arn (the IAM role the service assumes to write the bucket), and none was sent.',
    code: 'managed-role-arn-missing',
    docs: MANUAL_SNAPSHOTS,
    matches: (facts) => says(facts, /role_arn/i) && says(facts, /required|missing|must be (set|provided)/i),
    remediation:
      "Set snapshot.s3.role in the services file to the snapshot role's ARN (a role that trusts es.amazonaws.com and may use the bucket); `console snapshot create` and verify then send it as role_arn.",
  },
  {
    cause: (facts) =>
      `The request named one of the service's own repositories (cs-automated, cs-automated-enc): they hold the domain's automated snapshots and are the service's to manage. ${facts.reason}`,
    code: 'managed-service-repository',
    docs: MANUAL_SNAPSHOTS,
    matches: (facts) => says(facts, /\bcs-automated/),
    remediation:
      'Use a repository of your own for the migration (registered with role_arn); the service takes and deletes automated snapshots itself, and this plugin never deletes from a cs- repository.',
  },
] as const satisfies readonly DiagnosisRule[]
