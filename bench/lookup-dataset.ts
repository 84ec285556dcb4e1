/**
 * The LookupEvents benchmark's data set: N realistic CloudTrail records (~1.5 KB each, the same
 * generator as the other benchmarks: 500 users, 40 roles, 6 services, one resource each) of one
 * account over 90 days, appended through the embedded log itself in large batches — the real
 * write path without HTTP, which would take longer than the benchmark. Events come in arrival
 * order (seq follows eventTime, with up to a minute of jitter), and a marker file makes later
 * runs reuse the directory.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KeyStore } from '../src/auth/key-store.js';
import type { CloudTrailRecord, NormalizedEvent } from '../src/event/types.js';
import { DuckDBEventLog } from '../src/log/duckdb/duckdb-event-log.js';
import { EmbeddedDatabase } from '../src/store/duckdb/database.js';
import { prng, realisticRecord } from './generate.js';

export const BENCH_ACCOUNT = '123456789012';
/** The data set's first event; events are spread over the 90 days after it. */
export const DATASET_START_MS = Date.UTC(2026, 5, 1);
export const DATASET_SPAN_MS = 90 * 86_400_000;

export interface LookupDataset {
  dir: string;
  events: number;
  accessKeyId: string;
  secretAccessKey: string;
}

const EVENTS_PER_APPEND = 20_000;

/** Creates the data set in `dir` unless a complete one is there already. */
export async function lookupDataset(
  dir: string,
  events: number,
  progress: (msg: string) => void,
): Promise<LookupDataset> {
  const marker = join(dir, 'bench-dataset.json');
  if (existsSync(marker)) {
    const d = JSON.parse(readFileSync(marker, 'utf8')) as LookupDataset;
    if (d.events === events) return d;
    throw new Error(`${dir} holds a ${d.events}-event data set; remove it to build one of ${events}`);
  }
  const db = await EmbeddedDatabase.open(dir);
  const log = await DuckDBEventLog.open(db);
  try {
    const rand = prng(2026);
    for (let from = 0; from < events; from += EVENTS_PER_APPEND) {
      const batch: NormalizedEvent[] = [];
      for (let i = from; i < Math.min(events, from + EVENTS_PER_APPEND); i++) {
        // In arrival order, with up to a minute of jitter, whole seconds as CloudTrail writes them.
        const timeMs = Math.floor((DATASET_START_MS + (i * DATASET_SPAN_MS) / events + rand() * 60_000) / 1000) * 1000;
        const record = realisticRecord(rand, BENCH_ACCOUNT, timeMs) as unknown as CloudTrailRecord;
        batch.push({
          record,
          json: JSON.stringify(record),
          accountId: BENCH_ACCOUNT,
          eventId: record.eventID,
          eventTimeMs: timeMs,
        });
      }
      await log.append(batch, Date.now());
      if ((from / EVENTS_PER_APPEND) % 50 === 49 || from + EVENTS_PER_APPEND >= events) {
        progress(
          `  ${Math.min(events, from + EVENTS_PER_APPEND).toLocaleString('en-US')} of ${events.toLocaleString('en-US')} events written`,
        );
      }
    }
    await log.close();
    const keys = await KeyStore.open(db);
    const key = await keys.create(BENCH_ACCOUNT, { policy: 'administrator', userName: 'bench' });
    const d: LookupDataset = { dir, events, accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey };
    await db.close();
    writeFileSync(marker, JSON.stringify(d), { mode: 0o600 });
    return d;
  } catch (err) {
    await log.close();
    await db.close();
    throw err;
  }
}
