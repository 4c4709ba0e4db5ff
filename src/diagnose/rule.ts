import type {CheckName, FailureFacts} from './facts.js'

/** What the run was working on, so remediations can name the real bucket, repository and region. */
export interface DiagnosisContext {
  basePath?: string
  bucket?: string
  clusterEndpoint?: string
  /** The command that ran, so a remediation suggests only what that command offers. */
  command?: 'repo clean' | 'snapshot delete' | 'snapshot verify'
  /** The run creates (and afterwards deletes) the bucket. */
  createBucket?: boolean
  /** The cluster's distribution and version, when known: remedies differ (OpenSearch 3.x writes shard data under hashed prefixes). */
  engine?: {distribution?: string; version?: string}
  /** Every node of the cluster by name, when known: a failure naming some of them says which others passed. */
  nodes?: string[]
  region?: string
  repository?: string
  roleArn?: string
  /** The nodes' named S3 client (s3.client.NAME.*) the repository uses. */
  s3Client?: string
  snapshot?: string
}

export interface Diagnosis {
  cause: string
  code: string
  docs?: string
  remediation: string
}

export type Text = ((facts: FailureFacts, context: DiagnosisContext) => string) | string

export interface DiagnosisRule {
  cause: Text
  /** The failed check this row explains (a CheckFailure of that name), besides what `matches` finds. */
  check?: CheckName
  code: string
  docs?: string
  matches?: (facts: FailureFacts) => boolean
  remediation: Text
}

/** Whether a row explains the failure: its check, or its pattern over the error. */
export const ruleMatches = (rule: DiagnosisRule, facts: FailureFacts): boolean =>
  (rule.check !== undefined && rule.check === facts.check) || (rule.matches?.(facts) ?? false)

export const GUIDE =
  'https://opensearch.org/docs/latest/migration-assistant/migration-phases/deploy/verifying-backfill-components/'
export const S3_PLUGIN_DOCS = 'https://www.elastic.co/guide/en/elasticsearch/plugins/7.10/repository-s3.html'

export const has = (facts: FailureFacts, type: string) => facts.types.includes(type)
export const says = (facts: FailureFacts, pattern: RegExp) => pattern.test(facts.text)
export const bucketOf = (context: DiagnosisContext) => context.bucket ?? '<bucket>'
export const regionOf = (context: DiagnosisContext) => context.region ?? '<region>'
export const repositoryOf = (context: DiagnosisContext) => context.repository ?? '<repository>'

export function s3Permissions(context: DiagnosisContext): string {
  const objects = `arn:aws:s3:::${bucketOf(context)}/${context.basePath ? `${context.basePath}/` : ''}*`
  return `s3:ListBucket on arn:aws:s3:::${bucketOf(context)}, and s3:GetObject, s3:PutObject, s3:DeleteObject on ${objects}`
}
