/**
 * Delivery throughput: serialised records (as the log hands them out) → CloudTrail log files
 * (`{"Records":[...]}`, SHA-256 of the uncompressed bytes, gzip) → durable puts into a
 * DirectorySink, with deterministic keys. Digest files are not part of it (one small object per
 * trail, account and region an hour; src/integrity builds them).
 *
 * Baseline, in the same run: gzip alone (same level, same concurrency) over the exact same
 * uncompressed file bytes, so the ratio says how much the writer adds on top of compression.
 *
 * Shape: `accounts` × `regions` groups, each cut into files of `eventsPerFile` events, the way
 * a trail's delivery consumer flushes; `concurrency` files are built and written at a time
 * (gzip runs on libuv's thread pool, so this is what uses the second core).
 *
 * Run alone: `npx tsx bench/delivery.ts` (BENCH_DELIVERY_EVENTS, default 200,000).
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { DirectorySink } from '../src/delivery/directory/directory-sink.js';
import {
  DEFAULT_GZIP_LEVEL,
  LOG_FILE_PUT_OPTIONS,
  buildLogFiles,
  logFileJson,
  type LogRecord,
} from '../src/delivery/log-file.js';
import { deliveryUnique, logFileKey } from '../src/delivery/object-keys.js';
import { prng, realisticRecord } from './generate.js';

const gzipAsync = promisify(gzip);
const ROOT = resolve(import.meta.dirname, '..');

export interface DeliveryBenchOptions {
  events?: number;
  eventsPerFile?: number;
  accounts?: number;
  regions?: number;
  concurrency?: number;
  /** zlib level (default: the writer's, DEFAULT_GZIP_LEVEL). */
  level?: number;
}

export interface DeliveryBenchResult {
  events: number;
  files: number;
  avgRecordBytes: number;
  uncompressedBytes: number;
  compressedBytes: number;
  seconds: number;
  eventsPerSecond: number;
  /** Process CPU time (user + system, all threads) per wall second: how many cores it kept busy. */
  coresUsed: number;
  /** gzip alone over the same bytes. */
  gzipSeconds: number;
  gzipEventsPerSecond: number;
  /** eventsPerSecond / gzipEventsPerSecond. */
  ratio: number;
}

interface Batch {
  accountId: string;
  region: string;
  firstSeq: number;
  records: LogRecord[];
}

function makeBatches(options: Required<DeliveryBenchOptions>): { batches: Batch[]; bytes: number } {
  const rand = prng(42);
  const groups: { accountId: string; region: string }[] = [];
  for (let a = 0; a < options.accounts; a++) {
    for (let r = 0; r < options.regions; r++) {
      groups.push({
        accountId: String(111122223333 + a * 1111),
        region: ['us-east-1', 'eu-west-1', 'ap-south-1'][r % 3]!,
      });
    }
  }
  const perGroup = Math.ceil(options.events / groups.length);
  const start = Date.UTC(2026, 0, 1);
  const batches: Batch[] = [];
  let bytes = 0;
  let seq = 1;
  for (const group of groups) {
    for (let done = 0; done < perGroup; done += options.eventsPerFile) {
      const records: LogRecord[] = [];
      for (let i = 0; i < Math.min(options.eventsPerFile, perGroup - done); i++) {
        const record = realisticRecord(rand, group.accountId, start + (done + i) * 100);
        record['awsRegion'] = group.region;
        const json = JSON.stringify(record);
        bytes += json.length;
        records.push({ json, eventTime: record['eventTime'] as string });
      }
      batches.push({ ...group, firstSeq: seq, records });
      seq += records.length;
    }
  }
  return { batches, bytes };
}

/** Runs `work` over `items`, `concurrency` at a time. */
async function pool<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) await work(items[next++]!);
  });
  await Promise.all(workers);
}

export async function runDeliveryBench(options: DeliveryBenchOptions = {}): Promise<DeliveryBenchResult> {
  const o: Required<DeliveryBenchOptions> = {
    events: options.events ?? Number(process.env['BENCH_DELIVERY_EVENTS'] ?? 200_000),
    eventsPerFile: options.eventsPerFile ?? 5_000,
    accounts: options.accounts ?? 4,
    regions: options.regions ?? 2,
    concurrency: options.concurrency ?? 4,
    level: options.level ?? DEFAULT_GZIP_LEVEL,
  };
  const { batches } = makeBatches(o);
  const events = batches.reduce((n, b) => n + b.records.length, 0);
  const recordBytes = batches.reduce((n, b) => n + b.records.reduce((m, r) => m + Buffer.byteLength(r.json), 0), 0);
  const dataRoot = join(ROOT, '.bench-data');
  mkdirSync(dataRoot, { recursive: true });
  const dir = mkdtempSync(join(dataRoot, 'delivery-'));
  try {
    const sink = new DirectorySink({ root: dir, bucket: 'bench-bucket' });
    const trail = 'arn:aws:cloudtrail:us-east-1:111122223333:trail/bench';
    const deliveryTime = Date.UTC(2026, 0, 1, 0, 5);
    let files = 0;
    let uncompressedBytes = 0;
    let compressedBytes = 0;

    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await pool(batches, o.concurrency, async (batch) => {
      for (const file of await buildLogFiles(batch.records, { level: o.level })) {
        const unique = deliveryUnique({
          trail,
          accountId: batch.accountId,
          region: batch.region,
          firstSeq: batch.firstSeq + file.start,
          lastSeq: batch.firstSeq + file.end - 1,
        });
        const key = logFileKey({ accountId: batch.accountId, region: batch.region, deliveryTime, unique });
        await sink.put(key, file.body, LOG_FILE_PUT_OPTIONS);
        files++;
        uncompressedBytes += file.uncompressedSize;
        compressedBytes += file.body.length;
      }
    });
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    await sink.close();

    // Baseline: gzip alone over the same file bytes (built beforehand, outside the timing).
    const jsons = batches.map((b) => logFileJson(b.records));
    const g0 = performance.now();
    await pool(jsons, o.concurrency, async (json) => {
      await gzipAsync(json, { level: o.level });
    });
    const gzipSeconds = (performance.now() - g0) / 1000;

    const eventsPerSecond = events / seconds;
    const gzipEventsPerSecond = events / gzipSeconds;
    return {
      events,
      files,
      avgRecordBytes: recordBytes / events,
      uncompressedBytes,
      compressedBytes,
      seconds,
      eventsPerSecond,
      coresUsed: (cpu.user + cpu.system) / 1e6 / seconds,
      gzipSeconds,
      gzipEventsPerSecond,
      ratio: eventsPerSecond / gzipEventsPerSecond,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = await runDeliveryBench();
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}
