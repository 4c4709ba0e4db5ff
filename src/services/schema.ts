import {z} from 'zod'

import {bucketNameProblem, endpointProblem, regionProblem, repositoryNameProblem, snapshotNameProblem} from '../names.js'
import {parseRepoUri} from './model.js'

/** Adds the rule a name-check function reports as a zod issue, so every rule has one wording. */
function ruleOf(problem: (value: string) => string | undefined) {
  return (value: string, context: z.RefinementCtx) => {
    const message = problem(value)
    if (message) context.addIssue({code: 'custom', message})
  }
}

/** "is required" only when the field is missing; a value of another type is named as such. */
const requiredText = (issue: {input: unknown}) => (issue.input === undefined ? 'is required' : `must be a string, not ${describeValue(issue.input)}`)
const describeValue = (value: unknown) => (value === null ? 'null (empty)' : Array.isArray(value) ? 'a list' : typeof value === 'object' ? 'a mapping' : `the ${typeof value} ${JSON.stringify(value)}`)
const optionalText = (issue: {input: unknown}) => `must be a string, not ${describeValue(issue.input)}`

const nonEmpty = z.string({error: optionalText}).min(1, 'must not be empty')
const emptyBlock = z.strictObject({}).nullable()

const basicAuth = z
  .strictObject({
    username: nonEmpty.optional(),
    password: nonEmpty.optional(),
    user_secret_arn: nonEmpty.optional(),
  })
  .superRefine((auth, context) => {
    const withPassword = auth.username !== undefined || auth.password !== undefined
    const withSecret = auth.user_secret_arn !== undefined
    if (withPassword && withSecret)
      context.addIssue({code: 'custom', message: 'give either username and password or user_secret_arn, not both'})
    else if (withSecret) {
      if (!/^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+$/.test(auth.user_secret_arn!))
        context.addIssue({code: 'custom', path: ['user_secret_arn'], message: 'must be a Secrets Manager secret ARN'})
    } else if (auth.username === undefined || auth.password === undefined)
      context.addIssue({code: 'custom', message: 'needs both username and password, or user_secret_arn'})
  })

const sigv4 = z
  .strictObject({
    region: z.string({error: optionalText}).superRefine(ruleOf(regionProblem)).optional(),
    service: z.enum(['es', 'aoss'], {error: 'must be "es" or "aoss"'}).optional(),
  })
  .nullable()

const cluster = z
  .strictObject({
    endpoint: z.string({error: requiredText}).superRefine(ruleOf(endpointProblem)),
    allow_insecure: z.boolean({error: 'must be true or false'}).optional(),
    version: z.string({error: optionalText}).optional(),
    no_auth: emptyBlock.optional(),
    basic_auth: basicAuth.optional(),
    sigv4: sigv4.optional(),
  })
  .superRefine((section, context) => {
    const blocks = (['no_auth', 'basic_auth', 'sigv4'] as const).filter((key) => key in section)
    if (blocks.length !== 1)
      context.addIssue({
        code: 'custom',
        message: `needs exactly one of no_auth, basic_auth, sigv4 (found ${blocks.length === 0 ? 'none' : blocks.join(' and ')})`,
      })
  })

const s3 = z
  .strictObject({
    repo_uri: z
      .string({error: 'is required'})
      .refine((uri) => uri.startsWith('s3://'), 'must start with s3://')
      .superRefine((uri, context) => {
        if (!uri.startsWith('s3://')) return
        const {bucket} = parseRepoUri(uri)
        if (!bucket) context.addIssue({code: 'custom', message: 'must name a bucket after s3://'})
        else {
          const problem = bucketNameProblem(bucket)
          if (problem) context.addIssue({code: 'custom', message: `bucket "${bucket}" ${problem}`})
        }
      }),
    aws_region: z.string({error: requiredText}).superRefine(ruleOf(regionProblem)),
    role: z.string({error: optionalText}).regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/, 'must be an IAM role ARN').optional(),
    endpoint: z.string({error: optionalText}).superRefine(ruleOf(endpointProblem)).optional(),
  })

const snapshot = z
  .strictObject({
    snapshot_name: z.string({error: requiredText}).superRefine(ruleOf((name) => snapshotNameProblem(name))),
    snapshot_repo_name: z.string({error: optionalText}).superRefine(ruleOf(repositoryNameProblem)).optional(),
    s3: s3.optional(),
    fs: z.strictObject({repo_path: nonEmpty.refine((path) => path.startsWith('/'), 'must be an absolute path')}).optional(),
  })
  .superRefine((section, context) => {
    const blocks = (['s3', 'fs'] as const).filter((key) => section[key] !== undefined)
    if (blocks.length !== 1)
      context.addIssue({code: 'custom', message: `needs exactly one of s3, fs (found ${blocks.length === 0 ? 'none' : 'both'})`})
  })

// Sections the console knows and this plugin does not read: accepted as they are.
const ignoredSection = z.unknown().optional()

export const servicesSchema = z.strictObject({
  source_cluster: cluster.optional(),
  source: cluster.optional(),
  target_cluster: ignoredSection,
  target: ignoredSection,
  backfill: ignoredSection,
  metrics_source: ignoredSection,
  snapshot: snapshot.optional(),
  metadata_migration: ignoredSection,
  replay: ignoredSection,
  kafka: ignoredSection,
  client_options: z.strictObject({user_agent_extra: z.string({error: optionalText}).optional()}).nullable().optional(),
})

export type RawServices = z.infer<typeof servicesSchema>
export type RawCluster = z.infer<typeof cluster>
