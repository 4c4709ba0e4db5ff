import {strict as assert} from 'node:assert'

import {deleteOwnedObjects} from '../../src/storage/delete-owned.js'
import {isThrottling, Pace, paced} from '../../src/storage/pace.js'
import {createS3Client, S3OperationError} from '../../src/storage/s3.js'
import {FakeS3} from '../helpers/fake-s3.js'

const SLOW_DOWN: [number, string] = [
  503,
  '<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>',
]
const throttle = (name = 'SlowDown', status = 503) =>
  new S3OperationError({message: 'Please reduce your request rate.', name, operation: 'DeleteObjects', status})

describe('pace: fewer requests in flight while the store throttles', () => {
  it('halves what may be in flight on each throttle, never below one, and grows back by one per success', () => {
    const pace = new Pace({concurrency: 10})
    assert.equal(pace.limit, 10)
    pace.throttled(1)
    assert.equal(pace.limit, 5)
    pace.throttled(1)
    pace.throttled(1)
    pace.throttled(1)
    pace.throttled(1)
    assert.equal(pace.limit, 1)
    pace.succeeded()
    assert.equal(pace.limit, 2)
    for (let success = 0; success < 20; success++) pace.succeeded()
    assert.equal(pace.limit, 10, 'never more than the concurrency asked for')
    assert.equal(pace.throttles, 5)
  })

  it('waits twice as long on each throttled try of a batch, at most 8 s', () => {
    const pace = new Pace({concurrency: 4, firstWaitMs: 500})
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6].map((attempt) => pace.throttled(attempt)),
      [500, 1000, 2000, 4000, 8000, 8000],
    )
  })

  it('refuses a concurrency that is not a whole number of at least 1, naming it', () => {
    assert.throws(() => new Pace({concurrency: 0}), /concurrency 0: must be a whole number of at least 1/)
    assert.throws(() => new Pace({concurrency: 2.5}), /concurrency 2.5/)
  })

  it('tells throttling from a refusal', () => {
    assert.ok(isThrottling(throttle()))
    assert.ok(isThrottling(throttle('ServiceUnavailable')))
    assert.ok(isThrottling(throttle('UnknownError', 503)))
    assert.ok(!isThrottling(throttle('AccessDenied', 403)))
    assert.ok(!isThrottling(new Error('SlowDown')), 'only a failed S3 call counts')
  })

  it('tries a throttled call again until it gets through, and gives up after the last try', async () => {
    const pace = new Pace({concurrency: 2, firstWaitMs: 1, throttledAttempts: 3})
    let calls = 0
    assert.equal(
      await paced(pace, async () => {
        if (++calls < 3) throw throttle()
        return 'through'
      }),
      'through',
    )
    assert.equal(calls, 3)

    calls = 0
    await assert.rejects(
      paced(pace, async () => {
        calls++
        throw throttle()
      }),
      /SlowDown/,
    )
    assert.equal(calls, 3, 'bounded: throttledAttempts tries')

    calls = 0
    await assert.rejects(
      paced(pace, async () => {
        calls++
        throw throttle('AccessDenied', 403)
      }),
      /AccessDenied/,
    )
    assert.equal(calls, 1, 'a refusal is not tried again')
  })

  describe('emptying a prefix while the store throttles', () => {
    const owned = (count: number) =>
      Array.from({length: count}, (_, index) => `repo/indices/i${index % 7}/0/__${String(index).padStart(5, '0')}`)

    it('a burst of SlowDown longer than the client retries slows the run down and it still deletes everything', async () => {
      const s3 = new FakeS3().addBucket('b')
      for (const key of owned(3500)) s3.put('b', key, 'x')
      s3.put('b', 'elsewhere/keep-me', 'x')
      s3.install()
      let deletes = 0
      s3.faults.push((method, bucket, key) => (method === 'POST' && !key && ++deletes <= 5 ? SLOW_DOWN : undefined))
      const client = await createS3Client({endpoint: s3.endpoint, region: 'us-east-1'}, {maxAttempts: 1})
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
      const s3 = new FakeS3().addBucket('b')
      for (const key of owned(2500)) s3.put('b', key, 'x')
      s3.install()
      let listings = 0
      s3.faults.push((method, bucket, key) =>
        method === 'GET' && !key && s3.calls.at(-1)?.includes('list-type=2') && ++listings % 2 === 1
          ? SLOW_DOWN
          : undefined,
      )
      const client = await createS3Client({endpoint: s3.endpoint, region: 'us-east-1'}, {maxAttempts: 1})
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
      const s3 = new FakeS3().addBucket('b')
      for (const key of owned(1500)) s3.put('b', key, 'x')
      s3.put('b', 'elsewhere/keep-me', 'x')
      s3.install()
      let deletes = 0
      s3.faults.push((method, bucket, key) => (method === 'POST' && !key && ++deletes ? SLOW_DOWN : undefined))
      const client = await createS3Client({endpoint: s3.endpoint, region: 'us-east-1'}, {maxAttempts: 1})
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
})
