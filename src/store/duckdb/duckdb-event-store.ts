import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { CloudTrailRecord } from '../../event/types.js';
import type { EventStore, LookupPage, LookupQuery, StoreStats, StoredEvent } from '../event-store.js';
import type { EmbeddedDatabase } from './database.js';
import type { DuckDBEventLog } from '../../log/duckdb/duckdb-event-log.js';
import type { RecordLocation } from '../../log/duckdb/record-segments.js';
import { matchesLookup } from '../lookup-match.js';
import { MAX_INDEXED_SEQ, type IndexedEvent, type LookupIndex } from './lookup-index.js';
import { fillLookupIndex } from './lookup-index-fill.js';

/** The column each lookup attribute filters, and how. */
const ATTRIBUTE_FILTERS: Record<LookupQuery['attributes'][number]['key'], (param: string) => string> = {
  EventId: (p) => `event_id = ${p}`,
  EventName: (p) => `event_name = ${p}`,
  ReadOnly: (p) => `read_only = (lower(${p}) = 'true')`,
  Username: (p) => `username = ${p}`,
  EventSource: (p) => `event_source = ${p}`,
  AccessKeyId: (p) => `access_key_id = ${p}`,
  // Newline-framed lists: see joinValues in the DuckDB log.
  ResourceType: (p) => `contains(resource_types, chr(10) || ${p} || chr(10))`,
  ResourceName: (p) => `contains(resource_names, chr(10) || ${p} || chr(10))`,
};

interface Cursor {
  timeMs: number;
  seq: number;
}

export function encodeCursor(c: Cursor): string {
  return Buffer.from(`${c.timeMs}:${c.seq}`).toString('base64url');
}

export function decodeCursor(token: string): Cursor | undefined {
  const m = /^(-?\d+):(\d+)$/.exec(Buffer.from(token, 'base64url').toString('utf8'));
  if (!m) return undefined;
  const timeMs = Number(m[1]);
  const seq = Number(m[2]);
  // A tampered token must not reach SQL as an out-of-range timestamp (8.64e15 ms is JavaScript's Date range).
  if (!Number.isSafeInteger(seq) || !Number.isSafeInteger(timeMs) || Math.abs(timeMs) > 8.64e15) return undefined;
  return { timeMs, seq };
}

export class InvalidCursorError extends Error {}

/** Rows of the events table scanned per index fill query. */
const INDEX_FILL_ROWS = 500_000;
/** Candidates checked per round when several attributes are ANDed. */
const CANDIDATES_PER_ROUND = 500;

interface Row {
  seq: number;
  timeMs: number;
  json: string;
  /** The parsed record, when the row was checked in JavaScript. */
  record?: CloudTrailRecord;
}

interface Filter {
  where: string[];
  params: Record<string, string | number>;
}

/** The SQL conditions of a query but its position: account, attributes, time range, category. */
function filterOf(q: LookupQuery): Filter {
  const where = ['account_id = $account'];
  const params: Record<string, string | number> = { account: q.accountId };
  q.attributes.forEach((a, i) => {
    where.push(ATTRIBUTE_FILTERS[a.key](`$a${i}`));
    params[`a${i}`] = a.key === 'ResourceType' || a.key === 'ResourceName' ? JSON.stringify(a.value) : a.value;
  });
  if (q.startTimeMs !== undefined) {
    where.push('event_time >= make_timestamp($start * 1000)');
    params.start = q.startTimeMs;
  }
  if (q.endTimeMs !== undefined) {
    where.push('event_time <= make_timestamp($end * 1000)');
    params.end = q.endTimeMs;
  }
  where.push(
    q.eventCategory === 'insight' ? `event_category = 'Insight'` : `event_category IS DISTINCT FROM 'Insight'`,
  );
  return { where, params };
}

/** A row of the index fill query as the index takes it. */
function indexedRow(row: unknown[]): IndexedEvent {
  return {
    seq: Number(row[0]),
    accountId: row[1] as string,
    eventId: row[2] as string,
    eventTimeMs: Number(row[3]),
    attributes: {
      eventName: row[4] as string | null,
      eventSource: row[5] as string | null,
      awsRegion: null,
      eventCategory: row[6] as string | null,
      readOnly: row[7] as boolean | null,
      username: row[8] as string | null,
      accessKeyId: row[9] as string | null,
      resourceTypes: splitValues(row[10] as string | null),
      resourceNames: splitValues(row[11] as string | null),
    },
    ...(row[12] !== null && row[12] !== undefined
      ? { location: { segment: Number(row[12]), offset: Number(row[13]), length: Number(row[14]) } }
      : {}),
  };
}

/** The inverse of the log's joinValues: newline-framed, each value JSON-quoted. */
function splitValues(joined: string | null): string[] {
  if (joined === null) return [];
  return joined
    .split('\n')
    .filter((v) => v !== '')
    .map((v) => JSON.parse(v) as string);
}

/**
 * Reads of the embedded store. Pages are ordered newest first by (eventTime, seq); the cursor is
 * the last row's pair, so events that arrive later never shift or repeat a page.
 */
export class DuckDBEventStore implements EventStore {
  readonly capabilities = { sql: true, retention: true };

  private index: LookupIndex | undefined;
  private closing = false;
  private building: Promise<void> = Promise.resolve();
  /** The latest retention cut-off, applied to an index still being filled. */
  private prunedBefore: number | undefined;

  /** `log` is the log that writes this database's rows: records are read from its segments. */
  constructor(
    private readonly db: EmbeddedDatabase,
    private readonly log: DuckDBEventLog,
  ) {}

  /**
   * Fills the lookup index from the table and keeps it current through the log's commits.
   * Until it is ready (a few seconds for millions of events) lookups are answered by SQL alone.
   */
  async buildIndex(): Promise<void> {
    const log = this.log;
    const upTo = log.headSeqNow();
    const building = this.db.readEvents((c) => fillLookupIndex(c, upTo, () => this.closing));
    this.building = building.then(() => undefined);
    const index = await building;
    if (!index) return;
    // From here every commit reaches the index; the few committed during the fill are read now.
    const head = log.attachIndex(index);
    for (let from = upTo; from < head; from += INDEX_FILL_ROWS) {
      const r = await this.db.readEvents((c) =>
        c.runAndReadAll(
          `SELECT seq, account_id, event_id, epoch_ms(event_time), event_name, event_source, event_category,
                  read_only, username, access_key_id, resource_types, resource_names, rec_segment, rec_offset, rec_length
           FROM events WHERE seq > $from AND seq <= $to`,
          { from, to: Math.min(head, from + INDEX_FILL_ROWS) },
        ),
      );
      for (const row of r.getRows()) index.add(indexedRow(row));
    }
    // Retention that ran during the fill.
    if (this.prunedBefore !== undefined) index.pruneBefore(this.prunedBefore);
    this.index = index;
  }

  async lookup(q: LookupQuery): Promise<LookupPage> {
    const from = q.cursor === undefined ? undefined : decodeCursor(q.cursor);
    if (q.cursor !== undefined && !from) {
      throw new InvalidCursorError('the pagination token is not one this service issued');
    }
    const filter = filterOf(q);
    if (this.index && this.log.headSeqNow() <= MAX_INDEXED_SEQ) {
      return this.lookupIndexed(q, filter, from, this.index);
    }
    const where = [...filter.where];
    const params: Record<string, string | number> = { ...filter.params, limit: q.limit + 1 };
    if (from) {
      where.push('(event_time, seq) < (make_timestamp($ctime * 1000), $cseq)');
      params.ctime = from.timeMs;
      params.cseq = from.seq;
    }
    return this.pageOf(await this.select(where, params), q.limit);
  }

  /**
   * A lookup through the index: candidates come newest first from the smallest postings of the
   * query's attributes (or the event's own seq, for EventId); their records are read from the
   * log's segments and every condition is checked again, so several attributes at once are ANDed
   * exactly as in SQL.
   */
  private async lookupIndexed(
    q: LookupQuery,
    filter: Filter,
    from: Cursor | undefined,
    index: LookupIndex,
  ): Promise<LookupPage> {
    const insight = q.eventCategory === 'insight';
    const byId = q.attributes.find((a) => a.key === 'EventId');
    if (byId) {
      const seq = this.log.seqOf(q.accountId, byId.value);
      if (seq === undefined || q.attributes.some((a) => a.key === 'EventId' && a.value !== byId.value)) {
        return { events: [] };
      }
      const [row] = await this.candidates(q, filter, [seq], 2, index);
      const after =
        !from || row === undefined || row.timeMs < from.timeMs || (row.timeMs === from.timeMs && row.seq < from.seq);
      return this.pageOf(row && after ? [row] : [], q.limit);
    }
    // The most selective attribute drives; an account's whole history when there is none.
    let driver: { key: LookupQuery['attributes'][number]['key'] | undefined; value: string } = {
      key: undefined,
      value: '',
    };
    let best = Number.POSITIVE_INFINITY;
    for (const a of q.attributes) {
      const n = index.count({ accountId: q.accountId, insight, key: a.key, value: a.value });
      if (n < best) {
        best = n;
        driver = a;
      }
    }
    const exact = q.attributes.length <= 1;
    const want = q.limit + 1;
    const rows: Row[] = [];
    let position = from;
    for (;;) {
      const batch = exact ? want - rows.length : Math.max(want, CANDIDATES_PER_ROUND);
      const candidates = index.page({
        accountId: q.accountId,
        insight,
        key: driver.key,
        value: driver.value,
        startMs: q.startTimeMs ?? Number.NEGATIVE_INFINITY,
        endMs: q.endTimeMs ?? Number.POSITIVE_INFINITY,
        limit: batch,
        from: position,
      });
      if (candidates.seqs.length === 0) break;
      rows.push(...(await this.candidates(q, filter, candidates.seqs, want - rows.length, index)));
      if (rows.length >= want || candidates.seqs.length < batch || !candidates.last) break;
      // Continue after the oldest candidate of this round (also when retention removed some).
      position = candidates.last;
    }
    return this.pageOf(rows, q.limit);
  }

  /**
   * The candidates (newest first) that really answer the query, at most `limit`. Their records
   * come from the log's segment files and are checked in JavaScript with the SQL filters'
   * meaning (matchesLookup); rows written before segments existed are read and checked by SQL.
   */
  private async candidates(
    q: LookupQuery,
    filter: Filter,
    seqs: number[],
    limit: number,
    index: LookupIndex,
  ): Promise<Row[]> {
    const locations = seqs.map((seq) => index.locationOf(seq));
    if (locations.some((l) => l === undefined)) {
      return this.select(filter.where, { ...filter.params, limit }, seqs);
    }
    const records = await this.log.readRecords(locations as RecordLocation[]);
    const rows: Row[] = [];
    for (let i = 0; i < records.length && rows.length < limit; i++) {
      const json = records[i]!;
      const record = JSON.parse(json) as CloudTrailRecord;
      const timeMs = Date.parse(record.eventTime);
      // Retention deletes rows, not segment bytes: an event older than the last cut is gone.
      if (this.prunedBefore !== undefined && timeMs < this.prunedBefore) continue;
      if (matchesLookup(record, timeMs, q)) rows.push({ seq: seqs[i]!, timeMs, json, record });
    }
    return rows;
  }

  /**
   * Rows matching `where`, newest first. With `seqs`, only those rows are read: they are picked
   * out by seq alone first (a materialised CTE), because DuckDB scans every column of the table
   * when the seq list and the other conditions are given together — 4 ms against seconds on
   * ten million events (measured).
   */
  private async select(where: string[], params: Record<string, string | number>, seqs?: number[]): Promise<Row[]> {
    const source =
      seqs === undefined
        ? 'events'
        : `(WITH picked AS MATERIALIZED (SELECT * FROM events WHERE seq IN (${seqs.map((n) => Math.floor(n)).join(',')})) SELECT * FROM picked)`;
    const r = await this.db.readEvents((c) =>
      c.runAndReadAll(
        `SELECT seq, epoch_ms(event_time), record, rec_segment, rec_offset, rec_length FROM ${source}
         WHERE ${where.join(' AND ')} ORDER BY event_time DESC, seq DESC LIMIT $limit`,
        params,
      ),
    );
    const rows = r.getRows();
    const records = await this.log.readRowRecords(rows.map((row) => row.slice(2)));
    return rows.map((row, i) => ({ seq: Number(row[0]), timeMs: Number(row[1]), json: records[i]! }));
  }

  private pageOf(rows: Row[], limit: number): LookupPage {
    const more = rows.length > limit;
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      events: page.map((r) => (r.record ? { seq: r.seq, json: r.json, record: r.record } : toStored(r.seq, r.json))),
      ...(more && last ? { cursor: encodeCursor({ timeMs: last.timeMs, seq: last.seq }) } : {}),
    };
  }

  /** Stops an index fill in progress and waits for it, so the database can close under it. */
  async close(): Promise<void> {
    this.closing = true;
    await this.building.catch(() => undefined);
  }

  async getEvent(accountId: string, eventId: string): Promise<StoredEvent | undefined> {
    const r = await this.db.readEvents((c) =>
      c.runAndReadAll(
        `SELECT seq, record, rec_segment, rec_offset, rec_length FROM events
         WHERE account_id = $a AND event_id = $e LIMIT 1`,
        { a: accountId, e: eventId },
      ),
    );
    const row = r.getRows()[0];
    if (!row) return undefined;
    const [json] = await this.log.readRowRecords([row.slice(1)]);
    return toStored(Number(row[0]), json!);
  }

  async countEvents(accountId?: string): Promise<number> {
    const r = accountId
      ? await this.db.readEvents((c) =>
          c.runAndReadAll('SELECT count(*) FROM events WHERE account_id = $a', { a: accountId }),
        )
      : await this.db.readEvents((c) => c.runAndReadAll('SELECT count(*) FROM events'));
    return Number(r.getRows()[0]?.[0] ?? 0);
  }

  async pruneBefore(eventTimeMs: number): Promise<number> {
    const r = await this.db.write((w) =>
      w.runAndReadAll('DELETE FROM events WHERE event_time < make_timestamp($cut * 1000) RETURNING seq', {
        cut: eventTimeMs,
      }),
    );
    this.prunedBefore = Math.max(this.prunedBefore ?? eventTimeMs, eventTimeMs);
    this.index?.pruneBefore(eventTimeMs);
    return r.getRows().length;
  }

  async stats(): Promise<StoreStats> {
    let bytesOnDisk = 0;
    // The database, its WAL and the log's record segments (see RecordSegments).
    const segments = join(dirname(this.db.path), 'records');
    const files = [
      this.db.path,
      this.db.path + '.wal',
      ...(existsSync(segments) ? readdirSync(segments).map((f) => join(segments, f)) : []),
    ];
    for (const p of files) {
      try {
        bytesOnDisk += statSync(p).size;
      } catch {
        // No WAL right after a checkpoint.
      }
    }
    return { events: await this.countEvents(), bytesOnDisk };
  }
}

function toStored(seq: number, json: string): StoredEvent {
  return { seq, json, record: JSON.parse(json) as CloudTrailRecord };
}
