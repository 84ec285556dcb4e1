import type { DuckDBConnection } from '@duckdb/node-api';
import type { LookupAttributeKey } from '../event-store.js';
import { INDEXED_KEYS, LookupIndex } from './lookup-index.js';

/** A JSON-quoted value, unquoted; only values with escapes pay for the JSON parser. */
const UNQUOTE = `CASE WHEN contains(r.v, '\\\\') THEN json_extract_string(r.v, '$') ELSE r.v[2:-2] END`;

/**
 * How each key kind is read out of the `events` table. Resource columns hold several
 * newline-framed, JSON-quoted values (see the log's joinValues).
 */
const SOURCES: Record<LookupAttributeKey | 'All', { from: string; value: string } | undefined> = {
  All: { from: 'events', value: `''` },
  EventName: { from: 'events', value: 'event_name' },
  EventSource: { from: 'events', value: 'event_source' },
  ReadOnly: { from: 'events', value: 'CAST(read_only AS VARCHAR)' },
  Username: { from: 'events', value: 'username' },
  AccessKeyId: { from: 'events', value: 'access_key_id' },
  ResourceType: {
    from: `events, unnest(list_distinct(string_split(trim(resource_types, chr(10)), chr(10)))) AS r(v)`,
    value: UNQUOTE,
  },
  ResourceName: {
    from: `events, unnest(list_distinct(string_split(trim(resource_names, chr(10)), chr(10)))) AS r(v)`,
    value: UNQUOTE,
  },
  // Served by the log's idempotency set, not the index.
  EventId: undefined,
};

/**
 * Fills a lookup index with every event up to `upToSeq`, one key kind at a time. DuckDB hashes,
 * sorts and hands over only numbers — (hash, eventTime, seq) in order — so no string crosses
 * into JavaScript and the run is installed as it arrives. Returns undefined when `stopped`
 * turns true (the store is closing) before it is done.
 */
export async function fillLookupIndex(
  conn: DuckDBConnection,
  upToSeq: number,
  stopped: () => boolean = () => false,
): Promise<LookupIndex | undefined> {
  const index = new LookupIndex();
  for (const cls of ['n', 'i'] as const) {
    for (const key of INDEXED_KEYS[cls]) {
      if (stopped()) return undefined;
      const source = SOURCES[key]!;
      const rows = `FROM ${source.from}
        WHERE seq <= ${Math.floor(upToSeq)} AND ${source.value} IS NOT NULL
          AND event_category ${cls === 'i' ? `= 'Insight'` : `IS DISTINCT FROM 'Insight'`}`;
      // Hashing per distinct value, not per row: most kinds have few values, and MD5 is the
      // costly part. The sorted result is materialised, then read chunk by chunk.
      await conn.run(
        `CREATE OR REPLACE TEMP TABLE ot_index_fill AS
         WITH v AS (SELECT account_id, ${source.value} AS value, epoch_ms(event_time)::DOUBLE AS t, seq::DOUBLE AS s ${rows}),
              k AS (SELECT account_id, value,
                      (md5_number_lower(strlen(account_id)::VARCHAR || ':' || account_id || value) % 4294967296)::DOUBLE AS h
                    FROM (SELECT DISTINCT account_id, value FROM v))
         SELECT k.h, v.t, v.s FROM v JOIN k USING (account_id, value) ORDER BY k.h, v.t, v.s`,
      );
      const total = Number((await conn.runAndReadAll('SELECT count(*) FROM ot_index_fill')).getRows()[0]![0]);
      const hashes = new Uint32Array(total);
      const times = new Float64Array(total);
      const seqs = new Uint32Array(total);
      const result = await conn.run('SELECT * FROM ot_index_fill');
      let n = 0;
      for (;;) {
        const chunk = await result.fetchChunk();
        if (!chunk) break;
        const count = chunk.rowCount;
        if (count === 0) break;
        if (stopped()) return undefined;
        if (n + count > total) throw new Error('the lookup index fill read more rows than it counted');
        const hv = chunk.getColumnVector(0);
        const tv = chunk.getColumnVector(1);
        const sv = chunk.getColumnVector(2);
        for (let i = 0; i < count; i++, n++) {
          hashes[n] = hv.getItem(i) as number;
          times[n] = tv.getItem(i) as number;
          seqs[n] = sv.getItem(i) as number;
        }
      }
      if (n !== total) throw new Error('the lookup index fill read fewer rows than it counted');
      index.kind(cls === 'i', key).load(hashes, times, seqs);
    }
  }
  await conn.run('DROP TABLE IF EXISTS ot_index_fill');
  // Where each record lies in the log's segment files.
  const locations = await conn.stream(
    `SELECT seq::DOUBLE, rec_segment::DOUBLE, rec_offset::DOUBLE, rec_length::DOUBLE FROM events
     WHERE seq <= ${Math.floor(upToSeq)} AND rec_segment IS NOT NULL`,
  );
  index.reserveLocations(upToSeq);
  for (;;) {
    const chunk = await locations.fetchChunk();
    if (!chunk) break;
    const count = chunk.rowCount;
    if (count === 0) break;
    if (stopped()) return undefined;
    const [sq, sg, of, ln] = [0, 1, 2, 3].map((c) => chunk.getColumnVector(c));
    for (let i = 0; i < count; i++) {
      index.setLocation(sq!.getItem(i) as number, {
        segment: sg!.getItem(i) as number,
        offset: of!.getItem(i) as number,
        length: ln!.getItem(i) as number,
      });
    }
  }
  return index;
}
