import type {S3Client} from '@aws-sdk/client-s3'

import {S3OperationError, sendS3} from './s3.js'

/**
 * The bucket's own configuration, read only, with the console's credentials: what can make a snapshot
 * that was written fine unreadable or undeletable later. A configuration the console may not read
 * (403) or the store does not implement is `unread`, with the reason; one that is not set is `absent`.
 */

export type ConfigRead<T> = {reason: string; state: 'unread'} | {state: 'absent'} | {state: 'read'; value: T}

export interface LifecycleRuleConfig {
  abortIncompleteUploadDays?: number
  expirationDays?: number
  expiresNoncurrentOnly: boolean
  expiresOnDate?: string
  id: string
  /** undefined: the whole bucket. */
  prefix?: string
  status: string
  tagsOnly: boolean
  transitions: {days?: number; storageClass: string}[]
}

export interface BucketConfig {
  encryption: ConfigRead<{algorithm: string; kmsKeyId?: string}>
  lifecycle: ConfigRead<LifecycleRuleConfig[]>
  objectLock: ConfigRead<{enabled: boolean; retention?: {days?: number; mode: string; years?: number}}>
  ownership: ConfigRead<string>
  policy: ConfigRead<string>
  versioning: ConfigRead<string>
}

/** Error names that mean "this bucket has no such configuration". */
const ABSENT =
  /NoSuchLifecycleConfiguration|ServerSideEncryptionConfigurationNotFoundError|ObjectLockConfigurationNotFoundError|NoSuchBucketPolicy|OwnershipControlsNotFoundError|NoSuchOwnershipControls/

async function readConfig<T>(operation: string, call: () => Promise<T | undefined>): Promise<ConfigRead<T>> {
  try {
    const value = await call()
    return value === undefined ? {state: 'absent'} : {state: 'read', value}
  } catch (error) {
    if (!(error instanceof S3OperationError)) throw error
    const {failure} = error
    if (ABSENT.test(failure.name)) return {state: 'absent'}
    if (failure.status === 403 || failure.name === 'AccessDenied')
      return {reason: `${operation} was denied (403) to the console's credentials`, state: 'unread'}
    if (failure.status === 501 || failure.name === 'NotImplemented')
      return {reason: `the store does not implement ${operation}`, state: 'unread'}
    return {
      reason: `${operation} failed: ${failure.name}${failure.status ? ` (${failure.status})` : ''}`,
      state: 'unread',
    }
  }
}

type RawRule = {
  AbortIncompleteMultipartUpload?: {DaysAfterInitiation?: number}
  Expiration?: {Date?: Date; Days?: number; ExpiredObjectDeleteMarker?: boolean}
  Filter?: {And?: {Prefix?: string; Tags?: unknown[]}; Prefix?: string; Tag?: unknown}
  ID?: string
  NoncurrentVersionExpiration?: unknown
  Prefix?: string
  Status?: string
  Transitions?: {Days?: number; StorageClass?: string}[]
}

/** The rule's prefix (a filter's, an And's, or the legacy top-level one; empty is the whole bucket) and whether tags narrow it. */
function ruleScope(rule: RawRule): {prefix?: string; tagged: boolean} {
  const prefix = rule.Filter?.Prefix ?? rule.Filter?.And?.Prefix ?? rule.Prefix
  const tagged = rule.Filter?.Tag !== undefined || (rule.Filter?.And?.Tags?.length ?? 0) > 0
  return {prefix: prefix === '' ? undefined : prefix, tagged}
}

function lifecycleRule(rule: RawRule, index: number): LifecycleRuleConfig {
  const {prefix, tagged} = ruleScope(rule)
  return {
    abortIncompleteUploadDays: rule.AbortIncompleteMultipartUpload?.DaysAfterInitiation,
    expirationDays: rule.Expiration?.Days,
    expiresNoncurrentOnly: rule.Expiration === undefined && rule.NoncurrentVersionExpiration !== undefined,
    expiresOnDate: rule.Expiration?.Date?.toISOString().slice(0, 10),
    id: rule.ID ?? `#${index + 1}`,
    prefix,
    status: rule.Status ?? 'Enabled',
    tagsOnly: tagged,
    transitions: (rule.Transitions ?? []).map((transition) => ({
      days: transition.Days,
      storageClass: transition.StorageClass ?? 'unknown',
    })),
  }
}

export async function readBucketConfig(s3: S3Client, bucket: string, signal?: AbortSignal): Promise<BucketConfig> {
  const sdk = await import('@aws-sdk/client-s3')
  const send = <T>(operation: string, command: object) => sendS3<T>(s3, operation, command, signal)
  const input = {Bucket: bucket}
  const [versioning, lifecycle, objectLock, encryption, policy, ownership] = await Promise.all([
    readConfig('GetBucketVersioning', async () => {
      const answer = await send<{Status?: string}>('GetBucketVersioning', new sdk.GetBucketVersioningCommand(input))
      return answer.Status ?? 'Off'
    }),
    readConfig('GetBucketLifecycleConfiguration', async () => {
      const answer = await send<{Rules?: RawRule[]}>(
        'GetBucketLifecycleConfiguration',
        new sdk.GetBucketLifecycleConfigurationCommand(input),
      )
      return (answer.Rules ?? []).map((rule, index) => lifecycleRule(rule, index))
    }),
    readConfig('GetObjectLockConfiguration', async () => {
      type Lock = {
        ObjectLockConfiguration?: {
          ObjectLockEnabled?: string
          Rule?: {DefaultRetention?: {Days?: number; Mode?: string; Years?: number}}
        }
      }
      const answer = await send<Lock>('GetObjectLockConfiguration', new sdk.GetObjectLockConfigurationCommand(input))
      const lock = answer.ObjectLockConfiguration
      const retention = lock?.Rule?.DefaultRetention
      return {
        enabled: lock?.ObjectLockEnabled === 'Enabled',
        retention: retention?.Mode ? {days: retention.Days, mode: retention.Mode, years: retention.Years} : undefined,
      }
    }),
    readConfig('GetBucketEncryption', async () => {
      type Encryption = {
        ServerSideEncryptionConfiguration?: {
          Rules?: {ApplyServerSideEncryptionByDefault?: {KMSMasterKeyID?: string; SSEAlgorithm?: string}}[]
        }
      }
      const answer = await send<Encryption>('GetBucketEncryption', new sdk.GetBucketEncryptionCommand(input))
      const rule = answer.ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault
      return rule?.SSEAlgorithm ? {algorithm: rule.SSEAlgorithm, kmsKeyId: rule.KMSMasterKeyID} : undefined
    }),
    readConfig('GetBucketPolicy', async () => {
      const answer = await send<{Policy?: string}>('GetBucketPolicy', new sdk.GetBucketPolicyCommand(input))
      return answer.Policy
    }),
    readConfig('GetBucketOwnershipControls', async () => {
      type Ownership = {OwnershipControls?: {Rules?: {ObjectOwnership?: string}[]}}
      const answer = await send<Ownership>(
        'GetBucketOwnershipControls',
        new sdk.GetBucketOwnershipControlsCommand(input),
      )
      return answer.OwnershipControls?.Rules?.[0]?.ObjectOwnership
    }),
  ])
  return {encryption, lifecycle, objectLock, ownership, policy, versioning}
}
