import { describe, expect, it } from 'vitest';
import { BATCH_WINDOW_MS, nextPollDelay } from './poll-delay.js';

describe('nextPollDelay', () => {
  it('waits the idle interval when nothing was read', () => {
    expect(nextPollDelay(0, 1000)).toBe(200);
    expect(nextPollDelay(0, 1000, 50)).toBe(50);
  });

  it('polls again at once after a full batch: there is a backlog', () => {
    expect(nextPollDelay(1000, 1000)).toBe(0);
  });

  it('lets a partial batch gather for a short window, never longer than the idle interval', () => {
    expect(nextPollDelay(10, 1000)).toBe(BATCH_WINDOW_MS);
    expect(nextPollDelay(10, 1000, 20)).toBe(20);
  });
});
