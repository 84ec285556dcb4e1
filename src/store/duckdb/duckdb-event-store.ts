import { statSync } from 'node:fs';
import type { CloudTrailRecord } from '../../event/types.js';
import type { EventStore, LookupPage, LookupQuery, StoreStats, StoredEvent } from '../event-store.js';
import type { EmbeddedDatabase } from './database.js';

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

/**
 * Reads of the embedded store. Pages are ordered newest first by (eventTime, seq); the cursor is
 * the last row's pair, so events that arrive later never shift or repeat a page.
 */
export class DuckDBEventStore implements EventStore {
  readonly capabilities = { sql: true, retention: true };

  constructor(private readonly db: EmbeddedDatabase) {}

  async lookup(q: LookupQuery): Promise<LookupPage> {
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
    if (q.cursor !== undefined) {
      const c = decodeCursor(q.cursor);
      if (!c) throw new InvalidCursorError('the pagination token is not one this service issued');
      where.push('(event_time, seq) < (make_timestamp($ctime * 1000), $cseq)');
      params.ctime = c.timeMs;
      params.cseq = c.seq;
    }
    params.limit = q.limit + 1;
    const r = await this.db.read((c) =>
      c.runAndReadAll(
        `SELECT seq, epoch_ms(event_time), record FROM events WHERE ${where.join(' AND ')}
       ORDER BY event_time DESC, seq DESC LIMIT $limit`,
        params,
      ),
    );
    const rows = r.getRows();
    const more = rows.length > q.limit;
    const page = rows.slice(0, q.limit);
    const events = page.map((row) => toStored(Number(row[0]), row[2] as string));
    const last = page[page.length - 1];
    return {
      events,
      ...(more && last ? { cursor: encodeCursor({ timeMs: Number(last[1]), seq: Number(last[0]) }) } : {}),
    };
  }

  async getEvent(accountId: string, eventId: string): Promise<StoredEvent | undefined> {
    const r = await this.db.read((c) =>
      c.runAndReadAll('SELECT seq, record FROM events WHERE account_id = $a AND event_id = $e LIMIT 1', {
        a: accountId,
        e: eventId,
      }),
    );
    const row = r.getRows()[0];
    return row ? toStored(Number(row[0]), row[1] as string) : undefined;
  }

  async countEvents(accountId?: string): Promise<number> {
    const r = accountId
      ? await this.db.read((c) =>
          c.runAndReadAll('SELECT count(*) FROM events WHERE account_id = $a', { a: accountId }),
        )
      : await this.db.read((c) => c.runAndReadAll('SELECT count(*) FROM events'));
    return Number(r.getRows()[0]?.[0] ?? 0);
  }

  async pruneBefore(eventTimeMs: number): Promise<number> {
    const r = await this.db.write((w) =>
      w.runAndReadAll('DELETE FROM events WHERE event_time < make_timestamp($cut * 1000) RETURNING seq', {
        cut: eventTimeMs,
      }),
    );
    return r.getRows().length;
  }

  async stats(): Promise<StoreStats> {
    let bytesOnDisk = 0;
    for (const p of [this.db.path, this.db.path + '.wal']) {
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
