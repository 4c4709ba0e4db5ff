import {z} from 'zod'

import {endpointProblem, regionProblem} from '../names.js'
import {isYamlDate} from './pyyaml.js'

/**
 * The services file as the migration console accepts it (its Cerberus schemas in console_link/models:
 * cluster.py, snapshot.py, client_options.py). Shapes and types only, plus the few rules every command
 * of this plugin depends on (the source cluster it talks to). A value only some command uses is checked
 * by that command (see the commands), so a field a command does not use never stops it.
 */

/** Adds the rule a name-check function reports as a zod issue, so every rule has one wording. */
function ruleOf(problem: (value: string) => string | undefined) {
  return (value: string, context: z.RefinementCtx) => {
    const message = problem(value)
    if (message) context.addIssue({code: 'custom', message})
  }
}

const describeValue = (value: unknown) =>
  value === null
    ? 'null (empty)'
    : isYamlDate(value)
      ? `the date ${value.text} (YAML 1.1, as the console reads it, makes it a date: quote it, "${value.text}", for a string)`
      : Array.isArray(value)
        ? 'a list'
        : typeof value === 'object'
          ? 'a mapping'
          : `the ${typeof value} ${typeof value === 'string' ? JSON.stringify(value) : String(value)}`
/** "is required" only when the field is missing; a value of another type is named as such. */
const requiredText = (issue: {input: unknown}) =>
  issue.input === undefined ? 'is required' : `must be a string, not ${describeValue(issue.input)}`
const optionalText = (issue: {input: unknown}) => `must be a string, not ${describeValue(issue.input)}`
const text = () => z.string({error: optionalText})
/** A secret's value (a password, a secret's ARN or name) is never repeated in a message: only its kind. */
const secretText = () =>
  z.string({
    error: (issue) =>
      `must be a string, not ${issue.input === null ? 'null (empty)' : Array.isArray(issue.input) ? 'a list' : typeof issue.input === 'object' ? 'a mapping' : `a ${typeof issue.input} (its value is not shown)`}`,
  })
const required = () => z.string({error: requiredText})
const flag = () => z.boolean({error: (issue) => `must be true or false, not ${describeValue(issue.input)}`})
const section = <Shape extends z.ZodRawShape>(shape: Shape) =>
  z.looseObject(shape, {error: (issue) => `must be a mapping, not ${describeValue(issue.input)}`})

const basicAuth = section({
  k8s_secret_name: secretText().min(1, 'must not be empty').optional(),
  password: secretText().optional(),
  user_secret_arn: secretText().min(1, 'must not be empty').optional(),
  username: text().optional(),
}).superRefine((auth, context) => {
  const withPassword = auth.username !== undefined && auth.password !== undefined
  const secrets = (['user_secret_arn', 'k8s_secret_name'] as const).filter((key) => auth[key] !== undefined)
  if (withPassword && secrets.length > 0)
    context.addIssue({
      code: 'custom',
      message: `give either username and password or ${secrets.join(' or ')}, not both`,
    })
  else if (withPassword && (auth.username === '' || auth.password === ''))
    context.addIssue({
      code: 'custom',
      message: 'must not be empty',
      path: [auth.username === '' ? 'username' : 'password'],
    })
  else if (!withPassword && secrets.length === 0)
    context.addIssue({
      code: 'custom',
      message: 'needs both username and password, or user_secret_arn, or k8s_secret_name',
    })
  else if (secrets.length > 1)
    context.addIssue({code: 'custom', message: 'give only one of user_secret_arn and k8s_secret_name'})
})

const sigv4 = section({
  region: text().superRefine(ruleOf(regionProblem)).optional(),
  service: text().min(1, 'must not be empty').optional(),
}).nullable()

const AUTH_BLOCKS = ['no_auth', 'basic_auth', 'sigv4'] as const

const cluster = section({
  allow_insecure: flag().optional(),
  basic_auth: basicAuth.optional(),
  endpoint: required().superRefine(ruleOf(endpointProblem)),
  // Any value counts as present: empty, "" (the CDK writes that), {}.
  no_auth: z.unknown().optional(),
  proxy: section({allow_insecure: flag().optional(), endpoint: required(), name: text().optional()}).optional(),
  sigv4: sigv4.optional(),
  sigv4_signing_endpoint: text().superRefine(ruleOf(endpointProblem)).optional(),
  version: text().optional(),
}).superRefine((body, context) => {
  const blocks = AUTH_BLOCKS.filter((key) => key in body)
  // What the Kubernetes workflow writes for an mTLS source; the console refuses it ("MTLS auth is not currently supported").
  if (blocks.length === 0 && 'mtls_auth' in body)
    context.addIssue({
      code: 'custom',
      message:
        'the migration console does not support mTLS (client certificates), and neither does this plugin: give the source basic_auth (username and password, user_secret_arn or k8s_secret_name), sigv4 or no_auth instead',
      path: ['mtls_auth'],
    })
  else if (blocks.length !== 1)
    context.addIssue({
      code: 'custom',
      message: `needs exactly one of no_auth, basic_auth, sigv4 (found ${blocks.length === 0 ? 'none' : blocks.join(' and ')})`,
    })
})

const STORAGE_BLOCKS = ['s3', 'gcs', 'fs'] as const

const snapshot = section({
  fs: section({repo_path: required().min(1, 'must not be empty')}).optional(),
  // The console's schema lets gcs be null, then fails reading repo_uri from it: a mapping is needed.
  gcs: section({endpoint: text().optional(), repo_uri: required().min(1, 'must not be empty')}).optional(),
  mode: z
    .enum(['create', 'import'], {error: (issue) => `must be "create" or "import", not ${describeValue(issue.input)}`})
    .optional(),
  otel_metrics_endpoint: text().optional(),
  otel_trace_endpoint: text().optional(),
  s3: section({
    aws_region: required(),
    endpoint: text().optional(),
    repo_uri: required().refine((uri) => uri.startsWith('s3://'), 'must start with s3://'),
    role: text().optional(),
  }).optional(),
  snapshot_name: text().optional(),
  snapshot_repo_name: text().optional(),
  solr_collections: z
    .array(text(), {error: (issue) => `must be a list of strings, not ${describeValue(issue.input)}`})
    .optional(),
}).superRefine((body, context) => {
  const blocks = STORAGE_BLOCKS.filter((key) => body[key] !== undefined)
  if (blocks.length !== 1)
    context.addIssue({
      code: 'custom',
      message: `needs exactly one of s3, gcs, fs (found ${blocks.length === 0 ? 'none' : blocks.join(' and ')})`,
    })
})

// Sections the console knows and this plugin does not read: accepted as they are.
const ignoredSection = z.unknown().optional()

export const servicesSchema = z.looseObject({
  backfill: ignoredSection,
  client_options: section({user_agent_extra: text().optional()}).nullable().optional(),
  kafka: ignoredSection,
  metadata_migration: ignoredSection,
  metrics_source: ignoredSection,
  replay: ignoredSection,
  snapshot: snapshot.optional(),
  source: cluster.optional(),
  source_cluster: cluster.optional(),
  target: ignoredSection,
  target_cluster: ignoredSection,
})

export type RawServices = z.infer<typeof servicesSchema>
export type RawCluster = z.infer<typeof cluster>
export type RawSnapshot = z.infer<typeof snapshot>

/** The fields the plugin knows, by section (`cluster` is source_cluster and source): what a file holds beyond them is named in one warning. */
export const KNOWN_FIELDS: Record<string, string[]> = {
  '': [
    'source_cluster',
    'source',
    'target_cluster',
    'target',
    'backfill',
    'metrics_source',
    'snapshot',
    'metadata_migration',
    'replay',
    'kafka',
    'client_options',
  ],
  client_options: ['user_agent_extra'],
  cluster: [
    'endpoint',
    'allow_insecure',
    'version',
    'sigv4_signing_endpoint',
    'proxy',
    'no_auth',
    'basic_auth',
    'sigv4',
  ],
  'cluster.basic_auth': ['username', 'password', 'user_secret_arn', 'k8s_secret_name'],
  'cluster.proxy': ['name', 'endpoint', 'allow_insecure'],
  'cluster.sigv4': ['region', 'service'],
  snapshot: [
    'snapshot_name',
    'snapshot_repo_name',
    'otel_trace_endpoint',
    'otel_metrics_endpoint',
    'mode',
    'solr_collections',
    's3',
    'gcs',
    'fs',
  ],
  'snapshot.fs': ['repo_path'],
  'snapshot.gcs': ['repo_uri', 'endpoint'],
  'snapshot.s3': ['repo_uri', 'aws_region', 'role', 'endpoint'],
}

/** Every field the plugin does not know, as `path` with a "did you mean" for a near miss. */
export function unknownFields(data: Record<string, unknown>): string[] {
  const found: string[] = []
  const visit = (value: unknown, schemaKey: string, path: string) => {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return
    const known = KNOWN_FIELDS[schemaKey]
    for (const key of Object.keys(value)) {
      const fieldPath = path ? `${path}.${key}` : key
      if (!known.includes(key)) {
        const near = known.find((candidate) => editDistance(candidate, key) <= 2)
        found.push(near ? `${fieldPath} (did you mean ${path ? `${path}.` : ''}${near}?)` : fieldPath)
        continue
      }

      const child =
        schemaKey === '' ? (['source', 'source_cluster'].includes(key) ? 'cluster' : key) : `${schemaKey}.${key}`
      if (
        KNOWN_FIELDS[child] &&
        (schemaKey !== '' || ['client_options', 'snapshot', 'source', 'source_cluster'].includes(key))
      )
        visit((value as Record<string, unknown>)[key], child, fieldPath)
    }
  }

  visit(data, '', '')
  return found
}

function editDistance(a: string, b: string): number {
  const row = Array.from({length: b.length + 1}, (_, index) => index)
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]
    row[0] = i
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1))
      previous = current
    }
  }

  return row[b.length]
}
