import { describe, expect, it } from 'vitest';
import { ManualClock } from '../test-support/manual-clock.js';
import { RateLimiter } from './rate-limiter.js';

describe('RateLimiter (InvocationRateLimitPerSecond)', () => {
  it('lets a burst of `rate` through at once, then one per 1/rate seconds, in order', async () => {
    const clock = new ManualClock();
    const limiter = new RateLimiter(2, clock);
    const order: number[] = [];
    const all = [1, 2, 3, 4].map((n) => limiter.acquire().then(() => order.push(n)));
    await new Promise((r) => setImmediate(r));
    expect(order).toEqual([1, 2]);
    await clock.advance(499);
    expect(order).toEqual([1, 2]);
    await clock.advance(1);
    expect(order).toEqual([1, 2, 3]);
    await clock.advance(500);
    await Promise.all(all);
    expect(order).toEqual([1, 2, 3, 4]);
    expect(clock.requestedDelays).toEqual([500, 500]);
  });

  it('refuses a rate that is not positive', () => {
    expect(() => new RateLimiter(0, new ManualClock())).toThrow('ratePerSecond must be positive, got 0');
  });
});
