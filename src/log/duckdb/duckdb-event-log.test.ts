import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { NormalizedEvent } from '../../event/types.js';
import {
  ACCOUNT_A,
  ACCOUNT_B,
  apiRecord,
  normalized,
  embeddedPerTest,
  tempDir,
} from '../../../test/helpers/embedded.js';

const RECEIVED = Date.UTC(2024, 4, 1, 12, 0, 0, 250);

const embedded = embeddedPerTest();
const fresh = embedded.open;

function ev(id: string, over: Record<string, unknown> = {}): NormalizedEvent {
  return normalized(apiRecord({ eventID: id, ...over }));
}

describe('DuckDBEventLog.append', () => {
  it('stores a batch with increasing sequence numbers in input order', async () => {
    const { log, store } = await fresh();
    expect(await log.headSeq()).toBe(0);
    const events = Array.from({ length: 25 }, (_, i) => ev(`e-${i}`));
    const out = await log.append(events, RECEIVED);
    expect(out).toHaveLength(25);
    expect(out.every((o) => o.status === 'stored')).toBe(true);
    const seqs = out.map((o) => o.seq);
    for (let i = 1; i < seqs.length; i++) expect(seqs[i]).toBeGreaterThan(seqs[i - 1]!);
    expect(seqs[0]).toBeGreaterThanOrEqual(1);
    expect(await log.headSeq()).toBe(seqs[seqs.length - 1]);
    expect(await store.countEvents()).toBe(25);
    // What was stored is exactly the normalised JSON, with the receive time of the append.
    const read = await log.read(0, 100);
    expect(read.map((r) => r.seq)).toEqual(seqs);
    read.forEach((r, i) => {
      expect(r.json).toBe(events[i]!.json);
      expect(r.eventId).toBe(`e-${i}`);
      expect(r.accountId).toBe(ACCOUNT_A);
      expect(r.receivedAtMs).toBe(RECEIVED);
    });
    // A second batch continues after the first.
    const more = await log.append([ev('e-25'), ev('e-26')], RECEIVED);
    expect(more[0]!.seq).toBeGreaterThan(seqs[seqs.length - 1]!);
    expect(more[1]!.seq).toBeGreaterThan(more[0]!.seq);
  });

  it('answers an empty batch with no outcomes', async () => {
    const { log } = await fresh();
    expect(await log.append([], RECEIVED)).toEqual([]);
    expect(await log.headSeq()).toBe(0);
  });

  it('stores the same (account, eventID) once within one batch', async () => {
    const { log, store } = await fresh();
    const first = ev('dup', { eventName: 'First' });
    const out = await log.append([first, ev('other'), ev('dup', { eventName: 'Second' }), ev('dup')], RECEIVED);
    expect(out.map((o) => o.status)).toEqual(['stored', 'stored', 'duplicate', 'duplicate']);
    expect(await store.countEvents()).toBe(2);
    const got = await store.getEvent(ACCOUNT_A, 'dup');
    expect(got?.json).toBe(first.json);
    expect(got?.seq).toBe(out[0]!.seq);
    expect(log.counters()).toMatchObject({ appended: 2, duplicates: 2, batches: 1, commits: 1 });
  });

  it('stores the same (account, eventID) once across batches, keeping the first copy', async () => {
    const { log, store } = await fresh();
    const first = ev('dup', { eventName: 'First' });
    const a = await log.append([first], RECEIVED);
    const b = await log.append([ev('dup', { eventName: 'Second' }), ev('new')], RECEIVED + 1000);
    expect(a.map((o) => o.status)).toEqual(['stored']);
    expect(b.map((o) => o.status)).toEqual(['duplicate', 'stored']);
    expect(await store.countEvents()).toBe(2);
    expect((await store.getEvent(ACCOUNT_A, 'dup'))?.json).toBe(first.json);
    expect(b[1]!.seq).toBeGreaterThan(a[0]!.seq);
  });

  it('stores the same eventID under two accounts as two events', async () => {
    const { log, store } = await fresh();
    const out = await log.append(
      [ev('shared', { recipientAccountId: ACCOUNT_A }), ev('shared', { recipientAccountId: ACCOUNT_B })],
      RECEIVED,
    );
    expect(out.map((o) => o.status)).toEqual(['stored', 'stored']);
    expect(await store.countEvents(ACCOUNT_A)).toBe(1);
    expect(await store.countEvents(ACCOUNT_B)).toBe(1);
    expect((await store.getEvent(ACCOUNT_B, 'shared'))?.record.recipientAccountId).toBe(ACCOUNT_B);
  });

  it('gives 50 concurrent callers distinct sequence numbers and stores everything', async () => {
    const { log, store } = await fresh();
    const batches = Array.from({ length: 50 }, (_, b) => Array.from({ length: 20 }, (_, i) => ev(`b${b}-e${i}`)));
    const results = await Promise.all(batches.map((batch) => log.append(batch, RECEIVED)));
    const all = results.flat();
    expect(all).toHaveLength(1000);
    expect(all.every((o) => o.status === 'stored')).toBe(true);
    expect(new Set(all.map((o) => o.seq)).size).toBe(1000);
    for (const r of results) for (let i = 1; i < r.length; i++) expect(r[i]!.seq).toBeGreaterThan(r[i - 1]!.seq);
    expect(await store.countEvents()).toBe(1000);
    expect(await log.headSeq()).toBe(Math.max(...all.map((o) => o.seq)));
    // Each stored row carries the sequence number its caller was told.
    const bySeq = new Map((await log.read(0, 2000)).map((r) => [r.seq, r.eventId]));
    results.forEach((r, b) => r.forEach((o, i) => expect(bySeq.get(o.seq)).toBe(`b${b}-e${i}`)));
    const c = log.counters();
    expect(c.appended).toBe(1000);
    expect(c.batches).toBe(50);
    // Batches that arrived during a commit were committed together.
    expect(c.commits).toBeLessThan(50);
  });

  it('lets exactly one of many concurrent copies of an event win', async () => {
    const { log, store } = await fresh();
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, b) =>
        log.append([ev('contested', { eventName: `Copy${b}` }), ev(`own-${b}`)], RECEIVED),
      ),
    );
    const contested = results.map((r) => r[0]!.status);
    expect(contested.filter((s) => s === 'stored')).toHaveLength(1);
    expect(contested.filter((s) => s === 'duplicate')).toHaveLength(49);
    expect(results.every((r) => r[1]!.status === 'stored')).toBe(true);
    expect(await store.countEvents()).toBe(51);
    const winner = contested.indexOf('stored');
    expect((await store.getEvent(ACCOUNT_A, 'contested'))?.record.eventName).toBe(`Copy${winner}`);
  });

  it('splits very large concurrent batches over several commits without losing or repeating any', async () => {
    const { log, store } = await fresh();
    const make = (tag: string, n: number) => Array.from({ length: n }, (_, i) => ev(`${tag}-${i}`));
    const [a, b] = await Promise.all([
      log.append(make('a', 12_000), RECEIVED),
      log.append(make('b', 12_000), RECEIVED),
    ]);
    const all = [...a!, ...b!];
    expect(all.every((o) => o.status === 'stored')).toBe(true);
    expect(new Set(all.map((o) => o.seq)).size).toBe(24_000);
    expect(await store.countEvents()).toBe(24_000);
    expect(log.counters().commits).toBeGreaterThanOrEqual(2);
  });

  it('refuses appends after close; close is idempotent', async () => {
    const e = await fresh();
    await e.log.append([ev('x')], RECEIVED);
    await e.log.close();
    await e.log.close();
    await expect(e.log.append([ev('y')], RECEIVED)).rejects.toThrow(/closed/);
  });

  it('flushes appends still queued when close is called', async () => {
    const e = await fresh();
    const pending = Array.from({ length: 10 }, (_, b) => e.log.append([ev(`q-${b}`)], RECEIVED));
    await e.log.close();
    const out = await Promise.all(pending);
    expect(out.flat().every((o) => o.status === 'stored')).toBe(true);
    expect(await e.store.countEvents()).toBe(10);
  });
});

describe('DuckDBEventLog.read and cursors', () => {
  it('pages through the log in sequence order', async () => {
    const { log } = await fresh();
    await log.append(
      Array.from({ length: 23 }, (_, i) => ev(`p-${i}`)),
      RECEIVED,
    );
    const whole = await log.read(0, 1000);
    expect(whole.map((r) => r.eventId)).toEqual(Array.from({ length: 23 }, (_, i) => `p-${i}`));
    const paged = [];
    let after = 0;
    for (;;) {
      const page = await log.read(after, 5);
      if (page.length === 0) break;
      expect(page.length).toBeLessThanOrEqual(5);
      paged.push(...page);
      after = page[page.length - 1]!.seq;
    }
    expect(paged).toEqual(whole);
    expect(await log.read(await log.headSeq(), 10)).toEqual([]);
    expect((await log.read(whole[10]!.seq, 3)).map((r) => r.eventId)).toEqual(['p-11', 'p-12', 'p-13']);
  });

  it('keeps cursors per consumer, 0 when never set, and overwrites them', async () => {
    const { log } = await fresh();
    expect(await log.getCursor('trail-delivery')).toBe(0);
    await log.setCursor('trail-delivery', 7);
    await log.setCursor('monitors', 3);
    await log.setCursor('trail-delivery', 12);
    expect(await log.getCursor('trail-delivery')).toBe(12);
    expect(await log.getCursor('monitors')).toBe(3);
    expect(await log.getCursor('rules')).toBe(0);
  });

  it('commits cursors set while appends are in flight with them, the last position per consumer winning', async () => {
    const { log } = await fresh();
    const appends = Array.from({ length: 5 }, (_, b) =>
      log.append(
        Array.from({ length: 50 }, (_, i) => ev(`c-${b}-${i}`)),
        RECEIVED,
      ),
    );
    const cursors = [log.setCursor('rules', 10), log.setCursor('monitor', 4), log.setCursor('rules', 30)];
    const commitsBefore = log.counters().commits;
    await Promise.all([...appends, ...cursors]);
    expect(await log.getCursor('rules')).toBe(30);
    expect(await log.getCursor('monitor')).toBe(4);
    expect(log.counters().appended).toBe(250);
    // The cursors rode along: no commit of their own beyond the appends' groups.
    expect(log.counters().commits - commitsBefore).toBeLessThanOrEqual(5);
  });

  it('persists a cursor set on an idle log, and across a reopen', async () => {
    const first = await fresh();
    await first.log.setCursor('rules', 99);
    expect(await first.log.getCursor('rules')).toBe(99);
    await first.close();
    const again = await fresh(first.dir);
    expect(await again.log.getCursor('rules')).toBe(99);
  });
});

describe('DuckDBEventLog across restarts', () => {
  it('continues the sequence and keeps records and cursors after close and reopen', async () => {
    const first = await fresh();
    const events = Array.from({ length: 10 }, (_, i) => ev(`r-${i}`, { requestParameters: { i, s: 'ü😀' } }));
    const out = await first.log.append(events, RECEIVED);
    const head = await first.log.headSeq();
    expect(head).toBe(out[9]!.seq);
    await first.log.setCursor('trail-delivery', out[4]!.seq);
    await first.close();

    const second = await fresh(first.dir);
    expect(await second.log.headSeq()).toBe(head);
    expect(await second.log.getCursor('trail-delivery')).toBe(out[4]!.seq);
    const read = await second.log.read(0, 100);
    expect(read.map((r) => r.json)).toEqual(events.map((e) => e.json));
    expect(read.map((r) => r.seq)).toEqual(out.map((o) => o.seq));
    // Idempotency survives the restart.
    const again = await second.log.append([ev('r-3'), ev('r-10')], RECEIVED);
    expect(again[0]!.status).toBe('duplicate');
    expect(again[1]).toEqual({ status: 'stored', seq: expect.any(Number) });
    expect(again[1]!.seq).toBeGreaterThan(head);
    expect(await second.store.countEvents()).toBe(11);
  });

  it('never reuses sequence numbers after retention pruned the newest events and the log reopened', async () => {
    // A consumer that delivered up to seq N must see every later event: new events need seq > N.
    const first = await fresh();
    // Imported archive records: old eventTime, yet the newest sequence numbers.
    await first.log.append([ev('new-1', { eventTime: '2024-05-01T00:00:00Z' })], RECEIVED);
    const old = await first.log.append(
      Array.from({ length: 5 }, (_, i) => ev(`archived-${i}`, { eventTime: '2019-01-01T00:00:00Z' })),
      RECEIVED,
    );
    const head = await first.log.headSeq();
    await first.log.setCursor('trail-delivery', head);
    expect(await first.store.pruneBefore(Date.UTC(2020, 0, 1))).toBe(5);
    expect(old[4]!.seq).toBe(head);
    await first.close();

    const second = await fresh(first.dir);
    const next = await second.log.append([ev('after-restart')], RECEIVED);
    expect(next[0]!.status).toBe('stored');
    expect(next[0]!.seq).toBeGreaterThan(head);
    const cursor = await second.log.getCursor('trail-delivery');
    expect((await second.log.read(cursor, 10)).map((r) => r.eventId)).toEqual(['after-restart']);
  });

  it('keeps an acknowledged append after the process dies without closing', async () => {
    const dir = tempDir();
    embedded.keep(dir);
    const root = resolve(import.meta.dirname, '../../..');
    const script = join(dir, 'crash.mts');
    writeFileSync(
      script,
      `import { writeSync } from 'node:fs';
import { EmbeddedDatabase } from ${JSON.stringify(join(root, 'src/store/duckdb/database.ts'))};
import { DuckDBEventLog } from ${JSON.stringify(join(root, 'src/log/duckdb/duckdb-event-log.ts'))};
import { normalizeRecord } from ${JSON.stringify(join(root, 'src/event/normalize.ts'))};
const db = await EmbeddedDatabase.open(${JSON.stringify(join(dir, 'data'))});
const log = await DuckDBEventLog.open(db);
const ctx = { accountId: '111111111111', region: 'us-east-1', receivedAtMs: Date.now(), profile: 'api', enforceRecipient: false };
const events = [];
for (let i = 0; i < 20; i++) {
  const r = normalizeRecord({ eventID: 'crash-' + i, eventSource: 's', eventName: 'CreateX', userIdentity: { type: 'IAMUser' } }, ctx);
  if (r.ok) events.push(r.event);
}
const out = await log.append(events, Date.now());
writeSync(1, JSON.stringify(out));
process.kill(process.pid, 'SIGKILL');
`,
    );
    const child = spawnSync(process.execPath, ['--import', 'tsx', script], { cwd: root, encoding: 'utf8' });
    // It died without closing anything (no checkpoint, no clean shutdown).
    expect(child.signal, child.stderr).toBe('SIGKILL');
    const acked = JSON.parse(child.stdout) as { status: string; seq: number }[];
    expect(acked).toHaveLength(20);
    expect(acked.every((o) => o.status === 'stored')).toBe(true);

    const reopened = await fresh(join(dir, 'data'));
    expect(await reopened.store.countEvents()).toBe(20);
    expect(await reopened.log.headSeq()).toBe(acked[19]!.seq);
    expect((await reopened.store.getEvent(ACCOUNT_A, 'crash-7'))?.seq).toBe(acked[7]!.seq);
  });
});

describe('idempotency key', () => {
  // The key must tell apart every distinct (recipientAccountId, eventID) pair the ingest path
  // accepts; otherwise a distinct event is answered "duplicate" and silently lost.
  it('does not confuse pairs that differ only in where a newline falls', async () => {
    const { ingestor, store } = await fresh();
    const ctx = { accountId: ACCOUNT_A, region: 'us-east-1', profile: 'archive' as const, enforceRecipient: false };
    const records = [
      apiRecord({ recipientAccountId: '1\n2', eventID: 'x' }),
      apiRecord({ recipientAccountId: '1', eventID: '2\nx' }),
    ];
    const results = await ingestor.ingest(records, ctx);
    for (const [i, r] of results.entries()) {
      // Either refused up front, or stored and retrievable as itself; never a false duplicate.
      if (!r.ok) {
        expect(r.errorCode).toBe('InvalidData');
        continue;
      }
      expect(r.status, `record ${i}`).toBe('stored');
      const got = await store.getEvent(r.accountId, r.eventId);
      expect(got?.record.eventID).toBe(r.eventId);
      expect(got?.record.recipientAccountId).toBe(r.accountId);
    }
  });

  it('does not confuse eventIDs that differ only in lone surrogates', async () => {
    const { ingestor, store } = await fresh();
    const ids = ['\ud800', '\udbff', '\udc00', '\udfff', 'a\ud800b', 'a\udfffb'];
    const records = ids.map((id) => JSON.parse(JSON.stringify(apiRecord({ eventID: id }))) as unknown);
    const results = await ingestor.ingest(records, {
      accountId: ACCOUNT_A,
      region: 'us-east-1',
      profile: 'api',
      enforceRecipient: false,
    });
    for (const [i, r] of results.entries()) {
      if (!r.ok) {
        expect(r.errorCode).toBe('InvalidData');
        continue;
      }
      expect(r.status, `eventID ${JSON.stringify(ids[i])}`).toBe('stored');
      const got = await store.getEvent(r.accountId, r.eventId);
      expect(got?.record.eventID, `eventID ${JSON.stringify(ids[i])}`).toBe(ids[i]);
    }
  });
});
