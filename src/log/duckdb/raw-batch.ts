import type { EmbeddedDatabase } from '../../store/duckdb/database.js';
import type { RawLoggedEvent } from '../event-log.js';
import type { RecordSegments } from './record-segments.js';

/**
 * Events with seq > afterSeq with their lookup columns, records as bytes. The records come
 * from the segment files, one read per run of records that lie back to back (a batch read in
 * seq order is a few runs), not from the `record` column: handing DuckDB's VARCHARs of ~1.5 KB
 * over to JavaScript measured ~14 µs an event. Rows without a location take the column.
 */
export async function readRawBatch(
  db: EmbeddedDatabase,
  segments: RecordSegments,
  afterSeq: number,
  limit: number,
): Promise<RawLoggedEvent[]> {
  // The page comes back as one JSON string of row arrays: DuckDB hands each VARCHAR value over
  // with a cost of its own (~1.5 µs measured), so five short strings a row were ~8 µs an event;
  // one string and one JSON.parse are about half of that.
  const r = await db.read((c) =>
    c.runAndReadAll(
      `SELECT '[' || string_agg(json_array(seq, epoch_ms(received_at), account_id, epoch_ms(event_time), aws_region,
                                           event_category, event_source, event_name, read_only,
                                           rec_segment, rec_offset, rec_length,
                                           CASE WHEN rec_segment IS NULL THEN record END)::VARCHAR, ',' ORDER BY seq) || ']'
       FROM (SELECT * FROM events WHERE seq > $after ORDER BY seq LIMIT $limit)`,
      { after: afterSeq, limit },
    ),
  );
  const page = r.getRows()[0]?.[0];
  // No rows: string_agg gives NULL.
  const rows = typeof page === 'string' ? (JSON.parse(page) as unknown[][]) : [];
  const out: RawLoggedEvent[] = new Array(rows.length);
  /** Runs of rows whose records are contiguous in one segment: [first row, end row). */
  const runs: { segment: number; offset: number; length: number; from: number; to: number }[] = [];
  const EMPTY = Buffer.alloc(0);
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    out[i] = {
      seq: row[0] as number,
      receivedAtMs: row[1] as number,
      accountId: row[2] as string,
      eventTimeMs: row[3] as number,
      awsRegion: row[4] as string | null,
      eventCategory: row[5] as string | null,
      eventSource: row[6] as string | null,
      eventName: row[7] as string | null,
      readOnly: row[8] as boolean | null,
      record: row[9] === null ? Buffer.from(row[12] as string, 'utf8') : EMPTY,
    };
    if (row[9] === null) continue;
    const segment = row[9] as number;
    const offset = row[10] as number;
    const length = row[11] as number;
    const last = runs[runs.length - 1];
    // Each record is followed by its newline in the segment.
    if (last && last.to === i && last.segment === segment && last.offset + last.length + 1 === offset) {
      last.length += 1 + length;
      last.to = i + 1;
    } else {
      runs.push({ segment, offset, length, from: i, to: i + 1 });
    }
  }
  await Promise.all(
    runs.map(async (run) => {
      const span = await segments.readSpan(run.segment, run.offset, run.length);
      let at = 0;
      for (let i = run.from; i < run.to; i++) {
        const length = rows[i]![11] as number;
        out[i]!.record = span.subarray(at, at + length);
        at += length + 1;
      }
    }),
  );
  return out;
}
