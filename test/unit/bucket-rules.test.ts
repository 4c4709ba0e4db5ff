import {strict as assert} from 'node:assert'

import type {BucketConfig} from '../../src/store/bucket-config.js'

import {judgeBucketRules, prefixReachesRepository} from '../../src/verify/bucket-rules.js'

/** A bucket with nothing configured, as S3 answers for a new bucket. */
const plain = (): BucketConfig => ({
  encryption: {state: 'absent'},
  lifecycle: {state: 'absent'},
  objectLock: {state: 'absent'},
  ownership: {state: 'absent'},
  policy: {state: 'absent'},
  versioning: {state: 'read', value: 'Off'},
})
const rule = (fields: Record<string, unknown>) => ({
  expiresNoncurrentOnly: false,
  id: 'r1',
  status: 'Enabled',
  tagsOnly: false,
  transitions: [],
  ...fields,
})

describe("the bucket's own rules, judged for the migration's repository", () => {
  it('a plain bucket has no finding', () => {
    assert.deepEqual(judgeBucketRules(plain(), {basePath: 'mig', keep: false}), [])
  })

  it('a lifecycle prefix reaches the repository under its base path and its hashed prefixes, and nothing else', () => {
    for (const prefix of [
      undefined,
      '',
      'mig',
      'mig/',
      'mig/indices/',
      'm',
      'A',
      'A0101',
      'A01010101010101/mig/',
      'A01010101010101/',
    ])
      assert.ok(prefixReachesRepository(prefix === '' ? undefined : prefix, 'mig'), `${prefix} reaches mig`)
    for (const prefix of ['logs/', 'migration/', 'A01010101010101/logs/', 'A012', 'AB'])
      assert.ok(!prefixReachesRepository(prefix, 'mig'), `${prefix} does not reach mig`)
  })

  it('an expiration or an archive transition on the repository fails naming the rule; an instant-read class warns; another prefix is ignored', () => {
    const config = plain()
    config.lifecycle = {
      state: 'read',
      value: [
        rule({expirationDays: 30, id: 'expire-all'}),
        rule({id: 'to-glacier', prefix: 'mig/', transitions: [{days: 90, storageClass: 'GLACIER'}]}),
        rule({id: 'to-ia', prefix: 'mig/', transitions: [{days: 30, storageClass: 'STANDARD_IA'}]}),
        rule({expirationDays: 1, id: 'logs', prefix: 'logs/'}),
        rule({expirationDays: 1, id: 'disabled', status: 'Disabled'}),
        rule({expirationDays: 1, id: 'tagged', tagsOnly: true}),
      ],
    }
    const findings = judgeBucketRules(config, {basePath: 'mig', keep: false})
    assert.deepEqual(
      findings.map((finding) => [finding.level, /"([^"]+)"/.exec(finding.text)![1]]),
      [
        ['fail', 'expire-all'],
        ['fail', 'to-glacier'],
        ['warn', 'to-ia'],
      ],
    )
    assert.match(findings[0].text, /expires every object of the bucket after 30 day\(s\).*<hash>\/mig\//)
    assert.match(findings[1].text, /InvalidObjectState/)
  })

  it('Object Lock default retention fails the test that must clean up and warns for the migration; with --keep it only warns', () => {
    const config = plain()
    config.objectLock = {state: 'read', value: {enabled: true, retention: {days: 1, mode: 'GOVERNANCE'}}}
    assert.deepEqual(
      judgeBucketRules(config, {basePath: 'mig', keep: false}).map((finding) => finding.level),
      ['fail', 'warn'],
    )
    const kept = judgeBucketRules(config, {basePath: 'mig', keep: true})
    assert.deepEqual(
      kept.map((finding) => finding.level),
      ['warn'],
    )
    assert.match(kept[0].text, /GOVERNANCE for 1 day\(s\).*`console repo clean` cannot remove/)
  })

  it('versioning, KMS default encryption and ACLs disabled are notes that say what they mean', () => {
    const config = plain()
    config.versioning = {state: 'read', value: 'Enabled'}
    config.encryption = {
      state: 'read',
      value: {algorithm: 'aws:kms', kmsKeyId: 'arn:aws:kms:us-east-1:111122223333:key/k'},
    }
    config.ownership = {state: 'read', value: 'BucketOwnerEnforced'}
    const findings = judgeBucketRules(config, {basePath: 'mig', keep: false})
    assert.deepEqual(
      findings.map((finding) => [finding.rule, finding.level]),
      [
        ['versioning', 'note'],
        ['encryption', 'note'],
        ['ownership', 'note'],
      ],
    )
    assert.match(findings[0].text, /noncurrent versions/)
    assert.match(findings[1].text, /backfill's role kms:Decrypt on that key/)
    assert.match(findings[2].text, /canned_acl/)
  })

  it("a policy denying PutObject without SSE-KMS fails, naming the repository settings that satisfy it (the AWS documentation's example)", () => {
    const config = plain()
    // The shape of the S3 User Guide's "Requiring server-side encryption" bucket policy.
    config.policy = {
      state: 'read',
      value: JSON.stringify({
        Statement: [
          {
            Action: 's3:PutObject',
            Condition: {StringNotEquals: {'s3:x-amz-server-side-encryption': 'aws:kms'}},
            Effect: 'Deny',
            Principal: '*',
            Resource: 'arn:aws:s3:::b/*',
            Sid: 'DenyUnencrypted',
          },
          {Action: 's3:GetObject', Effect: 'Allow', Principal: '*', Resource: 'arn:aws:s3:::b/*'},
        ],
        Version: '2012-10-17',
      }),
    }
    const [finding] = judgeBucketRules(config, {basePath: 'mig', keep: false})
    assert.equal(finding.level, 'fail')
    assert.match(finding.text, /"DenyUnencrypted" denies s3:PutObject without x-amz-server-side-encryption = aws:kms/)
    assert.match(finding.text, /server_side_encryption_type .* server_side_encryption_kms_key_id/)
  })

  it('a configuration the console may not read is "not checked", never a failure', () => {
    const config = plain()
    config.lifecycle = {
      reason: "GetBucketLifecycleConfiguration was denied (403) to the console's credentials",
      state: 'unread',
    }
    config.policy = {reason: 'GetBucketPolicy was denied (403)', state: 'unread'}
    const findings = judgeBucketRules(config, {basePath: 'mig', keep: false})
    assert.deepEqual(
      findings.map((finding) => [finding.rule, finding.level]),
      [
        ['lifecycle', 'not-checked'],
        ['policy', 'not-checked'],
      ],
    )
    assert.match(findings[0].text, /lifecycle rules not checked: .*denied \(403\)/)
  })
})
