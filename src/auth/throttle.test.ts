import { describe, expect, it } from 'vitest';
import { DEFAULT_REQUEST_LIMITS, RequestLimits, TokenBuckets } from './throttle.js';

/** A clock the test moves by hand. */
function clock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

function takeN(b: TokenBuckets, key: string, n: number): number {
  let ok = 0;
  for (let i = 0; i < n; i++) if (b.take(key)) ok++;
  return ok;
}

describe('TokenBuckets', () => {
  it('allows a burst, then refuses until tokens come back at the rate', () => {
    const c = clock();
    const b = new TokenBuckets({ ratePerSecond: 10, burst: 5, maxKeys: 10, now: c.now });
    expect(takeN(b, 'k', 8)).toBe(5);
    expect(b.take('k')).toBe(false);
    c.advance(99); // 0.99 token
    expect(b.take('k')).toBe(false);
    c.advance(1); // 1 token
    expect(b.take('k')).toBe(true);
    expect(b.take('k')).toBe(false);
    c.advance(300); // 3 tokens
    expect(takeN(b, 'k', 10)).toBe(3);
  });

  it('never holds more than the burst, however long the quiet spell', () => {
    const c = clock();
    const b = new TokenBuckets({ ratePerSecond: 100, burst: 20, maxKeys: 10, now: c.now });
    takeN(b, 'k', 20);
    c.advance(3_600_000);
    expect(takeN(b, 'k', 100)).toBe(20);
  });

  it('keeps keys apart', () => {
    const c = clock();
    const b = new TokenBuckets({ ratePerSecond: 1, burst: 2, maxKeys: 10, now: c.now });
    expect(takeN(b, 'a', 5)).toBe(2);
    expect(takeN(b, 'b', 5)).toBe(2);
  });

  it('refused requests take no token: a client that keeps retrying is served at the rate', () => {
    const c = clock();
    const b = new TokenBuckets({ ratePerSecond: 10, burst: 1, maxKeys: 10, now: c.now });
    let served = 0;
    // 100 attempts per second for 10 seconds.
    for (let i = 0; i < 1000; i++) {
      if (b.take('k')) served++;
      c.advance(10);
    }
    expect(served).toBe(100);
  });

  it('has() looks without spending', () => {
    const c = clock();
    const b = new TokenBuckets({ ratePerSecond: 1, burst: 1, maxKeys: 10, now: c.now });
    expect(b.has('k')).toBe(true);
    expect(b.has('k')).toBe(true);
    expect(b.take('k')).toBe(true);
    expect(b.has('k')).toBe(false);
  });

  it('a clock going backwards adds nothing and takes nothing', () => {
    const c = clock();
    const b = new TokenBuckets({ ratePerSecond: 1, burst: 2, maxKeys: 10, now: c.now });
    takeN(b, 'k', 2);
    c.advance(-5000);
    expect(b.take('k')).toBe(false);
    c.advance(6000); // relative to the backwards time: 1 s later
    expect(b.take('k')).toBe(true);
  });

  it('holds at most maxKeys buckets, forgetting the least recently used', () => {
    const c = clock();
    const b = new TokenBuckets({ ratePerSecond: 1, burst: 1, maxKeys: 3, now: c.now });
    for (const k of ['a', 'b', 'c']) expect(b.take(k)).toBe(true);
    expect(b.take('a')).toBe(false); // a is now the most recently used
    expect(b.take('d')).toBe(true); // evicts b, the least recently used
    expect(b.size).toBe(3);
    expect(b.take('a')).toBe(false); // a was kept: still empty
    expect(b.take('b')).toBe(true); // b was forgotten: full again (and evicts c)
    expect(b.size).toBe(3);
    for (let i = 0; i < 10_000; i++) b.take(`key-${i}`);
    expect(b.size).toBe(3);
  });

  it('refuses nonsense settings', () => {
    expect(() => new TokenBuckets({ ratePerSecond: 0, burst: 1, maxKeys: 1 })).toThrow('ratePerSecond must be > 0');
    expect(() => new TokenBuckets({ ratePerSecond: 1, burst: 0, maxKeys: 1 })).toThrow('burst must be >= 1');
    expect(() => new TokenBuckets({ ratePerSecond: 1, burst: 1, maxKeys: 0 })).toThrow('maxKeys');
  });
});

describe('RequestLimits', () => {
  it('defaults to 100 requests/s with a burst of 200 per key', () => {
    const c = clock();
    const limits = new RequestLimits({ now: c.now });
    expect(takeN(limits.perKey, 'AKIA1', 1000)).toBe(DEFAULT_REQUEST_LIMITS.keyBurst);
    c.advance(1000);
    expect(takeN(limits.perKey, 'AKIA1', 1000)).toBe(DEFAULT_REQUEST_LIMITS.keyRatePerSecond);
    expect(takeN(limits.failedAuthPerIp, '10.0.0.1', 1000)).toBe(DEFAULT_REQUEST_LIMITS.failedAuthBurst);
  });

  it('takes its settings', () => {
    const c = clock();
    const limits = new RequestLimits({ keyRatePerSecond: 2, keyBurst: 3, failedAuthBurst: 1, now: c.now });
    expect(takeN(limits.perKey, 'AKIA1', 10)).toBe(3);
    c.advance(500);
    expect(takeN(limits.perKey, 'AKIA1', 10)).toBe(1);
    expect(takeN(limits.failedAuthPerIp, '::1', 10)).toBe(1);
  });
});
