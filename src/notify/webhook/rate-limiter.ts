import type { Clock } from '../clock.js';
import { sleep } from '../clock.js';

/**
 * InvocationRateLimitPerSecond as a token bucket: up to `ratePerSecond` requests at once, then
 * one every 1/rate seconds. Callers wait their turn in order; waiting happens inside one
 * delivery, so a throttled destination holds a worker rather than being retried as a failure.
 */
export class RateLimiter {
  private tokens: number;
  private updatedAt: number;
  private tail: Promise<void> = Promise.resolve();

  constructor(
    private readonly ratePerSecond: number,
    private readonly clock: Clock,
  ) {
    if (!(ratePerSecond > 0)) throw new RangeError(`ratePerSecond must be positive, got ${ratePerSecond}`);
    this.tokens = ratePerSecond;
    this.updatedAt = clock.now();
  }

  /** Resolves when the caller may send one request. */
  acquire(): Promise<void> {
    const turn = this.tail.then(() => this.take());
    this.tail = turn;
    return turn;
  }

  private async take(): Promise<void> {
    this.refill();
    if (this.tokens < 1) {
      await sleep(this.clock, Math.ceil(((1 - this.tokens) * 1000) / this.ratePerSecond));
      this.refill();
    }
    this.tokens = Math.max(0, this.tokens - 1);
  }

  private refill(): void {
    const now = this.clock.now();
    this.tokens = Math.min(this.ratePerSecond, this.tokens + ((now - this.updatedAt) * this.ratePerSecond) / 1000);
    this.updatedAt = now;
  }
}
