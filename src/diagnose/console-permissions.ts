import {bucketOf, type DiagnosisContext} from './rule.js'

/** One IAM statement a remedy names: the actions and the one resource they apply to. */
export interface PermissionGrant {
  actions: string[]
  resource: string
}

/**
 * Every S3 permission `snapshot verify` itself uses with the console's credentials, each with its resource:
 * the bucket's own (HeadBucket and listings are s3:ListBucket; the fresh check and a versioned bucket's
 * cleanup read versioning and old versions), and objects anywhere in the bucket, because OpenSearch 3.x
 * writes shard files under hashed prefixes outside the base path, which verify reads back and removes.
 * With --create-bucket it also creates and deletes the bucket.
 */
export function consoleGrants(context: DiagnosisContext): PermissionGrant[] {
  const bucket = `arn:aws:s3:::${bucketOf(context)}`
  return [
    {
      actions: [
        's3:ListBucket',
        's3:ListBucketVersions',
        's3:GetBucketVersioning',
        ...(context.createBucket ? ['s3:CreateBucket', 's3:DeleteBucket'] : []),
      ],
      resource: bucket,
    },
    {actions: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:DeleteObjectVersion'], resource: `${bucket}/*`},
  ]
}

/** The grants in words, each list of actions "on" its resource. */
export const describeGrants = (grants: PermissionGrant[]): string =>
  grants.map((grant) => `${grant.actions.join(', ')} on ${grant.resource}`).join('; and ')
