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
import type { LookupAttributes } from '../../event/attributes.js';
import type { RecordLocation } from './record-segments.js';

/** What one row of `events` is made of. */
export interface EventRow {
  seq: number;
  accountId: string;
  eventId: string;
  eventTimeMs: number;
  receivedAtMs: number;
  attributes: LookupAttributes;
  /** The record's JSON, exactly as stored (in the segments; not in the row, see appendEventRows). */
  json: string;
  location: RecordLocation;
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
function wellFormed(v: string | null): string | null {
  return v === null || v.isWellFormed() ? v : v.toWellFormed();
}

const COLUMN_TYPES = [
  BIGINT, // seq
  VARCHAR, // account_id
  VARCHAR, // event_id
  TIMESTAMP, // event_time
  TIMESTAMP, // received_at
  VARCHAR, // event_name
  VARCHAR, // event_source
  VARCHAR, // aws_region
  VARCHAR, // event_category
  BOOLEAN, // read_only
  VARCHAR, // username
  VARCHAR, // access_key_id
  VARCHAR, // resource_types
  VARCHAR, // resource_names
  VARCHAR, // record: '', the record is in the segments
  INTEGER, // rec_segment
  BIGINT, // rec_offset
  INTEGER, // rec_length
];
/** DuckDB's vector size: the most rows one data chunk holds. */
const CHUNK_ROWS = 2048;

/**
 * Rows go to DuckDB through the appender, a column at a time in data chunks, inside the
 * caller's transaction (a rollback takes the rows back). Measured against binding the rows as
 * one JSON parameter and unnesting it in SQL: about a third less CPU a row, because DuckDB parses
 * nothing and JavaScript hands over plain arrays. The lookup columns are derived in JavaScript,
 * where the record is already parsed: extracting them from the record in DuckDB measured twice
 * as slow.
 *
 * The record itself is not handed over: it is durable in the log's segments, at the row's
 * location, and every reader takes it from there. Copying ~1.5 KB of JSON into DuckDB (vector,
 * WAL, compression at checkpoint) was most of a row's cost: 46 µs of CPU a row with it against
 * 7 µs without, appending 200,000 rows in transactions of 4,096 (.scratch/rows-ab.ts), and it
 * doubled the bytes stored per event.
 */
export async function appendEventRows(w: DuckDBConnection, rows: readonly EventRow[]): Promise<void> {
  if (rows.length === 0) return;
  const appender = await w.createAppender('events');
  try {
    for (let from = 0; from < rows.length; from += CHUNK_ROWS) {
      const n = Math.min(CHUNK_ROWS, rows.length - from);
      const chunk = DuckDBDataChunk.create(COLUMN_TYPES, n);
      const columns: DuckDBValue[][] = COLUMN_TYPES.map(() => new Array<DuckDBValue>(n));
      for (let i = 0; i < n; i++) {
        const r = rows[from + i]!;
        const a = r.attributes;
        columns[0]![i] = BigInt(r.seq);
        columns[1]![i] = r.accountId;
        columns[2]![i] = r.eventId;
        columns[3]![i] = new DuckDBTimestampValue(BigInt(r.eventTimeMs) * 1000n);
        columns[4]![i] = new DuckDBTimestampValue(BigInt(r.receivedAtMs) * 1000n);
        columns[5]![i] = wellFormed(a.eventName);
        columns[6]![i] = wellFormed(a.eventSource);
        columns[7]![i] = wellFormed(a.awsRegion);
        columns[8]![i] = wellFormed(a.eventCategory);
        columns[9]![i] = a.readOnly;
        columns[10]![i] = wellFormed(a.username);
        columns[11]![i] = wellFormed(a.accessKeyId);
        columns[12]![i] = wellFormed(joinValues(a.resourceTypes));
        columns[13]![i] = wellFormed(joinValues(a.resourceNames));
        columns[14]![i] = '';
        columns[15]![i] = r.location.segment;
        columns[16]![i] = BigInt(r.location.offset);
        columns[17]![i] = r.location.length;
      }
      chunk.setColumns(columns);
      appender.appendDataChunk(chunk);
    }
    appender.flushSync();
  } finally {
    appender.closeSync();
  }
}
