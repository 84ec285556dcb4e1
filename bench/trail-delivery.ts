/**
 * Trail delivery end to end, without HTTP: events already in the embedded log → the delivery
 * scheduler (read from the cursor, JSON parse, selector match, group per account and region,
 * log files with SHA-256 and gzip, durable DirectorySink puts, cursor commit) → the signed
 * digest of the period. The issue's target is ≥ 50,000 events/s on the 2-core machine.
 *
 * The clock is injected: one pass after the flush interval delivers the whole backlog (cut into
 * files at the size cap), one pass after the digest interval writes the digests. Appending the
 * events to the log is set-up, outside the timing.
 *
 * Run alone: `npx tsx bench/trail-delivery.ts` (BENCH_TRAIL_DELIVERY_EVENTS, default 100,000).
 *
 * First figures (2-core machine, 50,000 events of ~1.5 KB, three regions): ~26,000 events/s,
 * short of the target; per event the main thread spent ~14 µs in `EventLog.read` (DuckDB rows to
 * JS strings) and ~12 µs in `JSON.parse`. Delivery now reads `EventLog.readBatch` (the lookup
 * columns as one JSON page, the records' bytes from the segment files in runs), decides the
 * selectors on the columns where they suffice and copies the bytes into the file; in the same
 * minute on the loaded machine (load average 13) 6,100 → 13,500 events/s. The baseline (gzip +
 * SHA-256 of the same file bytes, nothing else) is measured in the same run, and the gzip levels
 * beside it: delivery cannot be faster than the baseline.
 */
import { webcrypto } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { join, resolve } from 'node:path';
import { DEFAULT_GZIP_LEVEL, logFileJson, type LogRecord } from '../src/delivery/log-file.js';
import { normalizeRecord } from '../src/event/normalize.js';
import type { NormalizedEvent } from '../src/event/types.js';
import { SigningKeyStore } from '../src/integrity/key-store.js';
import { DuckDBEventLog } from '../src/log/duckdb/duckdb-event-log.js';
import { EmbeddedDatabase } from '../src/store/duckdb/database.js';
import { DeliveryScheduler, DeliveryStateStore } from '../src/trails/delivery/index.js';
import { TrailRepository } from '../src/trails/repository.js';
import { prng, realisticRecord } from './generate.js';

const gzipAsync = promisify(gzip);
const ROOT = resolve(import.meta.dirname, '..');
const ACCOUNT = '111122223333';

export interface TrailDeliveryBenchResult {
  events: number;
  logFiles: number;
  digests: number;
  /** Log → log files (all events delivered and committed). */
  deliverySeconds: number;
  /** The digests of the period, after the files. */
  digestSeconds: number;
  eventsPerSecond: number;
  /** Process CPU time (user + system, all threads) per wall second. */
  coresUsed: number;
  /**
   * The baseline in the same run: the same records' file bytes (one per region, as delivered)
   * only gzipped at delivery's level and hashed, side by side on the thread pool, in events/s.
   */
  baselineEventsPerSecond: number;
  /** Per gzip level over the same bytes: compression ratio and MB/s of uncompressed input (all files side by side). */
  gzipLevels: { level: number; ratio: number; megabytesPerSecond: number }[];
}

export async function runTrailDeliveryBench(
  events = Number(process.env['BENCH_TRAIL_DELIVERY_EVENTS'] ?? 100_000),
): Promise<TrailDeliveryBenchResult> {
  const dataRoot = join(ROOT, '.bench-data');
  mkdirSync(dataRoot, { recursive: true });
  const dir = mkdtempSync(join(dataRoot, 'trail-delivery-'));
  const db = await EmbeddedDatabase.open(dir);
  try {
    const log = await DuckDBEventLog.open(db);
    const trails = await TrailRepository.open(db);
    const state = await DeliveryStateStore.open(db);
    let clock = Date.UTC(2026, 0, 1, 10);
    const keys = new SigningKeyStore(dir, { now: () => clock });
    const trail = await trails.create(
      {
        accountId: ACCOUNT,
        homeRegion: 'us-east-1',
        name: 'bench',
        s3BucketName: 'bench-bucket',
        includeGlobalServiceEvents: true,
        isMultiRegionTrail: true,
        isOrganizationTrail: false,
        logFileValidationEnabled: true,
      },
      clock,
    );
    await trails.setLogging(trail.trailArn, true, clock);
    const scheduler = await DeliveryScheduler.open({
      log,
      trails,
      state,
      signingKeys: keys,
      sinks: { type: 'directory', root: join(dir, 'buckets') },
      now: () => clock,
    });
    await scheduler.runOnce(); // the trail starts at the (empty) log's head
    await keys.current('us-east-1'); // a running server has its signing key already

    const rand = prng(7);
    const regions = ['us-east-1', 'eu-west-1', 'ap-south-1'];
    for (let done = 0; done < events; done += 10_000) {
      const batch: NormalizedEvent[] = [];
      for (let i = done; i < Math.min(events, done + 10_000); i++) {
        const record = realisticRecord(rand, ACCOUNT, clock - 3_600_000 + i);
        record['awsRegion'] = regions[i % regions.length];
        const r = normalizeRecord(record, {
          accountId: ACCOUNT,
          region: 'us-east-1',
          receivedAtMs: clock,
          profile: 'archive',
          enforceRecipient: false,
        });
        if (!r.ok) throw new Error(`generated record is invalid: ${r.error.errorMessage}`);
        batch.push(r.event);
      }
      await log.append(batch, clock);
    }
    // "Already in the log": their rows too, which the log writes behind its acknowledgements.
    await log.materialized();

    const prof = process.env.OT_PROFILE_DELIVERY ? await startProfile() : undefined;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    clock += 60_000;
    await scheduler.runOnce();
    const t1 = performance.now();
    clock += 3_600_000;
    await scheduler.runOnce();
    const t2 = performance.now();
    const cpu = process.cpuUsage(cpu0);
    if (prof) await prof(process.env.OT_PROFILE_DELIVERY!);
    const c = scheduler.counters();
    if (c.sent !== events) throw new Error(`delivered ${c.sent} of ${events} events`);
    await scheduler.shutdown();
    const baseline = await gzipBaseline(log, events);
    await log.close();
    const seconds = (t2 - t0) / 1000;
    return {
      events,
      logFiles: c.logFiles,
      digests: c.digests,
      deliverySeconds: (t1 - t0) / 1000,
      digestSeconds: (t2 - t1) / 1000,
      eventsPerSecond: events / seconds,
      coresUsed: (cpu.user + cpu.system) / 1e6 / seconds,
      ...baseline,
    };
  } finally {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The same records' file bodies per region, gzipped and hashed only (the floor delivery cannot beat). */
async function gzipBaseline(
  log: DuckDBEventLog,
  events: number,
): Promise<Pick<TrailDeliveryBenchResult, 'baselineEventsPerSecond' | 'gzipLevels'>> {
  const perRegion = new Map<string, LogRecord[]>();
  for (let after = 0; after < events; after += 5_000) {
    for (const e of await log.readBatch(after, 5_000)) {
      const region = e.awsRegion ?? '';
      let list = perRegion.get(region);
      if (!list) perRegion.set(region, (list = []));
      list.push({ json: e.record, eventTime: e.eventTimeMs });
    }
  }
  const bodies = [...perRegion.values()].map((records) => logFileJson(records));
  const bytes = bodies.reduce((n, b) => n + b.length, 0);
  const t0 = performance.now();
  await Promise.all(
    bodies.map((b) =>
      Promise.all([webcrypto.subtle.digest('SHA-256', b), gzipAsync(b, { level: DEFAULT_GZIP_LEVEL })]),
    ),
  );
  const baselineEventsPerSecond = events / ((performance.now() - t0) / 1000);
  const gzipLevels = [];
  for (const level of [1, 6]) {
    const t = performance.now();
    const out = await Promise.all(bodies.map((b) => gzipAsync(b, { level })));
    const s = (performance.now() - t) / 1000;
    gzipLevels.push({
      level,
      ratio: bytes / out.reduce((n, b) => n + b.length, 0),
      megabytesPerSecond: bytes / 1e6 / s,
    });
  }
  return { baselineEventsPerSecond, gzipLevels };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = await runTrailDeliveryBench();
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}

/** OT_PROFILE_DELIVERY=FILE: a CPU profile of the timed part only (setup and baseline left out). */
async function startProfile(): Promise<(file: string) => Promise<void>> {
  const { Session } = await import('node:inspector/promises');
  const { writeFileSync } = await import('node:fs');
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return async (file) => {
    const { profile } = await session.post('Profiler.stop');
    writeFileSync(file, JSON.stringify(profile));
    session.disconnect();
  };
}
