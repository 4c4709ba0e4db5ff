import {strict as assert} from 'node:assert'

import {ownershipAmong} from '../../src/location/ownership.js'
import {repositoryKeyPrefix} from '../../src/snapshot-format/layout-keys.js'

describe('ownership: which keys belong to a repository', () => {
  // OpenSearch's BlobPath: the base path as one element, one "/" added unless it ends with one.
  const prefixes: [string, string][] = [
    ['', ''],
    ['trail', 'trail/'],
    ['trail/', 'trail/'],
    ['/data', '/data/'],
    ['a//b', 'a//b/'],
    ['A00000000000000/logs', 'A00000000000000/logs/'],
  ]
  for (const [basePath, prefix] of prefixes)
    it(`base path "${basePath}" is the key prefix "${prefix}"`, () =>
      assert.equal(repositoryKeyPrefix(basePath), prefix))

  it('a key under another registration’s base path is never ours, even where it looks like a hashed shard path', () => {
    const ours = {hashedShardPaths: true, prefix: 'logs/'}
    const key = 'A00000000000000/logs/indices/abc/meta-1.dat'
    assert.equal(ownershipAmong(key, ours, []).owned, true, 'alone, the hashed-prefix rule claims it')
    const others = [{hashedShardPaths: true, owner: 'H', prefix: 'A00000000000000/logs/'}]
    assert.deepEqual(ownershipAmong(key, ours, others), {owned: false, reason: 'belongs to registered repository H'})
    assert.equal(ownershipAmong('logs/index-0', ours, others).owned, true)
  })
})
