import type { DuckDBConnection } from '@duckdb/node-api';
import type { EmbeddedDatabase } from '../../store/duckdb/database.js';
import { appendEventRows, type EventRow } from './event-rows.js';
import type { SegmentPosition } from './record-segments.js';

/** Events the log has acknowledged (durable in a segment) whose rows are not yet in `events`. */
export interface AcknowledgedGroup {
  rows: EventRow[];
  /** The group's last seq. */
  lastSeq: number;
  /** Where the group ends in the segments: recovery scans from the last materialised end. */
  end: SegmentPosition;
}

interface PendingCursor {
  seq: number;
  waiters: { resolve: () => void; reject: (err: unknown) => void }[];
}

/**
 * Rows per DuckDB transaction: enough that a commit's fixed cost is shared widely, few enough
 * that the writer is not held for long — the notify outbox and the other writers wait behind it
 * (20,000 rows held it ~1 s and put a second on every alert's latency).
 */
const MAX_ROWS_PER_TRANSACTION = 4096;
/** How long a failed transaction waits before it is tried again (rows are durable meanwhile). */
const RETRY_MS = 1000;
/**
 * How long a small backlog gathers before its transaction. A DuckDB transaction has a fixed
 * cost of a few milliseconds of CPU on this machine (appender set-up and flush on the event
 * loop, commit, WAL sync) that a lone group of a few events pays in full. Under a trickle of
 * single-event appends (8 callers, ~400/s: what self-audit of API calls makes) gathering cut
 * transactions by a third and CPU per append from ~3.3 to ~2.0 ms (.scratch/gather.ts). Nothing
 * waits on it but SQL readers, and a reader that waits cuts the gathering short.
 */
const GATHER_MS = 25;

/**
 * Writes the rows of acknowledged events into DuckDB behind the log's acknowledgements, in
 * seq order, a few thousand rows a transaction. Each transaction also records how far the
 * segments are materialised (`log_state`), so recovery knows where to start, and carries the
 * consumers' cursors: a cursor written on its own was one more synced transaction on the
 * database's one writer per consumer batch (measured: three consumers took 40% of the writer
 * and halved ingest). Readers of `events` wait (`whenMaterialized`) until the rows they must see
 * are there: read-your-writes holds for SQL as it did when rows were written before the ack.
 */
export class Materializer {
  private pending: AcknowledgedGroup[] = [];
  private pendingRows = 0;
  private cursors = new Map<string, PendingCursor>();
  private running = false;
  private idle: Promise<void> = Promise.resolve();
  private markIdle: () => void = () => {};
  private waiters: { seq: number; resolve: () => void; reject: (err: unknown) => void }[] = [];
  private closing = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private gatherTimer: NodeJS.Timeout | undefined;
  transactions = 0;

  constructor(
    private readonly db: EmbeddedDatabase,
    /** The highest seq whose row is in `events` (or was, before retention). */
    private materializedSeq: number,
    private readonly onError: (err: unknown) => void = () => {},
  ) {}

  /** Queues an acknowledged group's rows. */
  add(group: AcknowledgedGroup): void {
    this.pending.push(group);
    this.pendingRows += group.rows.length;
    this.kick();
  }

  /** Rows acknowledged but not yet in DuckDB. */
  backlog(): number {
    return this.pendingRows;
  }

  /** Persists a consumer's position with the next transaction; the last one given wins. */
  setCursor(consumer: string, seq: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const pending = this.cursors.get(consumer);
      if (pending) {
        pending.seq = seq;
        pending.waiters.push({ resolve, reject });
      } else {
        this.cursors.set(consumer, { seq, waiters: [{ resolve, reject }] });
      }
      this.kick();
    });
  }

  /** Resolves once every row up to `seq` is in `events`; rejects if a transaction fails meanwhile. */
  whenMaterialized(seq: number): Promise<void> {
    if (this.materializedSeq >= seq) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.waiters.push({ seq, resolve, reject });
      this.kick(true);
    });
  }

  /** Writes everything queued, then stops; what fails to be written stays in the segments. */
  async close(): Promise<void> {
    this.closing = true;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    clearTimeout(this.gatherTimer);
    this.gatherTimer = undefined;
    if (!this.running && (this.pending.length > 0 || this.cursors.size > 0)) void this.run();
    await this.idle;
  }

  /** Starts a transaction now when `urgent`, a reader waits, or the backlog fills one; else soon. */
  private kick(urgent = false): void {
    if (this.running || this.retryTimer) return;
    if (urgent || this.waiters.length > 0 || this.pendingRows >= MAX_ROWS_PER_TRANSACTION) {
      clearTimeout(this.gatherTimer);
      this.gatherTimer = undefined;
      void this.run();
    } else if (!this.gatherTimer) {
      this.gatherTimer = setTimeout(() => {
        this.gatherTimer = undefined;
        this.kick(true);
      }, GATHER_MS);
    }
  }

  private async run(): Promise<void> {
    this.running = true;
    this.idle = new Promise((r) => (this.markIdle = r));
    try {
      while (this.pending.length > 0 || this.cursors.size > 0) {
        const groups: AcknowledgedGroup[] = [];
        let rows = 0;
        while (
          this.pending.length > 0 &&
          (groups.length === 0 || rows + this.pending[0]!.rows.length <= MAX_ROWS_PER_TRANSACTION)
        ) {
          const g = this.pending.shift()!;
          groups.push(g);
          rows += g.rows.length;
        }
        const cursors = this.cursors;
        this.cursors = new Map();
        try {
          await this.db.write((w) => this.transaction(w, groups, cursors));
        } catch (err) {
          // The rows are durable in the segments: put them back and try again a little later.
          this.pending.unshift(...groups);
          for (const c of cursors.values()) c.waiters.forEach((x) => x.reject(err));
          for (const x of this.waiters.splice(0)) x.reject(err);
          this.onError(err);
          if (!this.closing) {
            this.retryTimer = setTimeout(() => {
              this.retryTimer = undefined;
              this.kick();
            }, RETRY_MS);
            this.retryTimer.unref();
          }
          return;
        }
        this.pendingRows -= rows;
        this.transactions++;
        const last = groups[groups.length - 1];
        if (last) this.materializedSeq = last.lastSeq;
        for (const c of cursors.values()) c.waiters.forEach((x) => x.resolve());
        if (this.waiters.length > 0) {
          const done = this.waiters.filter((x) => x.seq <= this.materializedSeq);
          this.waiters = this.waiters.filter((x) => x.seq > this.materializedSeq);
          done.forEach((x) => x.resolve());
        }
      }
    } finally {
      this.running = false;
      this.markIdle();
    }
  }

  private async transaction(
    w: DuckDBConnection,
    groups: readonly AcknowledgedGroup[],
    cursors: ReadonlyMap<string, PendingCursor>,
  ): Promise<void> {
    await w.run('BEGIN TRANSACTION');
    try {
      const last = groups[groups.length - 1];
      if (last) {
        await appendEventRows(w, groups.length === 1 ? last.rows : groups.flatMap((g) => g.rows));
        await w.run(
          `INSERT OR REPLACE INTO log_state VALUES ('head', $seq), ('materialized_segment', $segment),
                                                   ('materialized_offset', $offset)`,
          { seq: last.lastSeq, segment: last.end.segment, offset: last.end.offset },
        );
      }
      for (const [consumer, c] of cursors) {
        await w.run('INSERT OR REPLACE INTO cursors VALUES ($c, $s)', { c: consumer, s: c.seq });
      }
      await w.run('COMMIT');
    } catch (err) {
      await w.run('ROLLBACK').catch(() => {});
      throw err;
    }
  }
}
