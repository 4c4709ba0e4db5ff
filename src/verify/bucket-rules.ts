import type {BucketConfig, ConfigRead, LifecycleRuleConfig} from '../store/bucket-config.js'

import {HASHED_SHARD_SEGMENT} from '../snapshot-format/layout-keys.js'

/**
 * The bucket's own rules, judged for the migration's repository: what would make a snapshot that was
 * written fine unreadable (lifecycle), undeletable (Object Lock), costly (versioning) or refused
 * (encryption policy, ownership). Each finding is one line of the report; `fail` stops verify before
 * it writes anything, `not-checked` is never a failure.
 */

export type BucketRule = 'encryption' | 'lifecycle' | 'object-lock' | 'ownership' | 'policy' | 'versioning'

export interface BucketFinding {
  level: 'fail' | 'not-checked' | 'note' | 'warn'
  rule: BucketRule
  text: string
}

/** Storage classes the backfill's GetObject cannot read without a restore first (InvalidObjectState). */
const ARCHIVED = new Set(['DEEP_ARCHIVE', 'GLACIER'])

/** Whether a lifecycle prefix reaches the repository's keys: under its base path, or under its hashed prefixes `<hash>/<base>/`. */
export function prefixReachesRepository(prefix: string | undefined, basePath: string): boolean {
  if (prefix === undefined) return true
  const base = basePath ? `${basePath}/` : ''
  const overlaps = (keyPart: string) => base.startsWith(keyPart) || keyPart.startsWith(base)
  if (overlaps(prefix)) return true
  const slash = prefix.indexOf('/')
  const head = slash === -1 ? prefix : prefix.slice(0, slash)
  // A prefix that a hashed segment (one URL-safe base64 character and 14 binary digits) can start with.
  const hashedHead = slash === -1 ? /^[A-Za-z0-9_-][01]{0,14}$/.test(head) : HASHED_SHARD_SEGMENT.test(head)
  return hashedHead && (slash === -1 || overlaps(prefix.slice(slash + 1)))
}

function lifecycleFindings(rules: LifecycleRuleConfig[], basePath: string): BucketFinding[] {
  const findings: BucketFinding[] = []
  for (const rule of rules) {
    if (rule.status !== 'Enabled' || rule.tagsOnly || !prefixReachesRepository(rule.prefix, basePath)) continue
    const scope = rule.prefix === undefined ? 'every object of the bucket' : `objects under "${rule.prefix}"`
    const when = rule.expirationDays === undefined ? `on ${rule.expiresOnDate}` : `after ${rule.expirationDays} day(s)`
    if (rule.expirationDays !== undefined || rule.expiresOnDate !== undefined)
      findings.push({
        level: 'fail',
        rule: 'lifecycle',
        text: `lifecycle rule "${rule.id}" expires ${scope} ${when}: the snapshot's files (under the base path and its hashed prefixes <hash>/${basePath}/) would vanish before or while the backfill reads them; exclude the repository's prefixes from it`,
      })
    for (const transition of rule.transitions)
      findings.push(
        ARCHIVED.has(transition.storageClass)
          ? {
              level: 'fail',
              rule: 'lifecycle',
              text: `lifecycle rule "${rule.id}" moves ${scope} to ${transition.storageClass} after ${transition.days ?? '?'} day(s): the backfill's GetObject then fails with InvalidObjectState; exclude the repository's prefixes from it`,
            }
          : {
              level: 'warn',
              rule: 'lifecycle',
              text: `lifecycle rule "${rule.id}" moves ${scope} to ${transition.storageClass} after ${transition.days ?? '?'} day(s): still readable, at that class's retrieval cost`,
            },
      )
    if (rule.expiresNoncurrentOnly)
      findings.push({
        level: 'note',
        rule: 'lifecycle',
        text: `lifecycle rule "${rule.id}" expires noncurrent versions under the repository: deleted snapshots stop costing after it`,
      })
  }

  return findings
}

function notChecked(rule: BucketRule, what: string, read: ConfigRead<unknown>): BucketFinding[] {
  return read.state === 'unread' ? [{level: 'not-checked', rule, text: `${what} not checked: ${read.reason}`}] : []
}

type PolicyStatement = {
  Action?: string | string[]
  Condition?: Record<string, Record<string, unknown>>
  Effect?: string
  Sid?: string
}

const coversPutObject = (action: string | string[] | undefined) =>
  [action ?? []].flat().some((name) => /^(\*|s3:\*|s3:Put\*|s3:PutObject)$/i.test(name))

/** Deny statements on PutObject conditioned on the encryption header: the repository must send what they ask. */
function policyFindings(policy: string): BucketFinding[] {
  let statements: PolicyStatement[]
  try {
    statements = [(JSON.parse(policy) as {Statement?: PolicyStatement | PolicyStatement[]}).Statement ?? []].flat()
  } catch {
    return [{level: 'not-checked', rule: 'policy', text: 'bucket policy not checked: it is not JSON'}]
  }

  const findings: BucketFinding[] = []
  for (const statement of statements) {
    if (statement.Effect !== 'Deny' || !coversPutObject(statement.Action)) continue
    for (const [operator, conditions] of Object.entries(statement.Condition ?? {}))
      for (const [key, value] of Object.entries(conditions))
        if (/^s3:x-amz-server-side-encryption/i.test(key)) {
          const wants =
            operator === 'Null'
              ? 'any x-amz-server-side-encryption header'
              : `${key.replace(/^s3:/i, '')} = ${[value].flat().join(' or ')}`
          findings.push({
            level: 'fail',
            rule: 'policy',
            text: `bucket policy statement "${statement.Sid ?? '(no Sid)'}" denies s3:PutObject without ${wants}: \`console snapshot create\` and verify's test repository send no encryption setting, so their uploads are refused. Register the migration's repository with server_side_encryption_type (AES256 or aws:kms) and server_side_encryption_kms_key_id (OpenSearch 3.x repository-s3), or server_side_encryption: true (AES256 only: Elasticsearch, OpenSearch 1.x/2.x); with aws:kms the backfill's role needs kms:Decrypt on that key`,
          })
        }
  }

  return findings
}

export function judgeBucketRules(config: BucketConfig, repository: {basePath: string; keep: boolean}): BucketFinding[] {
  const findings: BucketFinding[] = [
    ...notChecked('versioning', 'versioning', config.versioning),
    ...notChecked('lifecycle', 'lifecycle rules', config.lifecycle),
    ...notChecked('object-lock', 'Object Lock', config.objectLock),
    ...notChecked('encryption', 'default encryption', config.encryption),
    ...notChecked('policy', 'bucket policy', config.policy),
    ...notChecked('ownership', 'object ownership', config.ownership),
  ]
  const versioning = config.versioning.state === 'read' ? config.versioning.value : 'Off'
  if (versioning !== 'Off')
    findings.push({
      level: 'note',
      rule: 'versioning',
      text: `versioning is ${versioning}: a deleted snapshot's files stay as noncurrent versions and keep costing until a lifecycle rule expires noncurrent versions (verify and repo clean remove the versions of what they own)`,
    })
  if (config.lifecycle.state === 'read')
    findings.push(...lifecycleFindings(config.lifecycle.value, repository.basePath))
  if (config.objectLock.state === 'read' && config.objectLock.value.enabled) {
    const {retention} = config.objectLock.value
    if (retention) {
      const period = retention.days === undefined ? `${retention.years} year(s)` : `${retention.days} day(s)`
      const what = `Object Lock keeps every new object ${retention.mode} for ${period}`
      if (!repository.keep)
        findings.push({
          level: 'fail',
          rule: 'object-lock',
          text: `${what}: verify's cleanup could not delete its test files (run with --keep to leave them, or use a bucket without default retention)`,
        })
      findings.push({
        level: 'warn',
        rule: 'object-lock',
        text: `${what}: after the migration, \`console snapshot delete\` and \`console repo clean\` cannot remove the snapshot's files until it ends`,
      })
    } else
      findings.push({
        level: 'note',
        rule: 'object-lock',
        text: 'Object Lock is on without a default retention: objects stay deletable unless one is set on them',
      })
  }

  if (config.encryption.state === 'read' && config.encryption.value.algorithm.startsWith('aws:kms'))
    findings.push({
      level: 'note',
      rule: 'encryption',
      text: `objects are encrypted by default with ${config.encryption.value.algorithm}${config.encryption.value.kmsKeyId ? ` (key ${config.encryption.value.kmsKeyId})` : ''}: the nodes' role needs kms:GenerateDataKey and kms:Decrypt, the backfill's role kms:Decrypt on that key`,
    })
  if (config.policy.state === 'read') findings.push(...policyFindings(config.policy.value))
  if (config.ownership.state === 'read' && config.ownership.value === 'BucketOwnerEnforced')
    findings.push({
      level: 'note',
      rule: 'ownership',
      text: 'object ownership is BucketOwnerEnforced (ACLs disabled): a repository registered with canned_acl other than private or bucket-owner-full-control has its uploads refused (AccessControlListNotSupported); the console and verify send none',
    })
  return findings
}
