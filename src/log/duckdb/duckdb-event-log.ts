import { dirname } from 'node:path';
import { lookupAttributesOf } from '../../event/attributes.js';
import type { LookupIndex } from '../../store/duckdb/lookup-index.js';
import { EventKeySet } from './event-key-set.js';
import type { EventRow } from './event-rows.js';
import { Materializer } from './materializer.js';
import { readRawBatch } from './raw-batch.js';
import { RecordSegments, type RecordLocation } from './record-segments.js';
import { recoverFromSegments } from './segment-recovery.js';
import type { NormalizedEvent } from '../../event/types.js';
import type { AppendOutcome, EventLog, LogCounters, LoggedEvent, RawLoggedEvent } from '../event-log.js';
import type { EmbeddedDatabase } from '../../store/duckdb/database.js';

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
/** Acknowledged rows DuckDB may lag behind before appends wait for it (bounds the memory they hold). */
const MAX_MATERIALIZE_BACKLOG = 200_000;

/**
 * The embedded log. An append is durable, and acknowledged, once its records are synced in the
 * log's segment files (RecordSegments) with a frame that says everything their rows need; the
 * rows of the `events` table that lookups, consumers and SQL read follow a moment later, in
 * bigger transactions (Materializer), and a crash in between is repaired at the next open
 * (segment-recovery.ts). One synced write is then all an acknowledgement waits for; writing the
 * rows before acknowledging put DuckDB's commit — appender, WAL write and sync — on every call's
 * path, which bounded ingest by commit latency. Readers of `events` wait for the rows they must
 * see (`materialized`), so what was acknowledged is always found.
 *
 * Group commit: batches that arrive while an append is in flight wait and are appended together
 * next, so many concurrent callers share one sync. Idempotency is decided here, in memory
 * (EventKeySet), before the sync.
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
  /** The newest acknowledged events, oldest first, contiguous in seq (see TAIL_EVENTS). */
  private tail: EventRow[] = [];
  private materializer!: Materializer;

  private constructor(
    private readonly db: EmbeddedDatabase,
    private readonly segments: RecordSegments,
  ) {}

  static async open(db: EmbeddedDatabase, options: { onError?: (err: unknown) => void } = {}): Promise<DuckDBEventLog> {
    const segments = RecordSegments.open(dirname(db.path));
    const log = new DuckDBEventLog(db, segments);
    // Rows a crash kept from committing come back from the segments first.
    const recovery = await recoverFromSegments(db, segments);
    // Bytes of an append that never completed: new groups go to a fresh segment after them.
    if (recovery.tornTail) segments.roll();
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
    log.materializer = new Materializer(db, log.head, options.onError);
    db.setReadBarrier(() => log.materialized());
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
      while (this.queue.length > 0) {
        // DuckDB far behind (a long checkpoint, a slow disk): wait rather than hold ever more rows.
        if (this.materializer.backlog() > MAX_MATERIALIZE_BACKLOG) {
          await this.materializer.whenMaterialized(this.head - MAX_MATERIALIZE_BACKLOG / 2).catch(() => undefined);
        }
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
        try {
          const outcomes = await this.appendGroup(group);
          group.forEach((p, i) => p.resolve(outcomes[i]!));
        } catch (err) {
          group.forEach((p) => p.reject(err));
        }
      }
    } finally {
      this.writing = false;
      this.markIdle();
    }
  }

  /** Appends a group of batches to the segments, synced; returns each batch's outcomes. */
  private async appendGroup(group: PendingAppend[]): Promise<AppendOutcome[][]> {
    const outcomes: AppendOutcome[][] = group.map((p) => new Array<AppendOutcome>(p.events.length).fill(DUPLICATE));
    // A key already stored, or repeated within the group, is a duplicate of its first copy.
    const groupKeys = new EventKeySet(1024);
    // The keys of rows[i], whose seq is this.head + 1 + i.
    const newKeys: Buffer[] = [];
    const rows: EventRow[] = [];
    let seq = this.head;
    for (let b = 0; b < group.length; b++) {
      const { events, receivedAtMs } = group[b]!;
      for (let i = 0; i < events.length; i++) {
        const e = events[i]!;
        const key = EventKeySet.keyOf(e.accountId, e.eventId);
        if (this.keys.has(key) || !groupKeys.add(key)) continue;
        seq += 1;
        newKeys.push(key);
        outcomes[b]![i] = { status: 'stored', seq };
        rows.push({
          seq,
          accountId: e.accountId,
          eventId: e.eventId,
          eventTimeMs: e.eventTimeMs,
          receivedAtMs,
          attributes: lookupAttributesOf(e.record),
          json: e.json,
          location: NO_LOCATION,
        });
      }
    }
    this.stats.batches += group.length;
    this.stats.duplicates += group.reduce((n, p) => n + p.events.length, 0) - rows.length;
    if (rows.length === 0) return outcomes;
    const { locations, end } = await this.segments.append(
      rows.map((r) => r.json),
      {
        firstSeq: this.head + 1,
        accounts: rows.map((r) => r.accountId),
        receivedAtMs: rows.map((r) => r.receivedAtMs),
      },
    );
    // Durable: from here the events are stored.
    for (let i = 0; i < rows.length; i++) rows[i]!.location = locations[i]!;
    for (let i = 0; i < newKeys.length; i++) this.keys.add(newKeys[i]!, rows[i]!.seq);
    const index = this.index;
    // A row is also what the index and the tail keep of an event: no copies on this path.
    if (index) for (const r of rows) index.add(r);
    this.remember(rows);
    this.head = seq;
    this.materializer.add({ rows, lastSeq: seq, end });
    this.stats.appended += rows.length;
    this.stats.commits += 1;
    return outcomes;
  }

  /** Keeps the events just appended in the in-memory tail. */
  private remember(rows: readonly EventRow[]): void {
    const last = this.tail[this.tail.length - 1];
    // The tail must stay contiguous; the first append after opening starts it.
    if (last && last.seq + 1 !== rows[0]!.seq) this.tail = [];
    for (const r of rows) this.tail.push(r);
    // Trimmed in steps, so that the array is not shifted on every append.
    if (this.tail.length > 2 * TAIL_EVENTS) this.tail = this.tail.slice(-TAIL_EVENTS);
  }

  /**
   * Waits until the rows a page after `afterSeq` can hold are in `events` — only those, not
   * every one acknowledged since; false when nothing follows `afterSeq`.
   */
  private async rowsThere(afterSeq: number, limit: number): Promise<boolean> {
    if (afterSeq >= this.head) return false;
    await this.materializer.whenMaterialized(Math.min(this.head, afterSeq + limit));
    return true;
  }

  /** Resolves once the rows of every event acknowledged so far are in `events`. */
  materialized(): Promise<void> {
    return this.materializer.whenMaterialized(this.head);
  }

  async read(afterSeq: number, limit: number): Promise<LoggedEvent[]> {
    const first = this.tail[0];
    if (first && afterSeq + 1 >= first.seq && afterSeq < this.head) {
      const from = afterSeq + 1 - first.seq;
      return this.tail.slice(from, from + limit);
    }
    if (!(await this.rowsThere(afterSeq, limit))) return [];
    const r = await this.db.read((c) =>
      c.runAndReadAll(
        `SELECT seq, epoch_ms(received_at), account_id, event_id, record, rec_segment, rec_offset, rec_length
         FROM events WHERE seq > $after ORDER BY seq LIMIT $limit`,
        { after: afterSeq, limit },
      ),
    );
    const rows = r.getRows();
    const records = await this.readRowRecords(rows.map((row) => row.slice(4)));
    return rows.map((row, i) => ({
      seq: Number(row[0]),
      receivedAtMs: Number(row[1]),
      accountId: row[2] as string,
      eventId: row[3] as string,
      json: records[i]!,
    }));
  }

  /** Events with seq > afterSeq with their lookup columns, records as bytes (see readRawBatch). */
  async readBatch(afterSeq: number, limit: number): Promise<RawLoggedEvent[]> {
    if (!(await this.rowsThere(afterSeq, limit))) return [];
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
   * Persists a consumer's position with the next transaction that writes rows (see
   * Materializer); resolves once it is committed. The last position given for a consumer wins.
   */
  setCursor(consumer: string, seq: number): Promise<void> {
    if (this.closed) return Promise.reject(new Error('the event log is closed'));
    return this.materializer.setCursor(consumer, seq);
  }

  counters(): LogCounters {
    return { ...this.stats };
  }

  /** The records at these locations, read from the segment files. */
  readRecords(locations: readonly RecordLocation[]): Promise<string[]> {
    return this.segments.read(locations);
  }

  /** The records of rows of `events` given as `[record, rec_segment, rec_offset, rec_length]` cells. */
  readRowRecords(cells: readonly (readonly unknown[])[]): Promise<string[]> {
    return this.segments.readRows(cells);
  }

  /** Acknowledges what is queued, writes every row, then releases the files. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    while (this.writing) await this.idle;
    await this.materializer.close();
    this.segments.close();
  }
}

/** The outcome of every event of a group that is not stored (shared: outcomes are read, never changed). */
const DUPLICATE: AppendOutcome = Object.freeze({ status: 'duplicate', seq: 0 });

/** A row's location until its group is appended. */
const NO_LOCATION: RecordLocation = { segment: 0, offset: 0, length: 0 };
