import {strict as assert} from 'node:assert'

import {bucketNameProblem, clusterNameProblem, endpointProblem, regionProblem} from '../../src/names.js'

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
    it(`rejects bucket "${name.length > 20 ? `${name.slice(0, 10)}…` : name}"`, () => assert.match(bucketNameProblem(name) ?? '', rule))

  for (const name of ['migration-artifacts-123456789012-dev-us-east-1', 'abc', 'my.bucket.name'])
    it(`accepts bucket "${name}"`, () => assert.equal(bucketNameProblem(name), undefined))

  for (const region of ['us-east-1', 'eu-west-2', 'ap-southeast-4', 'us-gov-west-1', 'cn-north-1'])
    it(`accepts region ${region}`, () => assert.equal(regionProblem(region), undefined))
  for (const region of ['US-EAST-1', 'us-east', 'useast1', 'mars-north-1', 'us-east-1 ', ''])
    it(`rejects region "${region}"`, () => assert.match(regionProblem(region) ?? '', /AWS region name/))

  const badNames: [string, RegExp][] = [
    ['Upper', /lowercase/],
    ['with space', /spaces/],
    ['_leading', /must not start/],
    ['-leading', /must not start/],
    ['hash#', /"#"/],
    ['comma,name', /","/],
    ['star*', /"\*"/],
    ['', /empty/],
  ]
  for (const [name, rule] of badNames) it(`rejects cluster name "${name}"`, () => assert.match(clusterNameProblem(name) ?? '', rule))
  it('allows a wildcard only where patterns are allowed', () => {
    assert.equal(clusterNameProblem('rfs-*', {allowWildcard: true}), undefined)
    assert.match(clusterNameProblem('rfs-*') ?? '', /"\*"/)
  })

  for (const endpoint of ['source:9200', 'localhost', 'ftp://host:21'])
    it(`rejects endpoint "${endpoint}"`, () => assert.match(endpointProblem(endpoint) ?? '', /scheme|http/))
  it('accepts an https endpoint with a port', () => assert.equal(endpointProblem('https://source.example:9200'), undefined))
})
