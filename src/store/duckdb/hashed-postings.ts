import { Postings, upperBound, type PostingPosition, type PostingsPage } from './postings.js';

/**
 * Every posting of one key kind (say, ResourceName) in one sorted run of (hash, time, seq), plus
 * the postings added since the run was last rebuilt, per hash. No object or string is kept per
 * distinct value: a trail of S3 data events has about one ARN per event, and ten million small
 * objects would cost gigabytes of heap, where the run costs 16 bytes a posting.
 *
 * A hash is 32 bits of the MD5 of the key; two values can share one, so a hash names candidates
 * and the store checks every candidate's real attributes when it reads the rows.
 */
export class HashedPostings {
  private hashes: Uint32Array = new Uint32Array(0);
  private times: Float64Array = new Float64Array(0);
  private seqs: Uint32Array = new Uint32Array(0);
  private readonly recent = new Map<number, Postings>();
  private recentEntries = 0;

  get size(): number {
    return this.hashes.length + this.recentEntries;
  }

  /** Installs a run already sorted by (hash, time, seq), as the index fill reads it. */
  load(hashes: Uint32Array, times: Float64Array, seqs: Uint32Array): void {
    if (this.size > 0) throw new Error('HashedPostings.load on postings that are not empty');
    this.hashes = hashes;
    this.times = times;
    this.seqs = seqs;
  }

  add(hash: number, timeMs: number, seq: number): void {
    let p = this.recent.get(hash);
    if (!p) this.recent.set(hash, (p = new Postings()));
    p.add(timeMs, seq);
    // Rebuilding costs O(run); doing it once the recent part is an eighth of the run keeps
    // each posting's share amortised constant.
    if (++this.recentEntries > Math.max(65_536, this.hashes.length >>> 3)) this.fold();
  }

  count(hash: number): number {
    const [lo, hi] = this.range(hash);
    return hi - lo + (this.recent.get(hash)?.size ?? 0);
  }

  /** Up to `limit` candidates of one hash, newest first, strictly after `from`. */
  page(hash: number, startMs: number, endMs: number, limit: number, from?: PostingPosition): PostingsPage {
    const [lo, hi] = this.range(hash);
    const fromRun = this.runPage(lo, hi, startMs, endMs, limit, from);
    const recent = this.recent.get(hash);
    if (!recent) return fromRun;
    return mergePages(fromRun, recent.page(startMs, endMs, limit, from), limit);
  }

  /** Drops postings older than the cut-off. */
  pruneBefore(timeMs: number): number {
    this.fold();
    let kept = 0;
    const before = this.hashes.length;
    for (let i = 0; i < before; i++) {
      if (this.times[i]! < timeMs) continue;
      this.hashes[kept] = this.hashes[i]!;
      this.times[kept] = this.times[i]!;
      this.seqs[kept++] = this.seqs[i]!;
    }
    this.hashes = this.hashes.slice(0, kept);
    this.times = this.times.slice(0, kept);
    this.seqs = this.seqs.slice(0, kept);
    return before - kept;
  }

  /** [lo, hi) of the run entries holding `hash`. */
  private range(hash: number): [number, number] {
    const h = this.hashes;
    let lo = 0;
    let hi = h.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (h[mid]! < hash) lo = mid + 1;
      else hi = mid;
    }
    let end = lo;
    hi = h.length;
    while (end < hi) {
      const mid = (end + hi) >>> 1;
      if (h[mid]! <= hash) end = mid + 1;
      else hi = mid;
    }
    return [lo, end];
  }

  private runPage(
    lo: number,
    hi: number,
    startMs: number,
    endMs: number,
    limit: number,
    from?: PostingPosition,
  ): PostingsPage {
    let top = this.upperBound(lo, hi, endMs, Number.POSITIVE_INFINITY);
    if (from) top = Math.min(top, this.upperBound(lo, hi, from.timeMs, from.seq - 0.5));
    const seqs: number[] = [];
    const times: number[] = [];
    for (let i = top - 1; i >= lo && seqs.length < limit && this.times[i]! >= startMs; i--) {
      seqs.push(this.seqs[i]!);
      times.push(this.times[i]!);
    }
    const n = seqs.length;
    return { seqs, times, ...(n > 0 ? { last: { timeMs: times[n - 1]!, seq: seqs[n - 1]! } } : {}) };
  }

  private upperBound(lo: number, hi: number, timeMs: number, seq: number): number {
    return upperBound(this.times, this.seqs, lo, hi, timeMs, seq);
  }

  /** Merges the recent postings into the run. */
  private fold(): void {
    if (this.recentEntries === 0) return;
    const keys = Uint32Array.from(this.recent.keys()).sort();
    const n = this.hashes.length + this.recentEntries;
    const hashes = new Uint32Array(n);
    const times = new Float64Array(n);
    const seqs = new Uint32Array(n);
    let i = 0;
    let k = 0;
    const copyRun = (until: number) => {
      // Run entries with a hash below `until`, and, equal to it, that come before (t, s).
      while (i < this.hashes.length && this.hashes[i]! < until) {
        hashes[k] = this.hashes[i]!;
        times[k] = this.times[i]!;
        seqs[k++] = this.seqs[i++]!;
      }
    };
    for (const hash of keys) {
      copyRun(hash);
      const { times: rt, seqs: rs } = this.recent.get(hash)!.sorted();
      let j = 0;
      while (j < rt.length || (i < this.hashes.length && this.hashes[i] === hash)) {
        const runNext =
          i < this.hashes.length &&
          this.hashes[i] === hash &&
          (j >= rt.length || this.times[i]! < rt[j]! || (this.times[i] === rt[j] && this.seqs[i]! <= rs[j]!));
        hashes[k] = hash;
        if (runNext) {
          times[k] = this.times[i]!;
          seqs[k++] = this.seqs[i++]!;
        } else {
          times[k] = rt[j]!;
          seqs[k++] = rs[j++]!;
        }
      }
    }
    copyRun(Number.POSITIVE_INFINITY);
    this.hashes = hashes;
    this.times = times;
    this.seqs = seqs;
    this.recent.clear();
    this.recentEntries = 0;
  }
}

/** The newest `limit` of two newest-first pages. */
function mergePages(a: PostingsPage, b: PostingsPage, limit: number): PostingsPage {
  const out: PostingsPage = { seqs: [], times: [] };
  let i = 0;
  let j = 0;
  while (out.seqs.length < limit && (i < a.seqs.length || j < b.seqs.length)) {
    const takeA =
      j >= b.seqs.length ||
      (i < a.seqs.length && (a.times[i]! > b.times[j]! || (a.times[i] === b.times[j] && a.seqs[i]! > b.seqs[j]!)));
    const [times, seqs, k] = takeA ? [a.times, a.seqs, i++] : [b.times, b.seqs, j++];
    out.seqs.push(seqs[k]!);
    out.times.push(times[k]!);
    out.last = { timeMs: times[k]!, seq: seqs[k]! };
  }
  return out;
}
