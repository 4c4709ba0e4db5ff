import type {FailureFacts} from './facts.js'
import type {DiagnosisContext, DiagnosisRule} from './rule.js'

import {bucketOf, GUIDE, has, s3Permissions, says} from './rule.js'
import {failedUpload, inHashedPrefix, isDenied} from './shard-data-rows.js'

/**
 * Failures the cluster pins on some of its nodes: each node writes with its own S3 client (its keystore,
 * its instance role), so one node's credentials can differ from the others'. The cluster names them: a
 * verification failure as `RemoteTransportException[[<name>]…`, a snapshot's shard failure by node id.
 */

const NAMED_IN_VERIFICATION = /RemoteTransportException\[\[([^\]]+)\]|not accessible on the node \[\{([^}]+)\}/g
const REJECTED_CREDENTIALS =
  /signature we calculated does not match|SignatureDoesNotMatch|InvalidAccessKeyId|Access Key Id you provided does not exist|security token included in the request is invalid|ExpiredToken|Unable to load (AWS )?credentials/i

const list = (names: string[]) =>
  names.length <= 1 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`

/** The node names a repository verification failure names (the cluster's `_verify` answer). */
export const nodesNamedInVerification = (text: string) =>
  [...new Set([...text.matchAll(NAMED_IN_VERIFICATION)].map((match) => match[1] ?? match[2]))].sort()

/** The nodes a failure names, and (where the cluster's nodes are known) the others, which passed. */
function nodesOf(facts: FailureFacts, context: DiagnosisContext = {}): {failed: string[]; passed: string[]} {
  const fromSnapshot = facts.details.failedNodes as string[] | undefined
  const failed = fromSnapshot ?? nodesNamedInVerification(facts.text)
  const passed =
    (facts.details.succeededNodes as string[] | undefined) ??
    (context.nodes ?? []).filter((node) => !failed.includes(node))
  return {failed: failed.sort(), passed: passed.sort()}
}

const verificationNamesNodes = (facts: FailureFacts) =>
  has(facts, 'repository_verification_exception') && nodesOf(facts).failed.length > 0
const snapshotSplitByNode = (facts: FailureFacts) =>
  facts.check === 'snapshot-not-successful' &&
  ((facts.details.failedNodes as string[] | undefined)?.length ?? 0) > 0 &&
  ((facts.details.succeededNodes as string[] | undefined)?.length ?? 0) > 0

const hashedPrefixes = (context: DiagnosisContext) =>
  context.engine?.distribution === 'opensearch' && Number(context.engine.version?.split('.')[0]) >= 3

/** "n3 <did what>, while n1 and n2 <did fine>: n3's credentials differ from the other nodes'." */
function whoFailed(facts: FailureFacts, context: DiagnosisContext, what: string, othersDid: string): string {
  const {failed, passed} = nodesOf(facts, context)
  if (passed.length === 0) return `${list(failed)} ${what}.`
  return `${list(failed)} ${what}, while ${list(passed)} ${othersDid}: ${list(failed)}'s credentials differ from the other nodes'.`
}

function keystoreFix(facts: FailureFacts, context: DiagnosisContext): string {
  const {failed} = nodesOf(facts, context)
  const client = context.s3Client ?? 'default'
  const tool = context.engine?.distribution === 'opensearch' ? 'opensearch-keystore' : 'elasticsearch-keystore'
  return `on ${list(failed)}, \`bin/${tool} add --force s3.client.${client}.access_key\` and \`bin/${tool} add --force s3.client.${client}.secret_key\` with the keys the other nodes hold, then \`POST _nodes/reload_secure_settings\`; or, where the nodes use an instance role, give ${list(failed)}'s instance the same role as the others`
}

/** What a node's policy must allow, for this version's layout (never a base-path policy where shard data goes under hashed prefixes). */
function policyFix(context: DiagnosisContext): string {
  return hashedPrefixes(context)
    ? `s3:PutObject, s3:GetObject and s3:DeleteObject on arn:aws:s3:::${bucketOf(context)}/* (OpenSearch 3.x writes shard data under hashed prefixes outside the base path: a policy on ${context.basePath ? `${context.basePath}/*` : 'the base path'} passes this check and fails the snapshot), or register the migration's repository with "shard_path_type": "FIXED"`
    : s3Permissions(context)
}

/** Most specific first; these go ahead of the cluster-wide rows, which would blame every node. */
export const NODE_ROWS = [
  {
    cause: (facts, context) =>
      whoFailed(
        facts,
        context,
        'has S3 credentials the store rejects (wrong or unknown keys)',
        'wrote their verification file',
      ),
    code: 'node-credentials-rejected',
    docs: GUIDE,
    matches: (facts) => verificationNamesNodes(facts) && says(facts, REJECTED_CREDENTIALS),
    remediation: (facts, context) => `Fix that node's credentials: ${keystoreFix(facts, context)}.`,
  },
  {
    cause: (facts, context) =>
      whoFailed(facts, context, `may not write to s3://${bucketOf(context)} (403 Access Denied)`, 'may'),
    code: 'node-write-denied',
    docs: GUIDE,
    matches: (facts) => verificationNamesNodes(facts) && isDenied(facts),
    remediation: (facts, context) =>
      `Give ${list(nodesOf(facts, context).failed)} what the others have: ${policyFix(context)}; the keys are ${keystoreFix(facts, context)}.`,
  },
  {
    cause: (facts, context) =>
      `${whoFailed(facts, context, `could not write ${failedUpload(facts)}, a shard file under a hashed prefix outside the base path`, 'wrote theirs')} The migration's snapshot would end PARTIAL the same way.`,
    code: 'node-hashed-prefix-denied',
    docs: GUIDE,
    matches: (facts) => snapshotSplitByNode(facts) && inHashedPrefix(failedUpload(facts)) && isDenied(facts),
    remediation: (facts, context) =>
      `Give ${list(nodesOf(facts, context).failed)} s3:PutObject, s3:GetObject and s3:DeleteObject on arn:aws:s3:::${bucketOf(context)}/* as the other nodes have (not only ${context.basePath ? `${context.basePath}/*` : 'the base path'}), or register the migration's repository with "shard_path_type": "FIXED"; its keys are ${keystoreFix(facts, context)}.`,
  },
  {
    cause: (facts, context) =>
      whoFailed(facts, context, `could not write its shard file ${failedUpload(facts) ?? ''}`, 'wrote theirs'),
    code: 'node-shard-write-denied',
    docs: GUIDE,
    matches: (facts) => snapshotSplitByNode(facts) && isDenied(facts),
    remediation: (facts, context) =>
      `Give ${list(nodesOf(facts, context).failed)} ${policyFix(context)}; its keys are ${keystoreFix(facts, context)}.`,
  },
] as const satisfies readonly DiagnosisRule[]
