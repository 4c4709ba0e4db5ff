import type {CheckName, FailureFacts} from './facts.js'

import {REPOSITORY_OUT_OF_SYNC} from '../cluster/snapshots.js'
import {BACKFILL_ROWS} from './backfill-rows.js'
import {BUCKET_RULE_ROWS} from './bucket-rule-rows.js'
import {CLUSTER_CONNECTION_ROWS} from './connection-rows.js'
import {consoleGrants, describeGrants} from './console-permissions.js'
import {MANAGED_SOURCE_ROWS} from './managed-rows.js'
import {NODE_ROWS} from './node-rows.js'
import {ROUTE_ROWS} from './route-rows.js'
import {
  bucketOf,
  type Diagnosis,
  type DiagnosisRule,
  GUIDE,
  has,
  regionOf,
  repositoryOf,
  S3_PLUGIN_DOCS,
  s3Permissions,
  says,
} from './rule.js'
import {S3_ANSWER_ROWS} from './s3-answer-rows.js'
import {SCOPE_ROWS} from './scope-rows.js'
import {SHARD_DATA_ROWS} from './shard-data-rows.js'

/**
 * Known failures, most specific first: the first row whose pattern matches explains the failure.
 * A new known failure is one row here and one fixture under test/fixtures.
 */
export const DIAGNOSES = [
  ...NODE_ROWS,
  ...BACKFILL_ROWS,
  ...BUCKET_RULE_ROWS,
  ...MANAGED_SOURCE_ROWS,
  ...S3_ANSWER_ROWS,
  ...SCOPE_ROWS,
  ...ROUTE_ROWS,
  ...SHARD_DATA_ROWS,
  {
    cause:
      'The S3 repository plugin on the nodes is too old to read IAM role credentials from instances that only allow IMDSv2 (instance metadata v2).',
    code: 'imds-v2-unsupported',
    docs: 'https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/configuring-IMDS-existing-instances.html',
    matches: (facts) =>
      has(facts, 'repository_verification_exception') && says(facts, /Unauthorized \(Service: null; Status Code: 401/),
    remediation: () =>
      'For the duration of the snapshot, allow IMDSv1 on every source node: `aws ec2 modify-instance-metadata-options --instance-id <instance-id> --http-tokens optional --http-endpoint enabled`; afterwards switch it back with `aws ec2 modify-instance-metadata-options --instance-id <instance-id> --http-tokens required`.',
  },
  {
    cause: "The Migration Assistant CDK deployment's snapshot role is not allowed to use the bucket.",
    code: 'cdk-snapshot-role-denied',
    docs: GUIDE,
    matches: (facts) =>
      says(facts, /SnapshotRole|CustomS3AutoDeleteObjects/) && says(facts, /Access ?Denied|not authorized|403/i),
    remediation: (facts, context) =>
      `Give OSMigrations-<stage>-<region>-default-SnapshotRole ${s3Permissions(context)}, and make sure the OSMigrations-<stage>-<region>-CustomS3AutoDeleteObjects stack may delete objects.`,
  },
  {
    cause:
      'A snapshot with this name is still in the repository index; usually its files were deleted outside the migration console, so the index points at files that are gone.',
    code: 'snapshot-name-conflict',
    docs: GUIDE,
    // Elasticsearch 8 names it snapshot_name_already_in_use_exception; earlier versions and OpenSearch invalid_snapshot_name_exception.
    matches: (facts) =>
      (has(facts, 'invalid_snapshot_name_exception') && says(facts, /already exists/)) ||
      has(facts, 'snapshot_name_already_in_use_exception'),
    remediation: (facts, context) =>
      `Delete it through the cluster: \`console snapshot delete --repository ${repositoryOf(context)} --snapshot ${context.snapshot ?? '<snapshot>'}\`; if that reports missing files, \`console repo clean --repository ${repositoryOf(context)}\` and register the repository again.`,
  },
  {
    cause:
      "The repository's files were changed outside the cluster (deleted or rewritten by hand), so the cluster disabled it.",
    code: 'repository-out-of-sync',
    matches: (facts) => says(facts, REPOSITORY_OUT_OF_SYNC),
    remediation: (facts, context) =>
      `Register it again so the cluster re-reads its real state: \`console snapshot delete --repository ${repositoryOf(context)} --snapshot <name>\` does this by itself, or \`console repo clean --repository ${repositoryOf(context)}\` removes it entirely.`,
  },
  {
    cause:
      'The cluster accepted the deletion but still lists the snapshot: it is still being deleted, or the deletion is stuck.',
    check: 'snapshot-still-listed',
    code: 'snapshot-still-listed',
    remediation: (facts, context) =>
      `Watch \`GET _snapshot/${repositoryOf(context)}/_current\` and the cluster's logs, then run the command again.`,
  },
  {
    cause:
      "The cluster no longer lists the snapshot, but the repository's newest index-N in the bucket still does: the cluster and the console are not looking at the same files.",
    check: 'snapshot-still-in-bucket',
    code: 'snapshot-still-in-bucket',
    remediation: () =>
      "Check that the registration's bucket, base_path and endpoint are the ones the console reads, and that nothing else writes to that path.",
  },
  {
    cause: 'Another snapshot or snapshot deletion is running on the cluster.',
    code: 'snapshot-running',
    matches: (facts) => has(facts, 'concurrent_snapshot_execution_exception'),
    remediation: () => 'Wait until `GET _snapshot/_status` shows no running snapshot, then run the command again.',
  },
  {
    cause(facts) {
      const nodes = facts.details.nodes as string[] | undefined
      return nodes?.length
        ? `The repository-s3 plugin is missing on ${nodes.length} node(s): ${nodes.join(', ')}.`
        : 'The cluster does not know the s3 repository type: the repository-s3 plugin is not installed.'
    },
    check: 'plugin-missing',
    code: 's3-plugin-missing',
    docs: S3_PLUGIN_DOCS,
    matches: (facts) =>
      has(facts, 'repository_exception') &&
      says(facts, /unknown \[s3\] repository type|repository type \[s3\] does not exist/),
    remediation: () =>
      'Install it on every node (`bin/elasticsearch-plugin install repository-s3`, or `bin/opensearch-plugin install repository-s3`), give it credentials (IAM role or keystore), and restart the nodes one at a time.',
  },
  {
    cause: 'The fs repository location is not listed in path.repo on the nodes.',
    code: 'path-repo-not-set',
    matches: (facts) =>
      has(facts, 'repository_exception') && says(facts, /doesn't match any of the locations specified by path\.repo/),
    remediation: () =>
      'Add the location to `path.repo` in elasticsearch.yml / opensearch.yml on every node (a path shared by all of them) and restart the nodes.',
  },
  {
    cause: (facts, context) =>
      `The bucket ${bucketOf(context)} is in ${String(facts.details.bucketRegion ?? 'another region')}, not in ${regionOf(context)} as configured.`,
    check: 'bucket-elsewhere',
    code: 'bucket-region-mismatch',
    matches: (facts) =>
      facts.source !== 'check' &&
      says(facts, /PermanentRedirect|Status Code: 301|AuthorizationHeaderMalformed|region '?[a-z0-9-]+'? is wrong/),
    remediation: (facts) =>
      `Set snapshot.s3.aws_region (or --region) to ${String(facts.details.bucketRegion ?? "the bucket's region")}, or use a bucket in the configured region.`,
  },
  {
    cause: (facts, context) =>
      context.bucket ? `The bucket ${context.bucket} does not exist.` : 'The bucket does not exist.',
    check: 'bucket-absent',
    code: 'bucket-missing',
    matches: (facts) => says(facts, /NoSuchBucket|specified bucket does not exist/),
    remediation: (facts, context) =>
      context.command === undefined || context.command === 'snapshot verify'
        ? `Create it: run again with --create-bucket, or \`aws s3api create-bucket --bucket ${bucketOf(context)} --region ${regionOf(context)}${regionOf(context) === 'us-east-1' ? '' : ` --create-bucket-configuration LocationConstraint=${regionOf(context)}`}\`.`
        : `The repository's bucket${context.bucket ? ` ${context.bucket}` : ''} is gone, so it holds no files to remove; check that the repository's bucket and endpoint (and snapshot.s3 in the services file) name the store you mean.`,
  },
  {
    cause: (facts, context) =>
      `The console's credentials may not use the bucket ${bucketOf(context)}: it belongs to another account, or the console's role lacks access.`,
    check: 'bucket-forbidden',
    code: 'bucket-forbidden',
    docs: GUIDE,
    remediation: (facts, context) =>
      `Use the bucket Migration Assistant created, or give the console's role every permission verify uses: ${describeGrants(consoleGrants(context))} (and check the bucket policy).`,
  },
  {
    cause: 'The bucket is encrypted with a KMS key that the caller may not use.',
    code: 'kms-access-denied',
    matches: (facts) => says(facts, /KMS|kms:/),
    remediation: () =>
      "Allow kms:GenerateDataKey and kms:Decrypt on the bucket's key for the cluster's role (and the console's), or use a bucket with S3-managed encryption.",
  },
  {
    cause: (facts) =>
      `The S3 store at ${String(facts.details.endpoint ?? 'the configured endpoint')} did not answer ${facts.request ?? 'the request'} in time, on any attempt.`,
    code: 's3-no-answer',
    matches: (facts) => facts.source === 's3' && (facts.name === 'TimeoutError' || says(facts, /\bETIMEDOUT\b/)),
    remediation: (facts) =>
      `Check that ${String(facts.details.endpoint ?? 'the endpoint')} is the S3 endpoint meant (snapshot.s3.endpoint), that the store there is running and not overloaded, and the network path from the console (proxies, security groups); \`curl -v ${String(facts.details.endpoint ?? '<endpoint>')}\` shows whether it answers at all.`,
  },
  {
    cause: 'S3 throttled the requests (503 SlowDown) and retries did not get through.',
    code: 's3-slow-down',
    matches: (facts) => facts.name === 'SlowDown' || says(facts, /SlowDown|Status Code: 503/),
    remediation: () =>
      'Run the command again in a few minutes; if it persists, spread snapshot work over time or use a prefix with less traffic.',
  },
  {
    cause: "The S3 credentials on the cluster's nodes are wrong or missing.",
    code: 'cluster-s3-credentials',
    matches: (facts) =>
      facts.source === 'cluster' &&
      says(facts, /InvalidAccessKeyId|SignatureDoesNotMatch|Status Code: 401|Unable to load (AWS )?credentials/),
    remediation: () =>
      "Check s3.client.default.access_key / secret_key in the nodes' keystore (then POST _nodes/reload_secure_settings), or the IAM role of the instances.",
  },
  {
    cause: (facts, context) =>
      `The cluster's nodes may not write to s3://${bucketOf(context)}, while the console's own credentials can: the problem is the nodes' IAM role or keystore credentials, not the bucket.`,
    code: 'cluster-s3-access-denied',
    docs: GUIDE,
    matches: (facts) => facts.source === 'cluster' && says(facts, /Access Denied|AccessDenied|Status Code: 403/),
    remediation: (facts, context) =>
      `Give the role the nodes use${context.roleArn ? ` (${context.roleArn})` : ''} ${s3Permissions(context)}; or put working keys into the keystore (s3.client.default.access_key / secret_key) and reload secure settings.`,
  },
  {
    cause: "The cluster's nodes cannot reach the S3 endpoint.",
    code: 'cluster-cannot-reach-s3',
    matches: (facts) =>
      facts.source === 'cluster' && says(facts, /Unable to execute HTTP request|Connect to .* failed|UnknownHost/i),
    remediation: () =>
      "Check the nodes' network path to S3 (VPC endpoint, NAT, proxy) and s3.client.default.endpoint / protocol.",
  },
  {
    cause: "The cluster's nodes cannot write to the repository location.",
    code: 'repository-not-writable',
    matches: (facts) => has(facts, 'repository_verification_exception'),
    remediation: (facts, context) =>
      `Check the nodes' credentials and permissions for the repository (${s3Permissions(context)} for S3, or write access to the shared path for fs).`,
  },
  {
    cause: (facts, context) => `The repository ${repositoryOf(context)} is not registered on the cluster.`,
    code: 'repository-missing',
    matches: (facts) => has(facts, 'repository_missing_exception'),
    remediation: () =>
      'Check the name with `GET _snapshot`, or register it (`console snapshot verify --keep` registers a test repository).',
  },
  ...CLUSTER_CONNECTION_ROWS,
  {
    cause: (facts, context) =>
      `The console's own AWS credentials may not ${facts.request ?? 'use'} in s3://${bucketOf(context)}.`,
    code: 'console-s3-access-denied',
    matches: (facts) => facts.source === 's3' && (facts.status === 403 || facts.name === 'AccessDenied'),
    remediation: (facts, context) =>
      `Give the console's role every permission verify uses: ${describeGrants(consoleGrants(context))}. (The backfill itself needs only s3:ListBucket and s3:GetObject.)`,
  },
  {
    cause: "The console's AWS credentials are missing, wrong or expired.",
    code: 'console-s3-credentials',
    matches: (facts) =>
      (facts.source === 's3' && /InvalidAccessKeyId|SignatureDoesNotMatch|ExpiredToken/.test(facts.name ?? '')) ||
      facts.name === 'CredentialsProviderError',
    remediation: () =>
      "Check AWS_PROFILE / AWS_ACCESS_KEY_ID or the console's task role; `aws sts get-caller-identity` shows who the console is.",
  },
  {
    cause: (facts, context) => `S3 refuses the bucket name ${bucketOf(context)}.`,
    code: 'invalid-bucket-name',
    matches: (facts) => facts.name === 'InvalidBucketName',
    remediation: () =>
      'Bucket names are 3-63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit.',
  },
  {
    cause: (facts) => `The cluster reported success, but the repository does not hold the snapshot: ${facts.reason}`,
    code: 'snapshot-not-in-bucket',
    matches: (facts) => facts.source === 'other' && facts.name === 'SnapshotNotInRepositoryError',
    remediation: () =>
      'Check that the cluster and the console point at the same bucket and endpoint (snapshot.s3.endpoint, s3.client.default.endpoint on the nodes), and that nothing deletes objects under the base path.',
  },
] as const satisfies readonly DiagnosisRule[]

type ExplainedCheck = Extract<(typeof DIAGNOSES)[number], {check: CheckName}>['check']
/** Compiles only while every check name has its row above. */
export const EVERY_CHECK_EXPLAINED: [Exclude<CheckName, ExplainedCheck>] extends [never] ? true : never = true

export function unknownDiagnosis(facts: FailureFacts): Diagnosis {
  return {
    cause: facts.reason,
    code: 'unknown',
    remediation: facts.request
      ? `The request that failed was ${facts.request}; run with DEBUG=console:* for details, and check the cluster's logs for the same time.`
      : 'Run with DEBUG=console:* for details.',
  }
}
