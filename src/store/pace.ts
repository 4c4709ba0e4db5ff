import {S3OperationError} from './s3.js'

/** The answers by which a store asks its clients to send less (S3's 503 SlowDown and its cousins). */
const THROTTLING_CODES = new Set([
  'RequestLimitExceeded',
  'RequestThrottled',
  'ServiceUnavailable',
  'SlowDown',
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
])

/** Whether a failed call (after the SDK's own retries) was the store throttling, not refusing. */
export function isThrottling(error: unknown): boolean {
  if (!(error instanceof S3OperationError)) return false
  return THROTTLING_CODES.has(error.failure.name) || error.failure.status === 503
}

export interface PaceOptions {
  /** Requests in flight while the store keeps up. */
  concurrency: number
  /** The first wait after a throttled request; it doubles with each throttled attempt of that request. */
  firstWaitMs?: number
  /** Attempts of one request that may end throttled before its failure is final. */
  throttledAttempts?: number
}

/**
 * How many bulk requests may be in flight, and how long a throttled request (a listing page or a
 * DeleteObjects batch) waits before it goes again: halved when the store says SlowDown, grown back by
 * one after each request that got through (additive increase, multiplicative decrease), so a burst of
 * throttling slows the run instead of ending it. Every wait is bounded: a request is tried
 * `throttledAttempts` times, waiting at most 8 s between tries.
 */
export class Pace {
  readonly throttledAttempts: number
  /** How many times the store throttled a request in this run. */
  throttles = 0
  private current: number
  private readonly firstWaitMs: number

  constructor(private readonly options: PaceOptions) {
    if (!Number.isInteger(options.concurrency) || options.concurrency < 1)
      throw new RangeError(`concurrency ${options.concurrency}: must be a whole number of at least 1`)
    this.current = options.concurrency
    this.firstWaitMs = options.firstWaitMs ?? 500
    this.throttledAttempts = options.throttledAttempts ?? 6
  }

  /** Requests that may be in flight now. */
  get limit(): number {
    return Math.floor(this.current)
  }

  /** One request got through. */
  succeeded(): void {
    this.current = Math.min(this.options.concurrency, this.current + 1)
  }

  /** The `attempt`-th try of a request was throttled: fewer in flight, and the wait before its next try. */
  throttled(attempt: number): number {
    this.throttles++
    this.current = Math.max(1, this.current / 2)
    return Math.min(8000, this.firstWaitMs * 2 ** (attempt - 1))
  }
}

/** Runs `attempt` until it is not throttled, at the pace's wait; another failure, or the last throttled try, is final. */
export async function paced<T>(pace: Pace, attempt: () => Promise<T>, signal?: AbortSignal): Promise<T> {
  for (let tries = 1; ; tries++) {
    try {
      const result = await attempt()
      pace.succeeded()
      return result
    } catch (error) {
      if (!isThrottling(error) || tries >= pace.throttledAttempts || signal?.aborted) throw error
      await wait(pace.throttled(tries), signal)
    }
  }
}

function wait(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms)
    signal?.addEventListener('abort', done, {once: true})
    function done() {
      clearTimeout(timer)
      signal?.removeEventListener('abort', done)
      resolve()
    }
  })
}
