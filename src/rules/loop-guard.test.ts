import { describe, expect, it } from 'vitest';
import { LoopGuard } from './loop-guard.js';

describe('LoopGuard', () => {
  it('trips when one actor causes threshold matches within the window, not when spread out', () => {
    const g = new LoopGuard({ windowMs: 1000, threshold: 3 });
    expect(g.record('r', 'alice', 'ua', 0)).toBeUndefined();
    expect(g.record('r', 'alice', 'ua', 600)).toBeUndefined();
    expect(g.record('r', 'alice', 'ua', 1200)).toBeUndefined(); // the first fell out of the window
    expect(g.record('r', 'bob', 'ua', 1300)).toBeUndefined(); // another actor counts apart
    expect(g.record('r', 'alice', 'other-ua', 1300)).toBeUndefined(); // so does another user agent
    expect(g.record('r', 'alice', 'ua', 1500)).toEqual({
      ruleArn: 'r',
      actor: 'alice',
      userAgent: 'ua',
      matches: 3,
      windowMs: 1000,
    });
  });
});
