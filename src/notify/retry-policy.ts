/**
 * How often and for how long a notification is retried. The two limits are EventBridge's target
 * RetryPolicy (MaximumRetryAttempts 0–185, MaximumEventAgeInSeconds 60–86400, both defaulting to
 * the maximum); the delays are ours: exponential from `baseDelayMs`, capped at `maxDelayMs`,
 * with "equal jitter" (half fixed, half random) so retries from many notifications spread out
 * while each one still waits at least half its step.
 */
export interface RetryPolicy {
  maximumRetryAttempts: number;
  maximumEventAgeSeconds: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maximumRetryAttempts: 185,
  maximumEventAgeSeconds: 86_400,
  baseDelayMs: 1000,
  maxDelayMs: 5 * 60_000,
};

/** Fills in defaults and rejects values outside EventBridge's ranges, naming the field. */
export function resolveRetryPolicy(
  p: Partial<RetryPolicy> = {},
  base: RetryPolicy = DEFAULT_RETRY_POLICY,
): RetryPolicy {
  const r = { ...base, ...stripUndefined(p) };
  const check = (name: keyof RetryPolicy, min: number, max: number) => {
    const v = r[name];
    if (!Number.isInteger(v) || v < min || v > max) {
      throw new RangeError(`RetryPolicy.${name} must be an integer from ${min} to ${max}, got ${String(v)}`);
    }
  };
  check('maximumRetryAttempts', 0, 185);
  // AWS's floor is 60 s; ours is 1 s so short-lived tests and demos can expire quickly.
  check('maximumEventAgeSeconds', 1, 86_400);
  check('baseDelayMs', 0, 3_600_000);
  check('maxDelayMs', 0, 24 * 3_600_000);
  return r;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * The wait before retry number `failedAttempts` (1 after the first failure). `random` returns
 * [0, 1); a receiver's Retry-After raises the wait (up to `maxDelayMs`), never lowers it.
 */
export function backoffDelayMs(
  policy: RetryPolicy,
  failedAttempts: number,
  random: () => number = Math.random,
  retryAfterMs?: number,
): number {
  const step = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, Math.min(failedAttempts - 1, 40)));
  const jittered = step / 2 + random() * (step / 2);
  const floor = retryAfterMs === undefined ? 0 : Math.min(retryAfterMs, policy.maxDelayMs);
  return Math.round(Math.max(jittered, floor));
}
