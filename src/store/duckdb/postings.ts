/** A place in newest-first order: an entry's (eventTime, seq). */
export interface PostingPosition {
  timeMs: number;
  seq: number;
}

/** Seqs of one page, newest first, their times, and the position of the last one. */
export interface PostingsPage {
  seqs: number[];
  times: number[];
  last?: PostingPosition;
}

/**
 * The events of one lookup key — say (account, Username, "alice") — as (eventTime, seq) pairs,
 * read newest first. This is the access structure LookupEvents needs: a page is a binary search
 * and `limit` steps, however many events the store holds.
 *
 * Events mostly arrive in time order (live ingest), but imports and late events do not, so the
 * pairs are kept as a sorted `main` run plus an appended `tail`. A read sorts the tail alone
 * (it is small) and merges the two runs on the fly; the tail is folded into the main run once
 * it grows past an eighth of it, which keeps the cost of out-of-order input amortised O(log n).
 */
export class Postings {
  private times: Float64Array;
  private seqs: Uint32Array;
  private length = 0;
  /** Entries [0, mainLength) are sorted by (time, seq). */
  private mainLength = 0;
  /** Entries [mainLength, length) are sorted too (checked or sorted since the last append). */
  private tailSorted = true;

  constructor(capacity = 2) {
    this.times = new Float64Array(capacity);
    this.seqs = new Uint32Array(capacity);
  }

  /** Postings from pairs already sorted by (time, seq), as the index fill reads them. */
  static fromSorted(times: Float64Array, seqs: Uint32Array): Postings {
    const p = new Postings(0);
    p.times = times;
    p.seqs = seqs;
    p.length = times.length;
    p.mainLength = times.length;
    return p;
  }

  get size(): number {
    return this.length;
  }

  add(timeMs: number, seq: number): void {
    if (this.length === this.times.length) this.grow();
    const n = this.length;
    const inOrder = n === 0 || before(this.times[n - 1]!, this.seqs[n - 1]!, timeMs, seq);
    this.times[n] = timeMs;
    this.seqs[n] = seq;
    this.length = n + 1;
    // Appends in order extend whichever run is last; the common case costs nothing more.
    if (inOrder) {
      if (this.mainLength === n) this.mainLength = n + 1;
    } else {
      this.tailSorted = false;
    }
  }

  /**
   * Up to `limit` seqs, newest first, of entries with startMs ≤ time ≤ endMs that come strictly
   * after `from` in newest-first order (`from` is the last entry of the previous page).
   */
  page(startMs: number, endMs: number, limit: number, from?: PostingPosition): PostingsPage {
    this.prepare();
    const out: number[] = [];
    const times: number[] = [];
    let last: PostingPosition | undefined;
    // Upper bounds (exclusive) in each run: entries at or before (end, +inf), and before `from`.
    const upper = (lo: number, hi: number) => {
      let u = this.upperBound(lo, hi, endMs, Number.POSITIVE_INFINITY);
      if (from) u = Math.min(u, this.upperBound(lo, hi, from.timeMs, from.seq - 0.5));
      return u;
    };
    let a = upper(0, this.mainLength) - 1;
    let b = upper(this.mainLength, this.length) - 1;
    while (out.length < limit) {
      const takeA =
        a >= 0 && (b < this.mainLength || before(this.times[b]!, this.seqs[b]!, this.times[a]!, this.seqs[a]!));
      const i = takeA ? a : b >= this.mainLength ? b : -1;
      if (i < 0 || this.times[i]! < startMs) break;
      out.push(this.seqs[i]!);
      times.push(this.times[i]!);
      last = { timeMs: this.times[i]!, seq: this.seqs[i]! };
      if (takeA) a--;
      else b--;
    }
    return { seqs: out, times, ...(last ? { last } : {}) };
  }

  /** Every entry, sorted by (time, seq): views valid until the next add. */
  sorted(): { times: Float64Array; seqs: Uint32Array } {
    this.fold();
    return { times: this.times.subarray(0, this.length), seqs: this.seqs.subarray(0, this.length) };
  }

  /** Drops entries older than the cut-off; returns how many. */
  pruneBefore(timeMs: number): number {
    this.fold();
    const cut = this.upperBound(0, this.length, timeMs, -1);
    if (cut === 0) return 0;
    this.times.copyWithin(0, cut, this.length);
    this.seqs.copyWithin(0, cut, this.length);
    this.length -= cut;
    this.mainLength = this.length;
    return cut;
  }

  private upperBound(lo: number, hi: number, timeMs: number, seq: number): number {
    return upperBound(this.times, this.seqs, lo, hi, timeMs, seq);
  }

  private prepare(): void {
    if (this.length - this.mainLength > Math.max(64, this.mainLength >>> 3)) this.fold();
    else if (!this.tailSorted) this.sortRange(this.mainLength, this.length);
    this.tailSorted = true;
  }

  /** Merges the tail into the main run. */
  private fold(): void {
    if (this.mainLength === this.length) return;
    if (!this.tailSorted) this.sortRange(this.mainLength, this.length);
    const n = this.length;
    const m = this.mainLength;
    const times = new Float64Array(this.times.length);
    const seqs = new Uint32Array(this.seqs.length);
    let i = 0;
    let j = m;
    let k = 0;
    while (i < m || j < n) {
      const fromMain = j >= n || (i < m && before(this.times[i]!, this.seqs[i]!, this.times[j]!, this.seqs[j]!));
      const s = fromMain ? i++ : j++;
      times[k] = this.times[s]!;
      seqs[k++] = this.seqs[s]!;
    }
    this.times = times;
    this.seqs = seqs;
    this.mainLength = n;
    this.tailSorted = true;
  }

  private sortRange(lo: number, hi: number): void {
    const order = Array.from({ length: hi - lo }, (_, i) => lo + i);
    order.sort((x, y) => this.times[x]! - this.times[y]! || this.seqs[x]! - this.seqs[y]!);
    const t = order.map((i) => this.times[i]!);
    const s = order.map((i) => this.seqs[i]!);
    this.times.set(t, lo);
    this.seqs.set(s, lo);
  }

  private grow(): void {
    const cap = this.times.length < 1024 ? Math.max(2, this.times.length * 2) : Math.ceil(this.times.length * 1.5);
    const times = new Float64Array(cap);
    times.set(this.times);
    const seqs = new Uint32Array(cap);
    seqs.set(this.seqs);
    this.times = times;
    this.seqs = seqs;
  }
}

/** True when (t1, s1) sorts at or before (t2, s2). */
function before(t1: number, s1: number, t2: number, s2: number): boolean {
  return t1 < t2 || (t1 === t2 && s1 <= s2);
}

/** Index of the first entry in [lo, hi) that comes after (timeMs, seq); entries are sorted there. */
export function upperBound(
  times: Float64Array,
  seqs: Uint32Array,
  lo: number,
  hi: number,
  timeMs: number,
  seq: number,
): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const t = times[mid]!;
    if (t < timeMs || (t === timeMs && seqs[mid]! <= seq)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
