/** Time as the notify components see it, injectable so tests can move it instead of waiting. */
export interface Clock {
  now(): number;
  /** Runs `fn` after `ms`; the returned function cancels it. Timers never keep the process alive. */
  setTimer(ms: number, fn: () => void): () => void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer(ms, fn) {
    const t = setTimeout(fn, Math.max(0, ms));
    t.unref();
    return () => clearTimeout(t);
  },
};

export function sleep(clock: Clock, ms: number): Promise<void> {
  return new Promise((resolve) => clock.setTimer(ms, resolve));
}
