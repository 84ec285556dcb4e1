import { lookupAttributesOf } from '../../event/attributes.js';
import type { CloudTrailRecord } from '../../event/types.js';
import type { EmbeddedDatabase } from '../../store/duckdb/database.js';
import type { EventRow } from './event-rows.js';
import { Materializer } from './materializer.js';
import type { RecordSegments, SegmentPosition } from './record-segments.js';
import { expandRuns, scanSegment, type ScannedGroup } from './segment-frames.js';

export interface Recovery {
  /** Events whose rows were rebuilt from the segments. */
  recovered: number;
  /** The last segment ends in bytes that are no whole group (a crash in the middle of an append). */
  tornTail: boolean;
}

/**
 * Rebuilds the rows of `events` that a crash kept from committing: every whole group the
 * segments hold past the last materialised position. The log acknowledges an append once its
 * group is synced in a segment and writes the rows afterwards, so after a crash the segments
 * may be ahead of the table, never behind it. Runs at open, before anything reads.
 */
export async function recoverFromSegments(db: EmbeddedDatabase, segments: RecordSegments): Promise<Recovery> {
  const numbers = segments.numbers();
  if (numbers.length === 0) return { recovered: 0, tornTail: false };
  const state = await db.read(async (c) => {
    const s = await c.runAndReadAll(`SELECT name, seq FROM log_state`);
    return new Map(s.getRows().map((r) => [r[0] as string, Number(r[1])]));
  });
  // Where the rows stop: recorded by each materialising transaction (with the head, which is
  // then the last materialised seq); for data written before that, the end of the newest row
  // that has a location — a scan of the table, so only then — else the very start.
  let start: SegmentPosition;
  let lastSeq: number;
  const segment = state.get('materialized_segment');
  const offset = state.get('materialized_offset');
  if (segment !== undefined && offset !== undefined) {
    start = { segment, offset };
    lastSeq = state.get('head') ?? 0;
  } else {
    const [maxSeq, rowSegment, rowEnd] = await db.read(async (c) => {
      const r = await c.runAndReadAll(
        `SELECT coalesce(max(seq), 0),
                arg_max(rec_segment, seq) FILTER (WHERE rec_segment IS NOT NULL),
                arg_max(rec_offset + rec_length + 1, seq) FILTER (WHERE rec_segment IS NOT NULL)
         FROM events`,
      );
      return r.getRows()[0] ?? [0, null, null];
    });
    start =
      rowSegment !== null && rowSegment !== undefined
        ? { segment: Number(rowSegment), offset: Number(rowEnd) }
        : { segment: numbers[0]!, offset: 0 };
    lastSeq = Math.max(Number(maxSeq), state.get('head') ?? 0);
  }
  let seq = lastSeq + 1;

  const materializer = new Materializer(db, seq - 1);
  let recovered = 0;
  let tornTail = false;
  let failure: unknown;
  for (const n of numbers) {
    if (n < start.segment) continue;
    const scan = scanSegment(segments.pathOf(n), n, n === start.segment ? start.offset : 0, seq);
    let validEnd = n === start.segment ? start.offset : 0;
    for (const group of scan.groups) {
      const rows = rowsOf(group);
      // A record that does not parse makes the group no whole group: it was never acknowledged.
      if (!rows) break;
      materializer.add({ rows, lastSeq: group.frame.seq + group.frame.n - 1, end: { segment: n, offset: group.end } });
      recovered += rows.length;
      seq += group.frame.n;
      validEnd = group.end;
    }
    tornTail = validEnd < scan.size;
  }
  const failed = materializer.whenMaterialized(seq - 1).catch((err: unknown) => (failure = err));
  await materializer.close();
  await failed;
  if (failure) throw new Error(`the log could not rebuild rows from its segments: ${(failure as Error).message}`);
  return { recovered, tornTail };
}

/** The rows of one scanned group, or undefined when a record in it is not a JSON object. */
function rowsOf(group: ScannedGroup): EventRow[] | undefined {
  const { frame, body, segment, offset } = group;
  const accounts = expandRuns(frame.acct);
  const received = expandRuns(frame.recv);
  const rows: EventRow[] = [];
  let at = 0;
  for (let i = 0; i < frame.n; i++) {
    const nl = body.indexOf(0x0a, at);
    if (nl < 0) return undefined;
    const json = body.toString('utf8', at, nl);
    let record: CloudTrailRecord;
    try {
      record = JSON.parse(json) as CloudTrailRecord;
    } catch {
      return undefined;
    }
    if (typeof record !== 'object' || record === null || typeof record.eventID !== 'string') return undefined;
    rows.push({
      seq: frame.seq + i,
      accountId: accounts[i]!,
      eventId: record.eventID,
      eventTimeMs: Date.parse(record.eventTime),
      receivedAtMs: received[i]!,
      attributes: lookupAttributesOf(record),
      json,
      location: { segment, offset: offset + at, length: nl - at },
    });
    at = nl + 1;
  }
  return at === body.length ? rows : undefined;
}
