import {strict as assert} from 'node:assert'

import {isThrottling, Pace, paced} from '../../src/store/pace.js'
import {S3OperationError} from '../../src/store/s3.js'

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
})
