import { describe, expect, it } from 'vitest';
import { backoffDelayMs, DEFAULT_RETRY_POLICY, resolveRetryPolicy } from './retry-policy.js';

describe('retry policy', () => {
  const policy = resolveRetryPolicy({ baseDelayMs: 100, maxDelayMs: 1000 });

  it("defaults to EventBridge's limits: 185 retries within 24 hours", () => {
    expect(DEFAULT_RETRY_POLICY).toMatchObject({ maximumRetryAttempts: 185, maximumEventAgeSeconds: 86_400 });
  });

  it('doubles each step up to the cap, with the random half as jitter', () => {
    const low = [1, 2, 3, 4, 5, 6].map((n) => backoffDelayMs(policy, n, () => 0));
    const high = [1, 2, 3, 4, 5, 6].map((n) => backoffDelayMs(policy, n, () => 0.999999));
    expect(low).toEqual([50, 100, 200, 400, 500, 500]);
    expect(high).toEqual([100, 200, 400, 800, 1000, 1000]);
  });

  it('waits at least a Retry-After, but never beyond the cap', () => {
    expect(backoffDelayMs(policy, 1, () => 0, 700)).toBe(700);
    expect(backoffDelayMs(policy, 1, () => 0, 60_000)).toBe(1000);
  });

  it('names the field and range it refuses', () => {
    expect(() => resolveRetryPolicy({ maximumRetryAttempts: 186 })).toThrow(
      'RetryPolicy.maximumRetryAttempts must be an integer from 0 to 185, got 186',
    );
    expect(() => resolveRetryPolicy({ maximumEventAgeSeconds: 0 })).toThrow(
      'RetryPolicy.maximumEventAgeSeconds must be an integer from 1 to 86400, got 0',
    );
  });

  it('keeps the base policy for fields left undefined', () => {
    expect(resolveRetryPolicy({ maximumRetryAttempts: undefined }, policy)).toEqual(policy);
  });
});
