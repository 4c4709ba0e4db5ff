import {strict as assert} from 'node:assert'

import {deleteOwnedObjects} from '../../src/location/delete-owned.js'
import {createS3Client, S3OperationError} from '../../src/store/s3.js'
import {FakeS3} from '../helpers/fake-s3.js'

const SLOW_DOWN: [number, string] = [
  503,
  '<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>',
]

describe('delete-owned: emptying a prefix while the store throttles', () => {
  /** A bucket b holding `count` objects under repo/ (and elsewhere/keep-me with `neighbour`), and a client with no retries of its own. */
  async function store(count: number, {neighbour = false} = {}) {
    const s3 = new FakeS3().addBucket('b')
    for (let index = 0; index < count; index++)
      s3.put('b', `repo/indices/i${index % 7}/0/__${String(index).padStart(5, '0')}`, 'x')
    if (neighbour) s3.put('b', 'elsewhere/keep-me', 'x')
    s3.install()
    const client = await createS3Client({endpoint: s3.endpoint, region: 'us-east-1'}, {maxAttempts: 1})
    return {client, s3}
  }

  it('a burst of SlowDown longer than the client retries slows the run down and it still deletes everything', async () => {
    const {client, s3} = await store(3500, {neighbour: true})
    let deletes = 0
    s3.faults.push((method, bucket, key) => (method === 'POST' && !key && ++deletes <= 5 ? SLOW_DOWN : undefined))
    const result = await deleteOwnedObjects(
      client,
      'b',
      {hashedShardPaths: false, prefix: 'repo/'},
      {concurrency: 4, pace: {firstWaitMs: 1, throttledAttempts: 6}},
    )
    assert.equal(result.objects, 3500)
    assert.equal(result.throttled, 5, 'each throttled answer is counted')
    assert.deepEqual(s3.keys('b'), ['elsewhere/keep-me'], 'all of the prefix is gone, nothing else')
  })

  it('throttled listing pages wait out the store as DeleteObjects batches do', async () => {
    const {client, s3} = await store(2500)
    let listings = 0
    s3.faults.push((method, bucket, key) =>
      method === 'GET' && !key && s3.calls.at(-1)?.includes('list-type=2') && ++listings % 2 === 1
        ? SLOW_DOWN
        : undefined,
    )
    const result = await deleteOwnedObjects(
      client,
      'b',
      {hashedShardPaths: false, prefix: 'repo/'},
      {pace: {firstWaitMs: 1}},
    )
    assert.equal(result.objects, 2500)
    assert.ok(listings >= 6, `every listing page was throttled once first (${listings} listing requests)`)
    assert.deepEqual(s3.keys('b'), [])
  })

  it('a store that never stops throttling ends the run with SlowDown after bounded tries, and deletes nothing else', async () => {
    const {client, s3} = await store(1500, {neighbour: true})
    let deletes = 0
    s3.faults.push((method, bucket, key) => (method === 'POST' && !key && ++deletes ? SLOW_DOWN : undefined))
    await assert.rejects(
      deleteOwnedObjects(
        client,
        'b',
        {hashedShardPaths: false, prefix: 'repo/'},
        {concurrency: 2, pace: {firstWaitMs: 1, throttledAttempts: 4}},
      ),
      (error: S3OperationError) => error.failure.name === 'SlowDown',
    )
    assert.ok([4, 8].includes(deletes), `each batch sent is tried 4 times, no more: ${deletes} DeleteObjects`)
    assert.equal(s3.keys('b').length, 1501, 'the store deleted nothing')
  })
})
