import { describe, expect, it } from 'vitest';
import { prng } from '../../../test/helpers/embedded.js';
import { Postings, type PostingPosition } from './postings.js';

/** What a page must be: the model answer over a plain list. */
function expected(
  entries: PostingPosition[],
  start: number,
  end: number,
  limit: number,
  from?: PostingPosition,
): number[] {
  return entries
    .filter((e) => e.timeMs >= start && e.timeMs <= end)
    .filter((e) => !from || e.timeMs < from.timeMs || (e.timeMs === from.timeMs && e.seq < from.seq))
    .sort((a, b) => b.timeMs - a.timeMs || b.seq - a.seq)
    .slice(0, limit)
    .map((e) => e.seq);
}

describe('Postings', () => {
  it('pages newest first within a time range, in order and out of order, across every fold', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const rand = prng(seed);
      const p = new Postings();
      const entries: PostingPosition[] = [];
      for (let seq = 1; seq <= 3000; seq++) {
        // Mostly in time order, sometimes far in the past (an import), often the same second.
        const timeMs = rand() < 0.2 ? Math.floor(rand() * 1000) * 1000 : 1_000_000 + Math.floor(seq / 3) * 1000;
        p.add(timeMs, seq);
        entries.push({ timeMs, seq });
        if (seq % 97 === 0) {
          const start = Math.floor(rand() * 1_500_000);
          const end = start + Math.floor(rand() * 1_000_000);
          const limit = 1 + Math.floor(rand() * 60);
          const page = p.page(start, end, limit);
          expect(page.seqs, `seed ${seed} seq ${seq}`).toEqual(expected(entries, start, end, limit));
          // Following `last` walks the whole range without gaps or repeats.
          const all: number[] = [...page.seqs];
          let last = page.last;
          while (last) {
            const next = p.page(start, end, limit, last);
            all.push(...next.seqs);
            last = next.last;
          }
          expect(all).toEqual(expected(entries, start, end, Number.POSITIVE_INFINITY));
        }
      }
      expect(p.size).toBe(3000);
    }
  });

  it('treats both time bounds as inclusive and breaks ties by seq', () => {
    const p = new Postings();
    p.add(2000, 3);
    p.add(1000, 1);
    p.add(2000, 2);
    p.add(3000, 4);
    expect(p.page(1000, 2000, 10).seqs).toEqual([3, 2, 1]);
    expect(p.page(2000, 2000, 10, { timeMs: 2000, seq: 3 }).seqs).toEqual([2]);
    expect(p.page(0, 10_000, 2)).toEqual({ seqs: [4, 3], times: [3000, 2000], last: { timeMs: 2000, seq: 3 } });
    expect(p.page(5000, 6000, 10)).toEqual({ seqs: [], times: [] });
  });

  it('prunes entries older than the cut-off and keeps the rest in order', () => {
    const p = new Postings();
    [5000, 1000, 3000, 2000, 4000].forEach((t, i) => p.add(t, i + 1));
    expect(p.pruneBefore(3000)).toBe(2);
    expect(p.size).toBe(3);
    expect(p.page(0, 10_000, 10).seqs).toEqual([1, 5, 3]);
    p.add(500, 6);
    expect(p.page(0, 10_000, 10).seqs).toEqual([1, 5, 3, 6]);
  });

  it('builds from pairs already sorted', () => {
    const p = Postings.fromSorted(new Float64Array([1000, 2000, 2000]), new Uint32Array([7, 8, 9]));
    p.add(1500, 10);
    expect(p.page(0, 5000, 10).seqs).toEqual([9, 8, 10, 7]);
  });
});
