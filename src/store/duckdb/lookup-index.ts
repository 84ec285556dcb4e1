import { hash } from 'node:crypto';
import type { LookupAttributes } from '../../event/attributes.js';
import type { LookupAttributeKey } from '../event-store.js';
import { HashedPostings } from './hashed-postings.js';
import type { PostingPosition, PostingsPage } from './postings.js';
import type { RecordLocation } from '../../log/duckdb/record-segments.js';

/** What the index keeps of one stored event. */
export interface IndexedEvent {
  seq: number;
  accountId: string;
  eventId: string;
  eventTimeMs: number;
  attributes: LookupAttributes;
  /** Where the record lies in the log's segment files, when it does. */
  location?: RecordLocation;
}

export interface IndexQuery {
  accountId: string;
  insight: boolean;
  /** undefined: the account's whole history of that class. */
  key: LookupAttributeKey | undefined;
  value: string;
  startMs: number;
  endMs: number;
  limit: number;
  from?: PostingPosition | undefined;
}

/** Largest seq the index's 32-bit postings hold; past it the store answers from SQL alone. */
export const MAX_INDEXED_SEQ = 0xffff_ffff;

/** The key kinds kept per class; Insights events are looked up by these only (spec §4.4). */
export const INDEXED_KEYS = {
  n: ['All', 'EventName', 'EventSource', 'ReadOnly', 'Username', 'AccessKeyId', 'ResourceType', 'ResourceName'],
  i: ['All', 'EventName', 'EventSource'],
} as const satisfies Record<'n' | 'i', readonly (LookupAttributeKey | 'All')[]>;

/**
 * The 32-bit hash that names a key within its kind: the low word of the second half of the
 * MD5 of `<byte length of account>:<account><value>` — what DuckDB's
 * `md5_number_lower(...) % 2^32` computes, so the index fill can hash in SQL.
 */
export function keyHash(accountId: string, value: string): number {
  return hash('md5', `${Buffer.byteLength(accountId)}:${accountId}${value}`, 'buffer').readUInt32LE(8);
}

/**
 * Most values repeat from event to event (an account's event names, sources, users), and an MD5
 * costs ~1 µs: ~8 an event were a tenth of ingest's CPU. Remembered up to a bound, then forgotten
 * wholesale (cheaper than tracking recency).
 */
const HASH_MEMO_LIMIT = 100_000;
/** Hashes by account, then value: no key string is built per lookup (`account + value`). */
const hashMemo = new Map<string, Map<string, number>>();
let hashMemoSize = 0;

function memoKeyHash(accountId: string, value: string): number {
  let values = hashMemo.get(accountId);
  if (values === undefined) hashMemo.set(accountId, (values = new Map()));
  let h = values.get(value);
  if (h === undefined) {
    h = keyHash(accountId, value);
    if (hashMemoSize >= HASH_MEMO_LIMIT) {
      for (const m of hashMemo.values()) m.clear();
      hashMemoSize = 0;
    }
    values.set(value, h);
    hashMemoSize++;
  }
  return h;
}

/**
 * The lookup index of the embedded store: for every (account, Insights or not, attribute,
 * value) the events' (eventTime, seq) in time order, and each account's whole history per class.
 * A LookupEvents page becomes a binary search plus `limit` steps; only the page's rows are then
 * read from DuckDB, by seq (see the events_seq index). It lives in memory beside the log, about
 * 16 bytes a posting (~8 postings an event), and is rebuilt from the table when `serve` starts.
 *
 * Keys are kept by hash, so a candidate may belong to another value with the same hash: the
 * store re-checks every condition on the rows it reads, and asks for more when some fall out.
 * EventId is not kept here: the log's idempotency set already maps an ID to its seq.
 */
export class LookupIndex {
  private readonly kinds = new Map<string, HashedPostings>();
  /** Record locations by seq (segment 0: unknown): 16 bytes an event. */
  private segments: Uint32Array = new Uint32Array(0);
  private offsets: Float64Array = new Float64Array(0);
  private lengths: Uint32Array = new Uint32Array(0);

  /** The same postings as `kinds`, by key, for `add`. */
  private readonly others: Record<(typeof INDEXED_KEYS.n)[number], HashedPostings>;
  private readonly insights: Record<(typeof INDEXED_KEYS.i)[number], HashedPostings>;

  constructor() {
    for (const cls of ['n', 'i'] as const) {
      for (const key of INDEXED_KEYS[cls]) this.kinds.set(`${cls}:${key}`, new HashedPostings());
    }
    const others = Object.fromEntries(INDEXED_KEYS.n.map((k) => [k, this.kind(false, k)]));
    const insights = Object.fromEntries(INDEXED_KEYS.i.map((k) => [k, this.kind(true, k)]));
    this.others = others as typeof this.others;
    this.insights = insights as typeof this.insights;
  }

  get size(): number {
    let n = 0;
    for (const p of this.kinds.values()) n += p.size;
    return n;
  }

  /** The postings of one key kind, for the index fill. */
  kind(insight: boolean, key: LookupAttributeKey | 'All'): HashedPostings {
    const p = this.kinds.get(`${insight ? 'i' : 'n'}:${key}`);
    if (!p) throw new Error(`the lookup index keeps no ${key} postings for ${insight ? 'Insights' : 'other'} events`);
    return p;
  }

  /** Makes room for the locations of seqs up to `maxSeq` at once. */
  reserveLocations(maxSeq: number): void {
    if (maxSeq >= this.segments.length) this.growLocations(maxSeq + 1);
  }

  /** Remembers where the record of `seq` lies. */
  setLocation(seq: number, loc: RecordLocation): void {
    if (seq >= this.segments.length) this.growLocations(Math.max(1024, seq + 1, Math.ceil(this.segments.length * 1.5)));
    this.segments[seq] = loc.segment;
    this.offsets[seq] = loc.offset;
    this.lengths[seq] = loc.length;
  }

  private growLocations(cap: number): void {
    const segments = new Uint32Array(cap);
    segments.set(this.segments);
    const offsets = new Float64Array(cap);
    offsets.set(this.offsets);
    const lengths = new Uint32Array(cap);
    lengths.set(this.lengths);
    this.segments = segments;
    this.offsets = offsets;
    this.lengths = lengths;
  }

  locationOf(seq: number): RecordLocation | undefined {
    const segment = this.segments[seq];
    return segment ? { segment, offset: this.offsets[seq]!, length: this.lengths[seq]! } : undefined;
  }

  add(e: IndexedEvent): void {
    if (e.location) this.setLocation(e.seq, e.location);
    const a = e.attributes;
    const { accountId, eventTimeMs: t, seq } = e;
    // The kinds' postings by property, and no closure: this runs ~8 times an event on ingest.
    const insight = a.eventCategory === 'Insight';
    const p = insight ? this.insights : this.others;
    p.All.add(memoKeyHash(accountId, ''), t, seq);
    if (a.eventName !== null) p.EventName.add(memoKeyHash(accountId, a.eventName), t, seq);
    if (a.eventSource !== null) p.EventSource.add(memoKeyHash(accountId, a.eventSource), t, seq);
    if (insight) return;
    const o = this.others;
    if (a.readOnly !== null) o.ReadOnly.add(memoKeyHash(accountId, a.readOnly ? 'true' : 'false'), t, seq);
    if (a.username !== null) o.Username.add(memoKeyHash(accountId, a.username), t, seq);
    if (a.accessKeyId !== null) o.AccessKeyId.add(memoKeyHash(accountId, a.accessKeyId), t, seq);
    addEach(o.ResourceType, accountId, a.resourceTypes, t, seq);
    addEach(o.ResourceName, accountId, a.resourceNames, t, seq);
  }

  /** About how many events a key holds: the planner starts from the smallest. */
  count(q: Pick<IndexQuery, 'accountId' | 'insight' | 'key' | 'value'>): number {
    const { kind, hash } = this.locate(q);
    return kind ? kind.count(hash) : 0;
  }

  /** Candidate seqs of one page, newest first. */
  page(q: IndexQuery): PostingsPage {
    const { kind, hash } = this.locate(q);
    return kind ? kind.page(hash, q.startMs, q.endMs, q.limit, q.from) : { seqs: [], times: [] };
  }

  /** Forgets events whose eventTime is before the cut-off. */
  pruneBefore(timeMs: number): void {
    for (const p of this.kinds.values()) p.pruneBefore(timeMs);
  }

  private locate(q: Pick<IndexQuery, 'accountId' | 'insight' | 'key' | 'value'>) {
    const key = q.key ?? 'All';
    const kind = this.kinds.get(`${q.insight ? 'i' : 'n'}:${key}`);
    // The SQL filter reads ReadOnly as `lower(value) = 'true'`; the index answers alike.
    const value = key === 'All' ? '' : key === 'ReadOnly' ? String(q.value.toLowerCase() === 'true') : q.value;
    return { kind, hash: keyHash(q.accountId, value) };
  }
}

/** One posting per distinct value: a value listed twice by one event (two resources of one type) is one. */
function addEach(p: HashedPostings, accountId: string, values: readonly string[], timeMs: number, seq: number): void {
  // Events mostly list a handful of resources: a scan of the earlier ones beats building a Set.
  const distinct = values.length > 8 ? [...new Set(values)] : values;
  const scan = distinct === values;
  for (let i = 0; i < distinct.length; i++) {
    const v = distinct[i]!;
    if (scan && i > 0 && values.lastIndexOf(v, i - 1) >= 0) continue;
    p.add(memoKeyHash(accountId, v), timeMs, seq);
  }
}
