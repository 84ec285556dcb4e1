import { dirname } from 'node:path';
import {
  BIGINT,
  BOOLEAN,
  INTEGER,
  DuckDBDataChunk,
  DuckDBTimestampValue,
  TIMESTAMP,
  VARCHAR,
  type DuckDBConnection,
  type DuckDBValue,
} from '@duckdb/node-api';
import { lookupAttributesOf, type LookupAttributes } from '../../event/attributes.js';
import type { IndexedEvent, LookupIndex } from '../../store/duckdb/lookup-index.js';
import { EventKeySet } from './event-key-set.js';
import { readRawBatch } from './raw-batch.js';
import { RecordSegments, type RecordLocation } from './record-segments.js';
import type { NormalizedEvent } from '../../event/types.js';
import type { AppendOutcome, EventLog, LogCounters, LoggedEvent, RawLoggedEvent } from '../event-log.js';
import type { EmbeddedDatabase } from '../../store/duckdb/database.js';

interface PendingCursor {
  seq: number;
  waiters: { resolve: () => void; reject: (err: unknown) => void }[];
}

interface PendingAppend {
  events: readonly NormalizedEvent[];
  receivedAtMs: number;
  resolve: (outcomes: AppendOutcome[]) => void;
  reject: (err: unknown) => void;
}

/**
 * Recently committed events kept in memory for consumers that keep up with the log: reading
 * them back from DuckDB (a VARCHAR a row turned into a JavaScript string) cost each consumer
 * ~14 µs an event under ingest. ~30 MB of records at 1.5 KB each.
 */
const TAIL_EVENTS = 20_000;

/** Rows per commit when several callers' batches are grouped; keeps one commit's latency bounded. */
const MAX_ROWS_PER_COMMIT = 20_000;

/**
 * The embedded log: appends go into the `events` table of the DuckDB file.
 *
 * Group commit: batches that arrive while a commit is in flight wait and are committed together
 * in the next transaction, so many concurrent callers share one WAL sync. Each caller's promise
 * resolves only after the transaction holding its events has committed (DuckDB syncs the WAL on
 * commit), which is what "acknowledged only after durable" means here.
 */
export class DuckDBEventLog implements EventLog {
  private readonly queue: PendingAppend[] = [];
  private writing = false;
  private closed = false;
  private head = 0;
  private readonly keys = new EventKeySet();
  private readonly stats: LogCounters = { appended: 0, duplicates: 0, batches: 0, commits: 0 };
  private idle: Promise<void> = Promise.resolve();
  private markIdle: () => void = () => {};
  private index: LookupIndex | undefined;
  /** The newest committed events, oldest first, contiguous in seq (see TAIL_EVENTS). */
  private tail: LoggedEvent[] = [];
  /** Cursor positions waiting for the next commit, by consumer (see `setCursor`). */
  private cursors = new Map<string, PendingCursor>();

  private constructor(
    private readonly db: EmbeddedDatabase,
    private readonly segments: RecordSegments,
  ) {}

  static async open(db: EmbeddedDatabase): Promise<DuckDBEventLog> {
    const log = new DuckDBEventLog(db, RecordSegments.open(dirname(db.path)));
    // The idempotency index, rebuilt from the stored events (hex MD5 digests and their seqs, a
    // million at a time).
    const keys = await db.read((c) =>
      c.runAndReadAll(
        `SELECT string_agg(md5(strlen(account_id)::VARCHAR || ':' || account_id || chr(10) || event_id), '' ORDER BY seq),
                string_agg(seq::VARCHAR, ',' ORDER BY seq)
         FROM events GROUP BY seq // 1048576`,
      ),
    );
    for (const row of keys.getRows()) {
      if (typeof row[0] === 'string' && typeof row[1] === 'string') log.keys.addHex(row[0], row[1]);
    }
    // Retention may have deleted the newest rows: the committed high-water mark is kept apart.
    const r = await db.read((c) =>
      c.runAndReadAll(
        `SELECT greatest(coalesce((SELECT max(seq) FROM events), 0),
                         coalesce((SELECT seq FROM log_state WHERE name = 'head'), 0))`,
      ),
    );
    log.head = Number(r.getRows()[0]?.[0] ?? 0);
    return log;
  }

  append(events: readonly NormalizedEvent[], receivedAtMs: number): Promise<AppendOutcome[]> {
    if (this.closed) return Promise.reject(new Error('the event log is closed'));
    if (events.length === 0) return Promise.resolve([]);
    return new Promise((resolve, reject) => {
      this.queue.push({ events, receivedAtMs, resolve, reject });
      if (!this.writing) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.writing = true;
    this.idle = new Promise((r) => (this.markIdle = r));
    try {
      while (this.queue.length > 0 || this.cursors.size > 0) {
        const group: PendingAppend[] = [];
        let rows = 0;
        while (
          this.queue.length > 0 &&
          (group.length === 0 || rows + this.queue[0]!.events.length <= MAX_ROWS_PER_COMMIT)
        ) {
          const next = this.queue.shift()!;
          group.push(next);
          rows += next.events.length;
        }
        const cursors = this.cursors;
        this.cursors = new Map();
        try {
          const outcomes = await this.db.write((w) => this.commitGroup(w, group, cursors));
          group.forEach((p, i) => p.resolve(outcomes[i]!));
          for (const c of cursors.values()) c.waiters.forEach((x) => x.resolve());
        } catch (err) {
          group.forEach((p) => p.reject(err));
          for (const c of cursors.values()) c.waiters.forEach((x) => x.reject(err));
        }
      }
    } finally {
      this.writing = false;
      this.markIdle();
    }
  }

  /** One transaction for a group of batches; returns each batch's outcomes. */
  private async commitGroup(
    w: DuckDBConnection,
    group: PendingAppend[],
    cursors: ReadonlyMap<string, PendingCursor>,
  ): Promise<AppendOutcome[][]> {
    // Outcomes default to duplicate; rows the insert returns are the ones stored.
    const outcomes: AppendOutcome[][] = group.map((p) => p.events.map(() => ({ status: 'duplicate', seq: 0 })));
    // A key already stored, or repeated within the group, is a duplicate of its first copy.
    const groupKeys = new EventKeySet(1024);
    const newKeys: { key: Buffer; seq: number }[] = [];
    const indexed: IndexedEvent[] = [];
    const slots: { batch: number; index: number }[] = [];
    let seq = this.head;
    const rows: unknown[][] = [];
    const records: string[] = [];
    for (let b = 0; b < group.length; b++) {
      const { events, receivedAtMs } = group[b]!;
      for (let i = 0; i < events.length; i++) {
        const e = events[i]!;
        const key = EventKeySet.keyOf(e.accountId, e.eventId);
        if (this.keys.has(key) || !groupKeys.add(key)) continue;
        seq += 1;
        newKeys.push({ key, seq });
        slots.push({ batch: b, index: i });
        outcomes[b]![i] = { status: 'stored', seq };
        const attributes = lookupAttributesOf(e.record);
        rows.push(columnsOf(seq, e, attributes, receivedAtMs));
        // Kept whether or not an index is attached yet: one attached while this commit is in
        // flight must still get these rows (they are above the head it was handed).
        indexed.push({ seq, accountId: e.accountId, eventId: e.eventId, eventTimeMs: e.eventTimeMs, attributes });
        records.push(e.json);
      }
    }
    // The records' bytes are durable in their segment before the rows that point at them commit.
    const locations = await this.segments.append(records);
    locations.forEach((loc, i) => {
      rows[i]!.push(loc.segment, loc.offset, loc.length);
      if (indexed[i]) indexed[i]!.location = loc;
    });
    try {
      await w.run('BEGIN TRANSACTION');
      if (rows.length > 0) {
        await appendRows(w, rows, records);
      }
      if (rows.length > 0) await w.run(`INSERT OR REPLACE INTO log_state VALUES ('head', $seq)`, { seq });
      for (const [consumer, c] of cursors) {
        await w.run('INSERT OR REPLACE INTO cursors VALUES ($c, $s)', { c: consumer, s: c.seq });
      }
      await w.run('COMMIT');
    } catch (err) {
      await w.run('ROLLBACK').catch(() => {});
      throw err;
    }
    // Only now, committed, do the keys count as stored.
    for (const k of newKeys) this.keys.add(k.key, k.seq);
    const index = this.index;
    if (index) for (const e of indexed) index.add(e);
    this.remember(indexed, records, group, slots);
    this.head = seq;
    this.stats.appended += slots.length;
    this.stats.duplicates += group.reduce((n, p) => n + p.events.length, 0) - slots.length;
    this.stats.batches += group.length;
    this.stats.commits += 1;
    return outcomes;
  }

  /** Keeps the events just committed in the in-memory tail. */
  private remember(
    indexed: readonly IndexedEvent[],
    records: readonly string[],
    group: readonly PendingAppend[],
    slots: readonly { batch: number }[],
  ): void {
    if (indexed.length === 0) return;
    const last = this.tail[this.tail.length - 1];
    // The tail must stay contiguous; the first commit after opening starts it.
    if (last && last.seq + 1 !== indexed[0]!.seq) this.tail = [];
    for (let i = 0; i < indexed.length; i++) {
      const e = indexed[i]!;
      this.tail.push({
        seq: e.seq,
        receivedAtMs: group[slots[i]!.batch]!.receivedAtMs,
        accountId: e.accountId,
        eventId: e.eventId,
        json: records[i]!,
      });
    }
    // Trimmed in steps, so that the array is not shifted on every commit.
    if (this.tail.length > 2 * TAIL_EVENTS) this.tail = this.tail.slice(-TAIL_EVENTS);
  }

  async read(afterSeq: number, limit: number): Promise<LoggedEvent[]> {
    const first = this.tail[0];
    if (first && afterSeq + 1 >= first.seq && afterSeq < this.head) {
      const from = afterSeq + 1 - first.seq;
      return this.tail.slice(from, from + limit);
    }
    if (first && afterSeq >= this.head) return [];
    const r = await this.db.read((c) =>
      c.runAndReadAll(
        `SELECT seq, epoch_ms(received_at), account_id, event_id, record FROM events
       WHERE seq > $after ORDER BY seq LIMIT $limit`,
        { after: afterSeq, limit },
      ),
    );
    return r.getRows().map((row) => ({
      seq: Number(row[0]),
      receivedAtMs: Number(row[1]),
      accountId: row[2] as string,
      eventId: row[3] as string,
      json: row[4] as string,
    }));
  }

  /** Events with seq > afterSeq with their lookup columns, records as bytes (see readRawBatch). */
  readBatch(afterSeq: number, limit: number): Promise<RawLoggedEvent[]> {
    return readRawBatch(this.db, this.segments, afterSeq, limit);
  }

  /**
   * Keeps `index` up to date with every commit from now on; returns the head at this moment,
   * so that whoever fills the index from the table reads exactly the events up to it (a commit
   * in flight has seqs above it and reaches the index through this hook).
   */
  attachIndex(index: LookupIndex): number {
    this.index = index;
    return this.head;
  }

  /** The seq of the event with this (recipientAccountId, eventID), if the log holds it. */
  seqOf(accountId: string, eventId: string): number | undefined {
    return this.keys.seqOf(EventKeySet.keyOf(accountId, eventId));
  }

  async headSeq(): Promise<number> {
    return this.head;
  }

  /** headSeq without a promise, for callers on the hot path. */
  headSeqNow(): number {
    return this.head;
  }

  async getCursor(consumer: string): Promise<number> {
    const r = await this.db.read((c) =>
      c.runAndReadAll('SELECT seq FROM cursors WHERE consumer = $c', { c: consumer }),
    );
    return Number(r.getRows()[0]?.[0] ?? 0);
  }

  /**
   * Persists a consumer's position in the log's next commit. Consumers move their cursors after
   * every batch they read; under ingest each of those would be one more synced transaction on
   * the database's one writer (measured: three consumers' cursors took 40% of the writer's time
   * and halved ingest), so they ride along with the next group of appended events instead.
   * Resolves once the position is committed; the last position given for a consumer wins.
   */
  setCursor(consumer: string, seq: number): Promise<void> {
    if (this.closed) return Promise.reject(new Error('the event log is closed'));
    return new Promise((resolve, reject) => {
      const pending = this.cursors.get(consumer);
      if (pending) {
        pending.seq = seq;
        pending.waiters.push({ resolve, reject });
      } else {
        this.cursors.set(consumer, { seq, waiters: [{ resolve, reject }] });
      }
      if (!this.writing) void this.drain();
    });
  }

  counters(): LogCounters {
    return { ...this.stats };
  }

  /** The records at these locations, read from the segment files. */
  readRecords(locations: readonly RecordLocation[]): Promise<string[]> {
    return this.segments.read(locations);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    while (this.writing) await this.idle;
    this.segments.close();
  }
}

/**
 * Resource types and names are kept as one string, each value framed by newlines, so an exact
 * match is `contains(col, chr(10) || value || chr(10))`. LIST columns cost ~10 µs a row to hand
 * over (measured), more than the rest of the row together.
 */
function joinValues(values: string[]): string | null {
  // Each value JSON-quoted, so a value never holds the raw newline that frames it.
  return values.length === 0 ? null : '\n' + values.map((v) => JSON.stringify(v)).join('\n') + '\n';
}

/**
 * DuckDB's JSON reader refuses a lone surrogate escape, which a record may legally hold; the
 * lookup columns take U+FFFD in its place, as a UTF-8 column would anyway. The record itself is
 * never parsed on the way in and keeps its escape.
 */
declare global {
  // ES2024 string methods, present in Node 20 (V8 11.3); the project's lib stays ES2023 so that
  // nothing newer than Node 20 slips in.
  interface String {
    isWellFormed(): boolean;
    toWellFormed(): string;
  }
}

function wellFormed(v: string | null): string | null {
  return v === null || v.isWellFormed() ? v : v.toWellFormed();
}

/**
 * One row's columns of `events` but the record, as a JSON array. Derived in JavaScript, where
 * the record is already parsed: extracting them from the record in DuckDB measured twice as slow.
 */
function columnsOf(seq: number, e: NormalizedEvent, a: LookupAttributes, receivedAtMs: number): unknown[] {
  return [
    seq,
    e.accountId,
    e.eventId,
    e.eventTimeMs,
    receivedAtMs,
    wellFormed(a.eventName),
    wellFormed(a.eventSource),
    wellFormed(a.awsRegion),
    wellFormed(a.eventCategory),
    a.readOnly,
    wellFormed(a.username),
    wellFormed(a.accessKeyId),
    wellFormed(joinValues(a.resourceTypes)),
    wellFormed(joinValues(a.resourceNames)),
  ];
}

const COLUMN_TYPES = [
  BIGINT,
  VARCHAR,
  VARCHAR,
  TIMESTAMP,
  TIMESTAMP,
  VARCHAR,
  VARCHAR,
  VARCHAR,
  VARCHAR,
  BOOLEAN,
  VARCHAR,
  VARCHAR,
  VARCHAR,
  VARCHAR,
  VARCHAR,
  INTEGER,
  BIGINT,
  INTEGER,
];
/** DuckDB's vector size: the most rows one data chunk holds. */
const CHUNK_ROWS = 2048;

/**
 * A group goes to DuckDB through the appender, a column at a time in data chunks, inside the
 * commit's transaction (a rollback takes the rows back). Measured against binding the rows as
 * one JSON parameter and unnesting it in SQL: about a third less CPU a row, because DuckDB parses
 * nothing and JavaScript hands over plain arrays.
 */
async function appendRows(w: DuckDBConnection, rows: unknown[][], records: string[]): Promise<void> {
  const appender = await w.createAppender('events');
  try {
    for (let from = 0; from < rows.length; from += CHUNK_ROWS) {
      const part = rows.slice(from, from + CHUNK_ROWS);
      const chunk = DuckDBDataChunk.create(COLUMN_TYPES, part.length);
      const columns: DuckDBValue[][] = COLUMN_TYPES.map(() => new Array<DuckDBValue>(part.length));
      part.forEach((row, i) => {
        columns[0]![i] = BigInt(row[0] as number);
        for (const c of [1, 2, 5, 6, 7, 8, 10, 11, 12, 13]) columns[c]![i] = row[c] as string | null;
        columns[3]![i] = new DuckDBTimestampValue(BigInt(row[3] as number) * 1000n);
        columns[4]![i] = new DuckDBTimestampValue(BigInt(row[4] as number) * 1000n);
        columns[9]![i] = row[9] as boolean | null;
        columns[14]![i] = records[from + i]!;
        columns[15]![i] = row[14] as number;
        columns[16]![i] = BigInt(row[15] as number);
        columns[17]![i] = row[16] as number;
      });
      chunk.setColumns(columns);
      appender.appendDataChunk(chunk);
    }
    appender.flushSync();
  } finally {
    appender.closeSync();
  }
}
