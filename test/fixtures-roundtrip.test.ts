/**
 * Every real CloudTrail record of the shared fixtures goes in through the ingest path and comes
 * back from the store equal, field by field: the input fields deep-equal, and each field the
 * service added exactly one of CloudTrail's documented defaults.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normalizeRecord } from '../src/event/normalize.js';
import type { IngestResult } from '../src/ingest/ingestor.js';
import { docsEntries, jsonClone, openEmbedded, removeDir, stratusFiles, type Embedded } from './helpers/embedded.js';

const CTX = { accountId: '111111111111', region: 'us-east-1', profile: 'archive' as const, enforceRecipient: false };
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const CANONICAL_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
const MANAGEMENT_FLAG_TYPES = ['AwsApiCall', 'AwsConsoleAction', 'AwsConsoleSignIn', 'AwsServiceEvent'];
const CATEGORY_OF: Record<string, string> = {
  AwsCloudTrailInsight: 'Insight',
  ActivityLog: 'ActivityAuditLog',
  AwsVpceEvent: 'NetworkActivity',
};
/** The read-only verbs, written out independently of src/event/read-only.ts. */
const READ_ONLY_NAME =
  /^(Get|List|Describe|Head|Lookup|Search|Scan|Query|BatchGet|Select|View|Filter|Check|Test|Validate|Verify)([A-Z0-9_]|$)/;

type Rec = Record<string, unknown>;

interface Input {
  source: string;
  /** Deep copy taken before ingest (normalizeRecord takes over and mutates its input). */
  original: Rec;
  result?: IngestResult;
}

let env: Embedded;
let inputs: Input[];
let startedMs: number;
let finishedMs: number;

function keyOf(r: Rec): string | undefined {
  // Records without an eventID get a fresh one each: they never repeat.
  if (typeof r.eventID !== 'string' || r.eventID === '') return undefined;
  return `${typeof r.recipientAccountId === 'string' ? r.recipientAccountId : CTX.accountId}\n${r.eventID}`;
}

beforeAll(async () => {
  env = await openEmbedded();
  inputs = [];
  startedMs = Math.floor(Date.now() / 1000) * 1000;
  for (const file of stratusFiles()) {
    const batch = file.records;
    const start = inputs.length;
    batch.forEach((r, i) => inputs.push({ source: `${file.name}[${i}]`, original: jsonClone(r) }));
    const results = await env.ingestor.ingest(batch, CTX);
    results.forEach((res, i) => (inputs[start + i]!.result = res));
  }
  const docs = docsEntries();
  const start = inputs.length;
  docs.forEach((d) =>
    inputs.push({
      source: `${d.source_doc}#${d.code_block}[${String(d.record_index)}]`,
      original: jsonClone(d.record),
    }),
  );
  const results = await env.ingestor.ingest(
    docs.map((d) => d.record),
    CTX,
  );
  results.forEach((res, i) => (inputs[start + i]!.result = res));
  finishedMs = Date.now();
});

afterAll(async () => {
  await env?.close();
  removeDir(env?.dir);
});

/** Checks one stored record against the input it came from. */
function checkRoundTrip(source: string, original: Rec, stored: Rec, result: IngestResult & { ok: true }): void {
  for (const [k, v] of Object.entries(original)) {
    expect(stored[k], `${source}: input field ${k}`).toEqual(v);
  }
  const added = Object.keys(stored).filter((k) => !(k in original));
  const isInsight = original.eventType === 'AwsCloudTrailInsight' || original.eventCategory === 'Insight';
  for (const k of added) {
    const v = stored[k];
    const where = `${source}: added field ${k} = ${JSON.stringify(v)}`;
    switch (k) {
      case 'eventID':
        expect(v, where).toMatch(UUID_V4);
        expect(v, where).toBe(result.eventId);
        break;
      case 'eventTime':
        expect(v, where).toMatch(CANONICAL_TIME);
        expect(Date.parse(v as string), where).toBeGreaterThanOrEqual(startedMs);
        expect(Date.parse(v as string), where).toBeLessThanOrEqual(finishedMs);
        break;
      case 'eventVersion':
        expect(v, where).toBe('1.11');
        break;
      case 'awsRegion':
        expect(v, where).toBe(CTX.region);
        break;
      case 'recipientAccountId':
        expect(v, where).toBe(CTX.accountId);
        break;
      case 'eventType':
        expect(v, where).toBe(isInsight ? 'AwsCloudTrailInsight' : 'AwsApiCall');
        break;
      case 'eventCategory':
        expect(v, where).toBe(CATEGORY_OF[stored.eventType as string] ?? 'Management');
        break;
      case 'managementEvent':
        expect(MANAGEMENT_FLAG_TYPES, where).toContain(stored.eventType);
        expect(v, where).toBe(stored.eventCategory === 'Management');
        break;
      case 'readOnly':
        expect(isInsight, where).toBe(false);
        expect(typeof stored.eventName, where).toBe('string');
        expect(v, where).toBe(READ_ONLY_NAME.test(stored.eventName as string));
        break;
      default:
        throw new Error(`${where}: not a documented default`);
    }
  }
  // And every default that applies was added.
  for (const k of [
    'eventID',
    'eventTime',
    'eventVersion',
    'awsRegion',
    'recipientAccountId',
    'eventType',
    'eventCategory',
  ]) {
    expect(stored, `${source}: ${k}`).toHaveProperty(k);
  }
  expect('managementEvent' in stored, `${source}: managementEvent`).toBe(
    'managementEvent' in original || MANAGEMENT_FLAG_TYPES.includes(stored.eventType as string),
  );
  expect('readOnly' in stored, `${source}: readOnly`).toBe(
    'readOnly' in original || (!isInsight && typeof original.eventName === 'string'),
  );
  expect(stored.recipientAccountId).toBe(result.accountId);
  expect(stored.eventID).toBe(result.eventId);
}

describe('fixtures round trip (archive profile)', () => {
  it('reads the expected fixtures: 35 files, 310 + 23 records', () => {
    expect(stratusFiles()).toHaveLength(35);
    expect(inputs).toHaveLength(333);
    expect(inputs.filter((i) => i.source.startsWith('aws.'))).toHaveLength(310);
  });

  it('accepts every record: stores each (account, eventID) once, answers the repeats as duplicates', async () => {
    for (const i of inputs) expect(i.result, i.source).toMatchObject({ ok: true });
    // Expected counts, computed from the fixtures themselves.
    const keys = new Set<string>();
    let expectStored = 0;
    let expectDuplicates = 0;
    for (const i of inputs) {
      const k = keyOf(i.original);
      if (k !== undefined && keys.has(k)) expectDuplicates++;
      else expectStored++;
      if (k !== undefined) keys.add(k);
    }
    // Two doc examples repeat the eventID of the example before them (ConsoleLogin, CheckMfa).
    expect([expectStored, expectDuplicates]).toEqual([331, 2]);
    const status = (s: string) => inputs.filter((i) => i.result?.ok && i.result.status === s).length;
    expect(status('stored')).toBe(expectStored);
    expect(status('duplicate')).toBe(expectDuplicates);
    expect(await env.store.countEvents()).toBe(expectStored);
    expect(env.ingestor.counters()).toEqual({ received: 333, stored: 331, duplicates: 2, rejected: 0 });
    // Distinct sequence numbers for the stored ones.
    const seqs = inputs.flatMap((i) => (i.result?.ok && i.result.status === 'stored' ? [i.result.seq] : []));
    expect(new Set(seqs).size).toBe(331);
  });

  it('gives back every stored record equal to its input plus documented defaults only', async () => {
    let checked = 0;
    for (const i of inputs) {
      const r = i.result!;
      if (!r.ok || r.status !== 'stored') continue;
      const got = await env.store.getEvent(r.accountId, r.eventId);
      expect(got, i.source).toBeDefined();
      expect(got!.seq, i.source).toBe(r.seq);
      expect(JSON.parse(got!.json), i.source).toEqual(got!.record);
      checkRoundTrip(i.source, i.original, got!.record as unknown as Rec, r);
      checked++;
    }
    expect(checked).toBe(331);
  });

  it('keeps the first copy of a repeated event, field by field', async () => {
    const first = new Map<string, Input>();
    let duplicates = 0;
    for (const i of inputs) {
      const k = keyOf(i.original);
      if (k === undefined) continue;
      const earlier = first.get(k);
      if (!earlier) {
        first.set(k, i);
        continue;
      }
      duplicates++;
      expect(i.result, i.source).toMatchObject({ ok: true, status: 'duplicate', eventId: i.original.eventID });
      const r = earlier.result as IngestResult & { ok: true };
      const got = await env.store.getEvent(r.accountId, r.eventId);
      checkRoundTrip(earlier.source, earlier.original, got!.record as unknown as Rec, r);
      // The repeat differs from the first copy, and the store did not take its content.
      expect(got!.record, i.source).not.toEqual(expect.objectContaining(i.original));
    }
    expect(duplicates).toBe(2);
  });

  it('fills the userIdentity fragment with the receive-time defaults', async () => {
    const fragment = inputs.find((i) => Object.keys(i.original).join() === 'eventVersion,userIdentity')!;
    expect(fragment).toBeDefined();
    const r = fragment.result as IngestResult & { ok: true };
    const got = (await env.store.getEvent(r.accountId, r.eventId))!.record as unknown as Rec;
    expect(got).toEqual({
      ...fragment.original,
      eventID: expect.stringMatching(UUID_V4),
      eventTime: expect.stringMatching(CANONICAL_TIME),
      recipientAccountId: '111111111111',
      awsRegion: 'us-east-1',
      eventType: 'AwsApiCall',
      eventCategory: 'Management',
      managementEvent: true,
    });
  });

  it('finds every stored event again through lookups, per account, newest first', async () => {
    const byAccount = new Map<string, Set<string>>();
    const insights = new Map<string, Set<string>>();
    for (const i of inputs) {
      const r = i.result!;
      if (!r.ok || r.status !== 'stored') continue;
      const isInsight = i.original.eventCategory === 'Insight' || i.original.eventType === 'AwsCloudTrailInsight';
      const m = isInsight ? insights : byAccount;
      if (!m.has(r.accountId)) m.set(r.accountId, new Set());
      m.get(r.accountId)!.add(r.eventId);
    }
    expect([...insights.values()].reduce((n, s) => n + s.size, 0)).toBe(3);
    for (const [account, want] of byAccount) {
      const got: string[] = [];
      let lastTime = Number.POSITIVE_INFINITY;
      let cursor: string | undefined;
      do {
        const page = await env.store.lookup({
          accountId: account,
          attributes: [],
          limit: 50,
          ...(cursor ? { cursor } : {}),
        });
        for (const e of page.events) {
          const t = Date.parse(e.record.eventTime);
          expect(t).toBeLessThanOrEqual(lastTime);
          lastTime = t;
          got.push(e.record.eventID);
        }
        cursor = page.cursor;
      } while (cursor);
      expect(got.length, account).toBe(want.size);
      expect(new Set(got), account).toEqual(want);
    }
    for (const [account, want] of insights) {
      const page = await env.store.lookup({ accountId: account, attributes: [], eventCategory: 'insight', limit: 50 });
      expect(new Set(page.events.map((e) => e.record.eventID))).toEqual(want);
    }
  });

  it('gives back the same records after the database is closed and reopened', async () => {
    const before = new Map<string, string>();
    for (const i of inputs) {
      const r = i.result!;
      if (r.ok && r.status === 'stored')
        before.set(`${r.accountId}\n${r.eventId}`, (await env.store.getEvent(r.accountId, r.eventId))!.json);
    }
    const dir = env.dir;
    await env.close();
    env = await openEmbedded(dir);
    expect(await env.store.countEvents()).toBe(331);
    for (const [key, json] of before) {
      const [account, id] = key.split('\n') as [string, string];
      expect((await env.store.getEvent(account, id))?.json, key).toBe(json);
    }
    // Re-importing the same files after the restart stores nothing twice.
    const again = await env.ingestor.ingest(
      stratusFiles().flatMap((f) => f.records),
      CTX,
    );
    expect(again.every((r) => r.ok && r.status === 'duplicate')).toBe(true);
    expect(await env.store.countEvents()).toBe(331);
  });
});

describe('readOnly inference against what AWS recorded', () => {
  it('infers, for every fixture record that states readOnly, the value AWS gave', () => {
    const disagreements = new Map<string, string>();
    let compared = 0;
    const records = [...stratusFiles().flatMap((f) => f.records), ...docsEntries().map((d) => d.record)];
    for (const r of records) {
      if (typeof r.readOnly !== 'boolean') continue;
      const aws = r.readOnly;
      const copy = jsonClone(r);
      delete copy.readOnly;
      const n = normalizeRecord(copy, { ...CTX, receivedAtMs: Date.now() });
      expect(n.ok).toBe(true);
      compared++;
      if (n.ok && n.event.record.readOnly !== aws) {
        disagreements.set(
          `${String(r.eventSource)} ${String(r.eventName)}`,
          `AWS ${aws}, inferred ${String(n.event.record.readOnly)}`,
        );
      }
    }
    expect(compared).toBe(313);
    expect(Object.fromEntries(disagreements)).toEqual({});
  });
});
