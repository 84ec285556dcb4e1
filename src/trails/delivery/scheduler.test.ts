import { writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ACCOUNT_A,
  ACCOUNT_B,
  apiRecord,
  normalized,
  openEmbedded,
  removeDir,
  type Embedded,
} from '../../../test/helpers/embedded.js';
import { DirectorySink, parseLogFileKey } from '../../delivery/index.js';
import { directoryBuckets } from '../../integrity/directory-reader.js';
import { SigningKeyStore } from '../../integrity/key-store.js';
import { validateLogs } from '../../integrity/validate.js';
import type { NewTrail } from '../repository.js';
import { TrailRepository } from '../repository.js';
import { writeBatch, type CoveredEvent } from './batch.js';
import { DeliveryScheduler, type DeliverySchedulerOptions } from './scheduler.js';
import { DeliveryStateStore } from './state.js';

const START = Date.UTC(2026, 0, 1, 10, 0, 0);
const MINUTE = 60_000;
const HOUR = 3_600_000;

let emb: Embedded;
let trails: TrailRepository;
let state: DeliveryStateStore;
let keys: SigningKeyStore;
let root: string;
let clock: number;

beforeEach(async () => {
  emb = await openEmbedded();
  trails = await TrailRepository.open(emb.db);
  state = await DeliveryStateStore.open(emb.db);
  clock = START;
  keys = new SigningKeyStore(emb.dir, { now: () => clock });
  root = join(emb.dir, 'buckets');
});

afterEach(async () => {
  await emb.close();
  removeDir(emb.dir);
});

function scheduler(extra: Partial<DeliverySchedulerOptions> = {}): Promise<DeliveryScheduler> {
  return DeliveryScheduler.open({
    log: emb.log,
    trails,
    state,
    signingKeys: keys,
    sinks: { type: 'directory', root, durable: false },
    now: () => clock,
    retryBaseMs: 1,
    ...extra,
  });
}

async function newTrail(name: string, overrides: Partial<NewTrail> = {}) {
  const trail = await trails.create(
    {
      accountId: ACCOUNT_A,
      homeRegion: 'us-east-1',
      name,
      s3BucketName: 'audit-bucket',
      includeGlobalServiceEvents: true,
      isMultiRegionTrail: false,
      isOrganizationTrail: false,
      logFileValidationEnabled: false,
      ...overrides,
    },
    clock,
  );
  await trails.setLogging(trail.trailArn, true, clock);
  return trail;
}

/** Appends events; returns their eventIDs. */
async function append(specs: { region?: string; account?: string }[]): Promise<string[]> {
  const events = specs.map((s) =>
    normalized(apiRecord(s.region ? { awsRegion: s.region } : {}), s.account ? { accountId: s.account } : {}),
  );
  await emb.log.append(events, clock);
  return events.map((e) => (JSON.parse(e.json) as { eventID: string }).eventID);
}

/** Every log file of a bucket: key → the eventIDs it holds. */
async function logFiles(bucket: string): Promise<Map<string, string[]>> {
  const sink = new DirectorySink({ root, bucket, durable: false });
  const out = new Map<string, string[]>();
  for await (const key of sink.list('')) {
    if (!parseLogFileKey(key.replace(/^.*?(AWSLogs\/)/, '$1'))) continue;
    const obj = (await sink.get(key))!;
    const doc = JSON.parse(gunzipSync(obj.body).toString('utf8')) as { Records: { eventID: string }[] };
    out.set(
      key,
      doc.Records.map((r) => r.eventID),
    );
  }
  return out;
}

describe('DeliveryScheduler: log files', () => {
  it('delivers each covered event once, per account and region, at CloudTrail keys with the delivery time', async () => {
    const single = await newTrail('single', { s3KeyPrefix: 'team/logs/' });
    const multi = await newTrail('multi', { isMultiRegionTrail: true, s3BucketName: 'multi-bucket' });
    const s = await scheduler();
    await s.runOnce(); // both trails start at the log's head
    const east = await append([{}, {}, {}]);
    const west = await append([{ region: 'eu-west-1' }]);
    await append([{ account: ACCOUNT_B }]); // another account: no trail of A covers it

    await s.runOnce();
    expect((await logFiles('audit-bucket')).size).toBe(0); // the flush interval has not passed

    clock += MINUTE;
    await s.runOnce();
    const single1 = await logFiles('audit-bucket');
    expect([...single1.keys()]).toHaveLength(1);
    const [key, ids] = [...single1.entries()][0]!;
    expect(key).toMatch(
      /^team\/logs\/AWSLogs\/111111111111\/CloudTrail\/us-east-1\/2026\/01\/01\/111111111111_CloudTrail_us-east-1_20260101T1001Z_[A-Za-z0-9]{16}\.json\.gz$/,
    );
    expect(ids).toEqual(east);
    const head = await new DirectorySink({ root, bucket: 'audit-bucket', durable: false }).head(key);
    expect(head).toMatchObject({ contentType: 'application/json', contentEncoding: 'gzip' });

    const multiFiles = await logFiles('multi-bucket');
    expect([...multiFiles.keys()].map((k) => k.split('/')[3])).toEqual(['eu-west-1', 'us-east-1']);
    expect([...multiFiles.values()]).toEqual([west, east]);

    expect((await trails.status(single.trailArn)).latestDeliveryTimeMs).toBe(clock);
    expect((await trails.status(multi.trailArn)).latestDeliveryError).toBeUndefined();
    expect(s.counters()).toMatchObject({ received: 7, sent: 7, logFiles: 3, failed: 0 });

    // Nothing new: another pass writes nothing more.
    clock += MINUTE;
    await s.runOnce();
    expect((await logFiles('audit-bucket')).size).toBe(1);
  });

  it('cuts a batch at the size cap into several files, every event in exactly one', async () => {
    await newTrail('capped');
    const s = await scheduler({ maxFileBytes: 2048 });
    await s.runOnce();
    const ids = await append(Array.from({ length: 30 }, () => ({})));
    clock += MINUTE;
    await s.runOnce();
    const files = await logFiles('audit-bucket');
    expect(files.size).toBeGreaterThan(3);
    expect([...files.values()].flat().sort()).toEqual([...ids].sort());
  });

  it('does not deliver events from before StartLogging or while logging is stopped', async () => {
    const before = await append([{}]);
    clock += 1000;
    const trail = await newTrail('switching');
    const s = await scheduler();
    await s.runOnce();
    const during = await append([{}]);
    clock += 1000;
    await trails.setLogging(trail.trailArn, false, clock);
    await s.runOnce(); // the stop delivers what came before it at once
    const stopped = await append([{}]);
    clock += 1000;
    await trails.setLogging(trail.trailArn, true, clock);
    await s.runOnce();
    const after = await append([{}]);
    clock += MINUTE;
    await s.runOnce();
    const delivered = [...(await logFiles('audit-bucket')).values()].flat();
    expect(delivered.sort()).toEqual([...during, ...after].sort());
    expect(delivered).not.toContain(before[0]);
    expect(delivered).not.toContain(stopped[0]);
  });

  it('starts a trail found logging without delivery state at the first event received since StartLogging', async () => {
    const earlier = await append([{}, {}]);
    clock += 1000;
    await newTrail('resumed'); // StartLogging at this time; the process dies before a pass sees it
    const since = await append([{}]);
    clock += 1000;
    const later = await append([{}]);
    const s = await scheduler();
    await s.runOnce();
    clock += MINUTE;
    await s.runOnce();
    const delivered = [...(await logFiles('audit-bucket')).values()].flat();
    expect(delivered).toEqual([...since, ...later]);
    expect(delivered).not.toContain(earlier[0]);
  });
});

describe('DeliveryScheduler: failures and crashes', () => {
  it('reports a failed write, keeps the batch and, after a crash, rewrites it with the recorded delivery time', async () => {
    const trail = await newTrail('fragile');
    // A file where the bucket's folder should be: every put fails.
    writeFileSync(root, 'not a folder');
    const first = await scheduler();
    await first.runOnce();
    const ids = await append([{}, {}]);
    clock += MINUTE;
    const firstAttempt = clock;
    await first.runOnce();
    const status = await trails.status(trail.trailArn);
    expect(status.latestDeliveryError).toMatch(/.+/);
    expect(status.latestDeliveryTimeMs).toBeUndefined();
    expect(first.counters().failed).toBe(1);
    expect((await state.get(trail.trailArn))?.batch).toMatchObject({ deliveryMs: firstAttempt });

    // The process dies here (the scheduler is dropped without shutdown); the disk is repaired.
    rmSync(root);
    clock += 7 * MINUTE;
    const later = await append([{}]);
    const second = await scheduler();
    await second.runOnce();
    const afterRestart = await logFiles('audit-bucket');
    expect([...afterRestart.keys()]).toHaveLength(1);
    expect([...afterRestart.keys()][0]).toContain('_20260101T1001Z_'); // the first attempt's time
    expect([...afterRestart.values()][0]).toEqual(ids);
    expect((await trails.status(trail.trailArn)).latestDeliveryError).toBeUndefined();

    clock += MINUTE;
    await second.runOnce();
    const all = [...(await logFiles('audit-bucket')).values()].flat();
    expect(all.sort()).toEqual([...ids, ...later].sort());
  });

  it('writes an unwritten batch as recorded even when the trail changed meanwhile; later events follow the change', async () => {
    const trail = await newTrail('changing', { s3KeyPrefix: 'old' });
    writeFileSync(root, 'not a folder');
    const s = await scheduler();
    await s.runOnce();
    const before = await append([{}, {}]);
    clock += MINUTE;
    await s.runOnce(); // fails: the batch stays recorded under prefix "old"
    expect((await state.get(trail.trailArn))?.batch?.trail.s3KeyPrefix).toBe('old');
    await trails.update(ACCOUNT_A, trail.trailArn, { s3KeyPrefix: 'new' });
    rmSync(root);
    clock += MINUTE;
    await s.runOnce();
    const after = await append([{}]);
    clock += MINUTE;
    await s.runOnce();
    const files = await logFiles('audit-bucket');
    const byPrefix = (p: string) =>
      [...files.entries()].filter(([k]) => k.startsWith(`${p}/`)).flatMap(([, ids]) => ids);
    expect(byPrefix('old')).toEqual(before);
    // Written with the delivery time recorded at the first attempt (10:01), not the retry's.
    expect([...files.keys()].find((k) => k.startsWith('old/'))).toContain('_20260101T1001Z_');
    expect(byPrefix('new')).toEqual(after);
    expect(files.size).toBe(2);
  });

  it('writes the same keys with the same bytes when a batch is written again', async () => {
    const trail = await newTrail('again');
    await append([{}, { region: 'eu-west-1' }, {}]);
    const events: CoveredEvent[] = (await emb.log.read(0, 10)).map((e) => ({
      seq: e.seq,
      accountId: e.accountId,
      region: (JSON.parse(e.json) as { awsRegion: string }).awsRegion,
      json: e.json,
      eventTime: (JSON.parse(e.json) as { eventTime: string }).eventTime,
    }));
    const a = new DirectorySink({ root, bucket: 'copy-one', durable: false });
    const b = new DirectorySink({ root, bucket: 'copy-two', durable: false });
    const one = await writeBatch(a, trail, START, events);
    const two = await writeBatch(b, trail, START, events);
    expect(two.map((f) => [f.key, f.sha256])).toEqual(one.map((f) => [f.key, f.sha256]));
    for (const f of one) expect((await b.get(f.key))!.body.equals((await a.get(f.key))!.body)).toBe(true);
  });
});

describe('DeliveryScheduler: digests', () => {
  it('writes hourly chained digests (empty ones too) and a final one at StopLogging; validate-logs finds all valid', async () => {
    const trail = await newTrail('validated', { logFileValidationEnabled: true, s3KeyPrefix: 'pfx' });
    const s = await scheduler({ digestIntervalMs: HOUR });
    await s.runOnce();
    await append([{}, {}]);
    clock += MINUTE;
    await s.runOnce(); // one log file
    clock = START + HOUR;
    await s.runOnce(); // digest 10:00–11:00 with the file
    clock = START + 2 * HOUR;
    await s.runOnce(); // 11:00–12:00, empty
    clock += 10 * MINUTE;
    await trails.setLogging(trail.trailArn, false, clock);
    await s.runOnce(); // the final digest 12:00–12:10
    expect(s.counters().digests).toBe(3);
    expect(await state.get(trail.trailArn)).toBeUndefined();
    expect((await trails.status(trail.trailArn)).latestDigestDeliveryTimeMs).toBe(clock);

    const out: string[] = [];
    const summary = await validateLogs({
      trailArn: trail.trailArn,
      startMs: START - HOUR,
      endMs: clock + HOUR,
      bucket: 'audit-bucket',
      prefix: 'pfx',
      verbose: true,
      buckets: directoryBuckets(root),
      publicKeys: (from, to) => keys.listPublicKeys('us-east-1', from, to),
      write: (_stream, text) => out.push(text),
      now: () => clock,
    });
    expect(out.join('')).not.toContain('INVALID');
    expect(summary).toMatchObject({ exitCode: 0, validDigests: 3, invalidDigests: 0, validLogs: 1, invalidLogs: 0 });
    const digestKeys: string[] = [];
    for await (const k of new DirectorySink({ root, bucket: 'audit-bucket', durable: false }).list('pfx/AWSLogs/')) {
      if (k.includes('CloudTrail-Digest')) digestKeys.push(k);
    }
    expect(digestKeys.map((k) => k.slice(-24, -8))).toEqual([
      '20260101T110000Z',
      '20260101T120000Z',
      '20260101T121000Z',
    ]);
  });

  it('chains one digest per region a multi-region trail delivered for, the home region even when empty', async () => {
    await newTrail('everywhere', { logFileValidationEnabled: true, isMultiRegionTrail: true });
    const s = await scheduler({ digestIntervalMs: HOUR });
    await s.runOnce();
    await append([{ region: 'eu-west-1' }]);
    clock += MINUTE;
    await s.runOnce();
    clock = START + HOUR;
    await s.runOnce();
    clock = START + 2 * HOUR;
    await s.runOnce();
    const sink = new DirectorySink({ root, bucket: 'audit-bucket', durable: false });
    const digests: { key: string; doc: Record<string, unknown> }[] = [];
    for await (const key of sink.list('AWSLogs/')) {
      if (!key.includes('CloudTrail-Digest')) continue;
      digests.push({
        key,
        doc: JSON.parse(gunzipSync((await sink.get(key))!.body).toString('utf8')) as Record<string, unknown>,
      });
    }
    // eu-west-1 (one file, then empty) and us-east-1 (empty twice), each linked to its own previous digest.
    expect(digests.map((d) => d.key.split('/')[3])).toEqual(['eu-west-1', 'eu-west-1', 'us-east-1', 'us-east-1']);
    expect(digests.map((d) => (d.doc.logFiles as unknown[]).length)).toEqual([1, 0, 0, 0]);
    expect(digests[0]!.doc.previousDigestSignature).toBeNull();
    expect(digests[1]!.doc.previousDigestS3Object).toBe(digests[0]!.key);
    expect(digests[3]!.doc.previousDigestS3Object).toBe(digests[2]!.key);
    expect(digests[1]!.doc.previousDigestSignature).toBe((await sink.head(digests[0]!.key))!.metadata.signature);
  });

  it('delivers what a deleted trail had buffered, writes its final digest and forgets it', async () => {
    const trail = await newTrail('doomed', { logFileValidationEnabled: true });
    const s = await scheduler({ digestIntervalMs: HOUR });
    await s.runOnce();
    const ids = await append([{}, {}]);
    clock += 5 * MINUTE; // not yet flushed: the flush interval is 60 s and no pass ran
    expect(await trails.delete(ACCOUNT_A, trail.trailArn)).toBe(true);
    await s.runOnce();
    expect([...(await logFiles('audit-bucket')).values()].flat()).toEqual(ids);
    expect(s.counters().digests).toBe(1);
    expect(await state.get(trail.trailArn)).toBeUndefined();
  });

  it('ends the chain when validation is turned off; turning it on again starts a new chain', async () => {
    const trail = await newTrail('toggled', { logFileValidationEnabled: true });
    const s = await scheduler({ digestIntervalMs: HOUR });
    await s.runOnce();
    clock = START + HOUR;
    await s.runOnce(); // the first digest (a starting digest)
    await trails.update(ACCOUNT_A, trail.trailArn, { logFileValidationEnabled: false });
    clock = START + 2 * HOUR;
    await s.runOnce(); // validation off: no digest for this hour
    await trails.update(ACCOUNT_A, trail.trailArn, { logFileValidationEnabled: true });
    clock += MINUTE;
    await s.runOnce(); // the period restarts now
    clock += HOUR;
    await s.runOnce();
    const sink = new DirectorySink({ root, bucket: 'audit-bucket', durable: false });
    const docs: Record<string, unknown>[] = [];
    for await (const key of sink.list('AWSLogs/')) {
      if (key.includes('CloudTrail-Digest'))
        docs.push(JSON.parse(gunzipSync((await sink.get(key))!.body).toString('utf8')) as Record<string, unknown>);
    }
    expect(docs.map((d) => [d.digestStartTime, d.digestEndTime, d.previousDigestSignature])).toEqual([
      ['2026-01-01T10:00:00Z', '2026-01-01T11:00:00Z', null],
      ['2026-01-01T12:01:00Z', '2026-01-01T13:01:00Z', null],
    ]);
  });
});
