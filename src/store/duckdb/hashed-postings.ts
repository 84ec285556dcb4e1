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
  /**
   * Postings added since the last fold, by hash. A hash added once is only the index of its
   * entry in `singleTimes`/`singleSeqs`: most values of some kinds (resource ARNs, principal IDs,
   * session keys) belong to one event, and a Postings of their own (two typed arrays) made an add
   * ~25 times dearer, with its fold. A second add gives the hash a Postings.
   */
  private readonly recent = new Map<number, Postings | number>();
  private recentEntries = 0;
  private singleTimes = new Float64Array(1024);
  private singleSeqs = new Uint32Array(1024);
  private singles = 0;

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
    const p = this.recent.get(hash);
    if (p === undefined) {
      if (this.singles === this.singleTimes.length) this.growSingles();
      this.singleTimes[this.singles] = timeMs;
      this.singleSeqs[this.singles] = seq;
      this.recent.set(hash, this.singles++);
    } else if (typeof p === 'number') {
      const q = new Postings();
      q.add(this.singleTimes[p]!, this.singleSeqs[p]!);
      q.add(timeMs, seq);
      this.recent.set(hash, q);
    } else {
      p.add(timeMs, seq);
    }
    // Rebuilding costs O(run); doing it once the recent part is an eighth of the run keeps
    // each posting's share amortised constant.
    if (++this.recentEntries > Math.max(65_536, this.hashes.length >>> 3)) this.fold();
  }

  count(hash: number): number {
    const [lo, hi] = this.range(hash);
    const recent = this.recent.get(hash);
    return hi - lo + (recent === undefined ? 0 : typeof recent === 'number' ? 1 : recent.size);
  }

  /** Up to `limit` candidates of one hash, newest first, strictly after `from`. */
  page(hash: number, startMs: number, endMs: number, limit: number, from?: PostingPosition): PostingsPage {
    const [lo, hi] = this.range(hash);
    const fromRun = this.runPage(lo, hi, startMs, endMs, limit, from);
    const recent = this.recent.get(hash);
    if (recent === undefined) return fromRun;
    const fromRecent =
      typeof recent === 'number'
        ? singlePage(this.singleTimes[recent]!, this.singleSeqs[recent]!, startMs, endMs, limit, from)
        : recent.page(startMs, endMs, limit, from);
    return mergePages(fromRun, fromRecent, limit);
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
      // Run entries with a hash below `until`. Long stretches (a run much bigger than the
      // recent part) are found by binary search and copied in bulk; short ones one by one,
      // where three typed-array views would cost more than the copy.
      const n = this.hashes.length;
      if (i + 32 < n && this.hashes[i + 32]! < until) {
        let lo = i + 33;
        let hi = n;
        while (lo < hi) {
          const mid = (lo + hi) >>> 1;
          if (this.hashes[mid]! < until) lo = mid + 1;
          else hi = mid;
        }
        hashes.set(this.hashes.subarray(i, lo), k);
        times.set(this.times.subarray(i, lo), k);
        seqs.set(this.seqs.subarray(i, lo), k);
        k += lo - i;
        i = lo;
        return;
      }
      while (i < n && this.hashes[i]! < until) {
        hashes[k] = this.hashes[i]!;
        times[k] = this.times[i]!;
        seqs[k++] = this.seqs[i++]!;
      }
    };
    for (const hash of keys) {
      copyRun(hash);
      const recent = this.recent.get(hash)!;
      // The hash's recent entries are rt/rs [j, end).
      let rt: Float64Array, rs: Uint32Array, j: number, end: number;
      if (typeof recent === 'number') {
        [rt, rs, j, end] = [this.singleTimes, this.singleSeqs, recent, recent + 1];
      } else {
        ({ times: rt, seqs: rs } = recent.sorted());
        [j, end] = [0, rt.length];
      }
      while (j < end || (i < this.hashes.length && this.hashes[i] === hash)) {
        const runNext =
          i < this.hashes.length &&
          this.hashes[i] === hash &&
          (j >= end || this.times[i]! < rt[j]! || (this.times[i] === rt[j] && this.seqs[i]! <= rs[j]!));
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
    this.singles = 0;
  }

  private growSingles(): void {
    const times = new Float64Array(this.singleTimes.length * 2);
    times.set(this.singleTimes);
    const seqs = new Uint32Array(this.singleSeqs.length * 2);
    seqs.set(this.singleSeqs);
    this.singleTimes = times;
    this.singleSeqs = seqs;
  }
}

/** The page of a hash with one entry, as Postings.page would give it. */
function singlePage(
  timeMs: number,
  seq: number,
  startMs: number,
  endMs: number,
  limit: number,
  from?: PostingPosition,
): PostingsPage {
  const afterFrom = !from || timeMs < from.timeMs || (timeMs === from.timeMs && seq < from.seq);
  if (limit < 1 || timeMs < startMs || timeMs > endMs || !afterFrom) return { seqs: [], times: [] };
  return { seqs: [seq], times: [timeMs], last: { timeMs, seq } };
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
