import {strict as assert} from 'node:assert'

import {
  bucketNameProblem,
  endpointProblem,
  pathSegment,
  redactEndpoint,
  regionProblem,
  repositoryNameProblem,
  snapshotNameProblem,
} from '../../src/names.js'

describe('naming rules', () => {
  const badBuckets: [string, RegExp][] = [
    ['My-Bucket', /lowercase/],
    ['ab', /3 to 63/],
    ['a'.repeat(64), /3 to 63/],
    ['192.168.5.4', /IP address/],
    ['xn--bucket', /reserved prefix/],
    ['sthree-bucket', /reserved prefix/],
    ['bucket-s3alias', /reserved suffix/],
    ['bucket--ol-s3', /reserved suffix/],
    ['my..bucket', /adjacent dots/],
    ['-bucket', /start and end/],
    ['bucket-', /start and end/],
    ['bucket_name', /lowercase letters, digits, dots and hyphens/],
  ]
  for (const [name, rule] of badBuckets)
    it(`rejects bucket "${name.length > 20 ? `${name.slice(0, 10)}…` : name}"`, () =>
      assert.match(bucketNameProblem(name) ?? '', rule))

  for (const name of ['migration-artifacts-123456789012-dev-us-east-1', 'abc', 'my.bucket.name'])
    it(`accepts bucket "${name}"`, () => assert.equal(bucketNameProblem(name), undefined))

  for (const region of [
    'us-east-1',
    'eu-west-2',
    'ap-southeast-4',
    'us-gov-west-1',
    'cn-north-1',
    'us-isof-south-1',
    'eu-isoe-west-1',
    'eusc-de-east-1',
    'us-isob-east-1',
  ])
    it(`accepts region ${region}`, () => assert.equal(regionProblem(region), undefined))
  for (const region of ['US-EAST-1', 'us-east', 'useast1', 'mars-north-1', 'us-east-1 ', ''])
    it(`rejects region "${region}"`, () => assert.match(regionProblem(region) ?? '', /AWS region name/))

  const badNames: [string, RegExp][] = [
    ['with space', /whitespace/],
    ['tab\there', /control characters/],
    ['new\nline', /control characters/],
    ['_leading', /must not start/],
    ['-leading', /must not start/],
    ['hash#', /"#"/],
    ['comma,name', /","/],
    ['star*', /"\*"/],
    ['.', /must not be "\." or "\.\."/],
    ['..', /must not be "\." or "\.\."/],
    ['', /empty/],
  ]
  for (const [name, rule] of badNames) {
    it(`rejects repository name ${JSON.stringify(name)}`, () => assert.match(repositoryNameProblem(name) ?? '', rule))
    it(`rejects snapshot name ${JSON.stringify(name)}`, () => assert.match(snapshotNameProblem(name) ?? '', rule))
  }

  it('accepts upper case in a repository name (the cluster does) but not in a snapshot name', () => {
    assert.equal(repositoryNameProblem('repoA'), undefined)
    assert.match(snapshotNameProblem('Snap') ?? '', /lowercase/)
  })

  it('allows a wildcard only where patterns are allowed', () => {
    assert.equal(snapshotNameProblem('rfs-*', {allowWildcard: true}), undefined)
    assert.match(snapshotNameProblem('rfs-*') ?? '', /"\*"/)
  })

  it('percent-encodes every path segment, keeping * and , only in patterns', () => {
    assert.equal(pathSegment('a b%/?#'), 'a%20b%25%2F%3F%23')
    assert.equal(pathSegment('rfs-*,x', {pattern: true}), 'rfs-*,x')
    assert.equal(pathSegment('rfs-*'), 'rfs-%2A')
  })

  for (const endpoint of ['source:9200', 'localhost', 'ftp://host:21'])
    it(`rejects endpoint "${endpoint}"`, () => assert.match(endpointProblem(endpoint) ?? '', /scheme|http/))

  it('accepts an https endpoint with a port', () =>
    assert.equal(endpointProblem('https://source.example:9200'), undefined))
  for (const [endpoint, rule] of [
    ['http://admin:s3cret@source:9200', /must not carry credentials.*basic_auth/],
    ['http://source:9200/#', /fragment/],
    ['http://source:9200/?', /query/],
    ['http://source:9200/?pretty', /query/],
  ] as const)
    it(`rejects endpoint ${endpoint.replace('s3cret', '…')}`, () => {
      const problem = endpointProblem(endpoint) ?? ''
      assert.match(problem, rule)
      assert.ok(!problem.includes('s3cret'))
    })

  it('redacts credentials in an endpoint before it is printed', () =>
    assert.equal(redactEndpoint('https://admin:s3cret@host:9200/x'), 'https://<credentials>@host:9200/x'))

  it('takes an S3 endpoint without a scheme where the repository plugin does', () => {
    assert.equal(endpointProblem('s3.example.com:9000', {schemeOptional: true}), undefined)
    assert.match(endpointProblem('s3.example.com:9000') ?? '', /scheme/)
  })
})
