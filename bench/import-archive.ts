/**
 * `opentrail import` of a generated archive in the AWSLogs layout, against the baseline of
 * plain DuckDB `read_json` loading the same files into a table in the same run.
 */
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { DuckDBInstance } from '@duckdb/node-api';
import { openEmbedded } from '../src/cli/runtime.js';
import { importArchives } from '../src/ingest/import-archives.js';
import { removeDir, tempDir } from '../test/helpers/server.js';
import { prng, realisticRecord } from './generate.js';

const ACCOUNT = '123456789012';
const PER_FILE = 5000;

/** Writes (once, cached under .bench-data/) an AWSLogs tree of `events` records. */
export function generateArchive(root: string, events: number): { dir: string; bytes: number; files: number } {
  const dir = join(root, `archive-${events}`);
  const marker = join(dir, '.complete');
  if (!existsSync(marker)) {
    removeDir(dir);
    const rand = prng(7);
    const start = Date.UTC(2025, 0, 1);
    for (let f = 0; f * PER_FILE < events; f++) {
      const n = Math.min(PER_FILE, events - f * PER_FILE);
      const t = start + f * 300_000;
      const d = new Date(t);
      const ymd = [
        String(d.getUTCFullYear()),
        String(d.getUTCMonth() + 1).padStart(2, '0'),
        String(d.getUTCDate()).padStart(2, '0'),
      ];
      const folder = join(dir, 'AWSLogs', ACCOUNT, 'CloudTrail', 'us-east-1', ...ymd);
      mkdirSync(folder, { recursive: true });
      const records = Array.from({ length: n }, (_, i) => realisticRecord(rand, ACCOUNT, t + i * 50));
      const stamp = d.toISOString().replace(/[-:]/g, '').slice(0, 13) + 'Z';
      const name = `${ACCOUNT}_CloudTrail_us-east-1_${stamp}_${String(f).padStart(16, '0')}.json.gz`;
      writeFileSync(join(folder, name), gzipSync(JSON.stringify({ Records: records })));
    }
    writeFileSync(marker, '');
  }
  let bytes = 0;
  let files = 0;
  const walk = (p: string) => {
    for (const e of readdirSync(p, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(p, e.name));
      else if (e.name.endsWith('.json.gz')) {
        files++;
        bytes += statSync(join(p, e.name)).size;
      }
    }
  };
  walk(dir);
  return { dir, bytes, files };
}

export interface ImportRun {
  events: number;
  seconds: number;
  eventsPerSecond: number;
  bytesPerEvent: number;
}

export async function runImport(archiveDir: string, options: { workers?: number } = {}): Promise<ImportRun> {
  const dataDir = tempDir('ot-bench-');
  try {
    const rt = await openEmbedded(dataDir, { region: 'us-east-1' });
    await rt.keys.ensureAccount(ACCOUNT);
    const t0 = performance.now();
    const summary = await importArchives(
      [archiveDir],
      {
        ingestor: rt.ingestor,
        context: { accountId: ACCOUNT, region: 'us-east-1', profile: 'archive', enforceRecipient: false },
        ...(options.workers ? { workers: options.workers } : {}),
      },
      { defaultAccountId: ACCOUNT },
    );
    const seconds = (performance.now() - t0) / 1000;
    if (summary.rejected > 0 || summary.tally.failed > 0) throw new Error(`import rejected ${summary.rejected} events`);
    await rt.db.write((w) => w.run('CHECKPOINT'));
    const stats = await rt.store.stats();
    await rt.close();
    return {
      events: summary.imported,
      seconds,
      eventsPerSecond: summary.imported / seconds,
      bytesPerEvent: stats.bytesOnDisk / stats.events,
    };
  } finally {
    removeDir(dataDir);
  }
}

/** The baseline: DuckDB's own JSON reader loading each record's JSON into a table. */
export async function runDuckDbBaseline(
  archiveDir: string,
): Promise<{ events: number; seconds: number; eventsPerSecond: number }> {
  const dataDir = tempDir('ot-bench-');
  try {
    const instance = await DuckDBInstance.create(join(dataDir, 'baseline.duckdb'));
    const c = await instance.connect();
    const t0 = performance.now();
    await c.run(
      `CREATE TABLE records AS SELECT unnest(Records) AS record
       FROM read_json('${archiveDir}/**/*.json.gz', columns = {'Records': 'JSON[]'}, maximum_object_size = 1073741824)`,
    );
    const seconds = (performance.now() - t0) / 1000;
    const n = Number((await c.runAndReadAll('SELECT count(*) FROM records')).getRows()[0]![0]);
    c.closeSync();
    instance.closeSync();
    return { events: n, seconds, eventsPerSecond: n / seconds };
  } finally {
    removeDir(dataDir);
  }
}
