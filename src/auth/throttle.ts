/**
 * Token buckets keyed by a string (an access key id, a source IP), with a bounded memory: at most
 * `maxKeys` buckets are kept, the least recently used going first. A forgotten bucket is one that
 * starts full again, which errs on the side of serving — and the bucket least recently used is
 * nearly always one that has refilled anyway.
 */

export interface TokenBucketOptions {
  /** Tokens added per second (the sustained rate). */
  ratePerSecond: number;
  /** Bucket size: how many requests may come at once after a quiet spell. */
  burst: number;
  /** Most buckets kept in memory. */
  maxKeys: number;
  /** Milliseconds; injected so tests need no real time. */
  now?: () => number;
}

/** Tokens are counted in thousandths: with whole rates, ms × tokens/s refills exactly, no float drift. */
const ONE_TOKEN = 1000;

interface Bucket {
  milliTokens: number;
  updatedMs: number;
}

export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();
  private readonly now: () => number;

  constructor(readonly options: TokenBucketOptions) {
    if (!(options.ratePerSecond > 0)) throw new RangeError(`ratePerSecond must be > 0, got ${options.ratePerSecond}`);
    if (!(options.burst >= 1)) throw new RangeError(`burst must be >= 1, got ${options.burst}`);
    if (!Number.isInteger(options.maxKeys) || options.maxKeys < 1) {
      throw new RangeError(`maxKeys must be a positive integer, got ${options.maxKeys}`);
    }
    this.now = options.now ?? Date.now;
  }

  /** The bucket of `key`, refilled up to now, and marked most recently used. */
  private refreshed(key: string): Bucket {
    const nowMs = this.now();
    let b = this.buckets.get(key);
    if (b) {
      this.buckets.delete(key);
      const elapsed = Math.max(0, nowMs - b.updatedMs);
      b.milliTokens = Math.min(this.options.burst * ONE_TOKEN, b.milliTokens + elapsed * this.options.ratePerSecond);
      b.updatedMs = nowMs;
    } else {
      b = { milliTokens: this.options.burst * ONE_TOKEN, updatedMs: nowMs };
      if (this.buckets.size >= this.options.maxKeys) {
        // Map iterates in insertion order, and every use re-inserts: the first key is the LRU one.
        const oldest = this.buckets.keys().next();
        if (!oldest.done) this.buckets.delete(oldest.value);
      }
    }
    this.buckets.set(key, b);
    return b;
  }

  /** Takes one token for `key`; false (and nothing taken) when its bucket is empty. */
  take(key: string): boolean {
    const b = this.refreshed(key);
    if (b.milliTokens < ONE_TOKEN) return false;
    b.milliTokens -= ONE_TOKEN;
    return true;
  }

  /** True when `key` has a token to spend, without spending it. */
  has(key: string): boolean {
    return this.refreshed(key).milliTokens >= ONE_TOKEN;
  }

  /** How many buckets are held (for tests and counters). */
  get size(): number {
    return this.buckets.size;
  }
}

export interface RequestLimitsOptions {
  /** Requests per second each access key may make (default 100). */
  keyRatePerSecond?: number;
  /** Burst per access key (default 200). */
  keyBurst?: number;
  /** Failed authentications per second tolerated from one source IP (default 10). */
  failedAuthRatePerSecond?: number;
  /** Burst of failed authentications per source IP (default 100). */
  failedAuthBurst?: number;
  /** Most keys, and most source IPs, tracked (default 100,000 each). */
  maxTracked?: number;
  now?: () => number;
}

export const DEFAULT_REQUEST_LIMITS = {
  // Far above AWS's 2 LookupEvents/s per account, deliberately: the limit protects the server, not a quota.
  keyRatePerSecond: 100,
  keyBurst: 200,
  failedAuthRatePerSecond: 10,
  failedAuthBurst: 100,
  maxTracked: 100_000,
} as const;

/**
 * What a server enforces around authentication: a rate per access key, and a bound on failed
 * authentications per source IP (each failure costs a signature check and an audit event, so a
 * client stuck on a bad key — or probing — must not be able to flood either).
 */
export class RequestLimits {
  readonly perKey: TokenBuckets;
  readonly failedAuthPerIp: TokenBuckets;

  constructor(options: RequestLimitsOptions = {}) {
    const o = { ...DEFAULT_REQUEST_LIMITS, ...options };
    const now = options.now ?? Date.now;
    this.perKey = new TokenBuckets({
      ratePerSecond: o.keyRatePerSecond,
      burst: o.keyBurst,
      maxKeys: o.maxTracked,
      now,
    });
    this.failedAuthPerIp = new TokenBuckets({
      ratePerSecond: o.failedAuthRatePerSecond,
      burst: o.failedAuthBurst,
      maxKeys: o.maxTracked,
      now,
    });
  }
}
