/**
 * Seeded fuzzing of the ingest path: thousands of random and mutated records built from the real
 * fixtures go through Ingestor.ingest into a real embedded database, in batches, under both
 * profiles. Properties: ingest never throws; every answer is either a stored/duplicate event the
 * store gives back, or a documented error code with a message; each (account, eventID) is stored
 * exactly once; the fields a caller sent come back verbatim; counts add up; the database is still
 * usable afterwards.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventErrorCode } from '../src/event/types.js';
import type { IngestResult } from '../src/ingest/ingestor.js';
import { normalizeRecord, type NormalizeContext } from '../src/event/normalize.js';
import { allFixtureRecords, apiRecord, openEmbedded, prng, removeDir, type Embedded } from './helpers/embedded.js';

const SEED = 0x0ca11ab1e;
const RECORDS = 5000;
const ERROR_CODES: ReadonlySet<EventErrorCode> = new Set<EventErrorCode>([
  'FieldNotFound',
  'FieldTooLong',
  'InvalidChecksum',
  'InvalidData',
  'InvalidRecipient',
  'InvalidEventSource',
  'AccountNotSubscribed',
  'Throttling',
  'InternalFailure',
]);
const STRING_FIELDS = [
  'eventVersion',
  'eventSource',
  'eventName',
  'awsRegion',
  'sourceIPAddress',
  'userAgent',
  'errorCode',
  'errorMessage',
  'requestID',
  'eventID',
  'eventType',
  'apiVersion',
  'recipientAccountId',
  'sharedEventID',
  'vpcEndpointId',
  'vpcEndpointAccountId',
  'eventCategory',
  'sessionCredentialFromConsole',
  'annotation',
  'UID',
];
const OBJECT_FIELDS = [
  'additionalEventData',
  'serviceEventDetails',
  'addendum',
  'eventContext',
  'edgeDeviceDetails',
  'tlsDetails',
  'insightDetails',
  'metadata',
  'requestParameters',
  'responseElements',
  'userIdentity',
];
const OTHER_FIELDS = ['eventTime', 'readOnly', 'managementEvent', 'resources'];
const ALL_FIELDS = [...STRING_FIELDS, ...OBJECT_FIELDS, ...OTHER_FIELDS];

/** Characters for random strings: ASCII, controls, multi-byte, astral, lone surrogates. */
const ALPHABET = [
  'a',
  'Z',
  '0',
  ' ',
  '-',
  '_',
  '/',
  ':',
  '"',
  '\\',
  '\n',
  '\t',
  '\u0000',
  '\u001f',
  '\u007f',
  'é',
  'ß',
  '€',
  '中',
  'ش',
  '\u200d',
  '\u202e',
  '\ufeff',
  '\uffff',
  '😀',
  '𝕏',
  '\ud800',
  '\udbff',
  '\udc00',
  '\udfff',
];

/** Characters that encoders are most likely to conflate: lone surrogates, U+FFFD, NUL, newline. */
const EDGE_CHARS = ['\ud800', '\udbff', '\udc00', '\udfff', '\ufffd', '\u0000', '\n', 'a'];

type Rand = () => number;

class Fuzzer {
  constructor(private readonly rand: Rand) {}
  int(n: number): number {
    return Math.floor(this.rand() * n);
  }
  chance(p: number): boolean {
    return this.rand() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
  string(maxLen = 12): string {
    let s = '';
    const n = this.int(maxLen + 1);
    for (let i = 0; i < n; i++) s += this.pick(ALPHABET);
    return s;
  }
  scalar(): unknown {
    switch (this.int(9)) {
      case 0:
        return this.int(2) === 0;
      case 1:
        return null;
      case 2:
        return this.int(1_000_000) - 500_000;
      case 3:
        return (this.rand() - 0.5) * 1e6;
      case 4:
        return this.pick([1.7976931348623157e308, 5e-324, 2 ** 53 + 2, -(2 ** 63), 1e21]);
      case 5:
        return '';
      case 6:
        return this.pick(['true', 'false', 'null', '0', '2024-05-01T00:00:00Z', '{}', '[]']);
      default:
        return this.string();
    }
  }
  value(depth = 0): unknown {
    const k = depth > 3 ? 0 : this.int(6);
    if (k <= 2) return this.scalar();
    if (k === 3) return Array.from({ length: this.int(4) }, () => this.value(depth + 1));
    const o: Record<string, unknown> = {};
    for (let i = this.int(4); i > 0; i--)
      o[this.chance(0.3) ? this.string(6) : this.pick(ALL_FIELDS)] = this.value(depth + 1);
    return o;
  }
  /** A value of another JSON type than `v`. */
  otherType(v: unknown): unknown {
    const kinds: (() => unknown)[] = [
      () => this.int(1000),
      () => this.string(),
      () => [this.scalar()],
      () => null,
      () => ({ x: this.scalar() }),
      () => this.chance(0.5),
    ];
    for (;;) {
      const c = this.pick(kinds)();
      if (typeOf(c) !== typeOf(v)) return c;
    }
  }
}

function typeOf(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
}

/** One generated record: its JSON text (parsed afresh for each use) and what we expect of it. */
interface Case {
  text: string;
  mutations: string[];
  /** The only error code this record may get, when one mutation alone decides it. */
  expectCode?: EventErrorCode;
  /** recipientAccountId of the record (enforceRecipient refuses another one before the size check). */
  recipient?: unknown;
}

const DEEP = '"__DEEP__"';

function objectPaths(rec: Record<string, unknown>): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [rec];
  for (const v of Object.values(rec)) {
    if (v && typeof v === 'object' && !Array.isArray(v)) out.push(...objectPaths(v as Record<string, unknown>));
  }
  return out;
}

function generate(rand: Rand, bases: Record<string, unknown>[], validUnderApi: boolean[]): Case[] {
  const f = new Fuzzer(rand);
  const cases: Case[] = [];
  for (let n = 0; n < RECORDS; n++) {
    const baseIndex = f.int(bases.length);
    let rec: unknown = structuredClone(bases[baseIndex]!);
    const r = rec as Record<string, unknown>;
    const mutations: string[] = [];
    let expectCode: EventErrorCode | undefined;
    let deep = 0;
    const count = f.chance(0.1) ? 0 : 1 + f.int(3);
    for (let m = 0; m < count; m++) {
      const kind = f.int(16);
      switch (kind) {
        case 0: {
          // Delete a random field, anywhere.
          const obj = f.pick(objectPaths(r));
          const keys = Object.keys(obj);
          if (keys.length) {
            const k = f.pick(keys);
            delete obj[k];
            mutations.push(`delete ${k}`);
          }
          break;
        }
        case 1:
        case 2: {
          // Swap the type of a known field.
          const k = f.pick(ALL_FIELDS);
          r[k] = f.otherType(r[k]);
          mutations.push(`retype ${k}`);
          break;
        }
        case 3: {
          // Swap the type of a nested field.
          const obj = f.pick(objectPaths(r));
          const keys = Object.keys(obj);
          if (keys.length) {
            const k = f.pick(keys);
            obj[k] = f.otherType(obj[k]);
            mutations.push(`retype nested ${k}`);
          }
          break;
        }
        case 4: {
          const valid = f.chance(0.5);
          r.eventTime = valid
            ? f.pick<unknown>([
                '2024-05-01T12:34:56.789Z',
                '2024-05-01T14:34:56+02:00',
                '2024-05-01T07:34:56-0500',
                '2024-05-01 12:34:56Z',
                '2024-05-01',
                1714566896,
                1714566896789,
                1714566896.5,
              ])
            : f.pick<unknown>([
                'yesterday',
                '2024-13-45T00:00:00Z',
                {},
                [],
                true,
                null,
                '',
                'May 5, 2024',
                -5,
                '1714566896',
                '2024-05-01T25:61:00Z',
                '99999-01-01T00:00:00Z',
                f.string(30),
              ]);
          mutations.push(valid ? 'valid eventTime' : 'invalid eventTime');
          if (!valid && count === 1) expectCode = 'InvalidData';
          break;
        }
        case 5: {
          // Unicode (incl. lone surrogates, controls) in a string field.
          const k = f.pick(['eventName', 'eventSource', 'userAgent', 'errorMessage', 'sourceIPAddress', 'awsRegion']);
          r[k] = f.string(40);
          mutations.push(`unicode ${k}`);
          break;
        }
        case 6: {
          // eventIDs: original (repeats), a small shared pool, short unicode (incl. lone surrogates), absent or empty.
          const choice = f.int(5);
          if (choice === 0) r.eventID = `pool-${f.int(8)}`;
          else if (choice === 1)
            // Short ids over a few edge characters, so that near-identical ids meet often.
            r.eventID = f.pick(EDGE_CHARS) + (f.chance(0.5) ? f.pick(EDGE_CHARS) : '');
          else if (choice === 2) delete r.eventID;
          else if (choice === 3) r.eventID = '';
          mutations.push(`eventID ${choice}`);
          break;
        }
        case 7: {
          r.recipientAccountId = f.pick<unknown>([
            '111111111111',
            '222222222222',
            '12345',
            'not-an-account',
            123456789012,
            null,
            undefined,
          ]);
          if (r.recipientAccountId === undefined) delete r.recipientAccountId;
          mutations.push('recipientAccountId');
          break;
        }
        case 8: {
          r.eventType = f.pick([
            'AwsApiCall',
            'AwsServiceEvent',
            'AwsCloudTrailInsight',
            'ActivityLog',
            'AwsVpceEvent',
            'X',
          ]);
          if (f.chance(0.5)) r.eventCategory = f.pick(['Management', 'Data', 'Insight', 'NetworkActivity', 'Evidence']);
          else delete r.eventCategory;
          if (f.chance(0.5)) delete r.managementEvent;
          if (f.chance(0.5)) delete r.readOnly;
          mutations.push('eventType/category');
          break;
        }
        case 9: {
          const k = f.pick(['readOnly', 'managementEvent']);
          r[k] = f.pick<unknown>(['true', 'false', true, false, 'yes', 1, 0, null, 'TRUE']);
          mutations.push(`flag ${k}`);
          break;
        }
        case 10: {
          r.resources = f.pick<unknown>([
            [],
            [{ ARN: f.string(), type: f.string(), accountId: f.string() }],
            [{ ARN: 1 }],
            [null],
            { ARN: 'x' },
            'arn:aws:s3:::b',
            [{ ARN: null, type: null }, {}],
          ]);
          mutations.push('resources');
          break;
        }
        case 11: {
          const ui = r.userIdentity;
          const choice = f.int(4);
          if (choice === 0) r.userIdentity = f.otherType(ui);
          else if (choice === 1 && ui && typeof ui === 'object' && !Array.isArray(ui))
            delete (ui as Record<string, unknown>).type;
          else if (choice === 2 && ui && typeof ui === 'object' && !Array.isArray(ui))
            (ui as Record<string, unknown>).sessionContext = f.value();
          else
            r.userIdentity = {
              type: f.string(8),
              userName: f.string(8),
              arn: `arn:aws:sts::1:assumed-role/R/${f.string(5)}`,
            };
          mutations.push(`userIdentity ${choice}`);
          break;
        }
        case 12: {
          // Unknown fields of any shape.
          for (let i = 1 + f.int(3); i > 0; i--) r[`x-${f.string(6)}`] = f.value();
          mutations.push('unknown fields');
          break;
        }
        case 13: {
          // Huge strings: under and over the 256 KB limit.
          const over = f.chance(0.5);
          const bytes = over ? 262_144 + f.int(40_000) : 40_000 + f.int(150_000);
          r['x-huge'] = f.chance(0.5) ? 'h'.repeat(bytes) : '€'.repeat(Math.ceil(bytes / 3));
          mutations.push(over ? 'huge over limit' : 'huge under limit');
          if (over && count === 1) expectCode = 'FieldTooLong';
          break;
        }
        case 14: {
          // Deep nesting, spliced into the JSON text (too deep to build as an object here).
          deep = f.pick([10, 200, 1_000, 20_000, 60_000]);
          r['x-deep'] = '__DEEP__';
          mutations.push(`deep ${deep}`);
          break;
        }
        default: {
          if (f.chance(0.5)) {
            rec = f.pick<unknown>([null, 0, 42, 'text', '', true, false, [], [structuredClone(bases[0]!)], [1, 2]]);
            mutations.push('not an object');
            if (count === 1) expectCode = 'InvalidData';
          } else {
            const k = f.pick(ALL_FIELDS);
            delete r[k];
            mutations.push(`delete ${k}`);
          }
        }
      }
      if (mutations[mutations.length - 1] === 'not an object') break;
    }
    // A fragment of an archive lacks what the api profile requires, which is checked first.
    if (expectCode !== undefined && mutations[0] !== 'not an object' && !validUnderApi[baseIndex])
      expectCode = undefined;
    let text = JSON.stringify(rec);
    if (deep > 0 && text.includes(DEEP)) text = text.replace(DEEP, '['.repeat(deep) + ']'.repeat(deep));
    cases.push({ text, mutations, ...(expectCode ? { expectCode, recipient: r.recipientAccountId } : {}) });
  }
  return cases;
}

interface Sent {
  c: Case;
  ctx: Omit<NormalizeContext, 'receivedAtMs'>;
  result?: IngestResult;
}

let env: Embedded;
let sent: Sent[];
const thrown: { batch: number; error: string; culprits: string[] }[] = [];

beforeAll(async () => {
  env = await openEmbedded();
  const rand = prng(SEED);
  const bases = allFixtureRecords();
  const validUnderApi = bases.map((b) => {
    const ui = b.userIdentity as Record<string, unknown> | undefined;
    return (
      typeof b.eventSource === 'string' &&
      typeof b.eventName === 'string' &&
      typeof ui?.type === 'string' &&
      ui.type !== ''
    );
  });
  const cases = generate(rand, bases, validUnderApi);
  sent = [];
  let i = 0;
  let batchNo = 0;
  while (i < cases.length) {
    const size = 1 + Math.floor(rand() * 300);
    const ctx: Omit<NormalizeContext, 'receivedAtMs'> = {
      accountId: rand() < 0.5 ? '111111111111' : '222222222222',
      region: 'us-east-1',
      profile: rand() < 0.5 ? 'api' : 'archive',
      enforceRecipient: rand() < 0.3,
    };
    const batch = cases.slice(i, i + size).map((c) => ({ c, ctx }) as Sent);
    i += size;
    batchNo++;
    try {
      const results = await env.ingestor.ingest(
        batch.map((s) => JSON.parse(s.c.text) as unknown),
        ctx,
      );
      expect(results).toHaveLength(batch.length);
      results.forEach((r, j) => (batch[j]!.result = r));
    } catch (err) {
      // Keep going to check everything else: find the records that make normalisation throw,
      // leave them unanswered, and ingest the others of the batch.
      const culprits: string[] = [];
      const rest: Sent[] = [];
      for (const s of batch) {
        try {
          normalizeRecord(JSON.parse(s.c.text), { ...ctx, receivedAtMs: Date.now() });
          rest.push(s);
        } catch {
          culprits.push(s.c.mutations.join(', '));
        }
      }
      const results = await env.ingestor.ingest(
        rest.map((s) => JSON.parse(s.c.text) as unknown),
        ctx,
      );
      results.forEach((r, j) => (rest[j]!.result = r));
      thrown.push({ batch: batchNo, error: String(err).slice(0, 200), culprits });
    }
    sent.push(...batch);
  }
});

afterAll(async () => {
  await env?.close();
  removeDir(env?.dir);
});

function answered(): (Sent & { result: IngestResult })[] {
  return sent.filter((s): s is Sent & { result: IngestResult } => s.result !== undefined);
}

describe(`ingest fuzz (${RECORDS} records, seed ${SEED})`, () => {
  it('never throws', () => {
    expect(sent).toHaveLength(RECORDS);
    expect(thrown).toEqual([]);
  });

  it('answers every rejected record with a documented error code and a message', () => {
    const codes = new Map<string, number>();
    for (const s of answered()) {
      if (s.result.ok) continue;
      expect(ERROR_CODES.has(s.result.errorCode), s.result.errorCode).toBe(true);
      expect(typeof s.result.errorMessage).toBe('string');
      expect(s.result.errorMessage.length).toBeGreaterThan(0);
      expect(s.result.errorMessage.length).toBeLessThan(1000);
      codes.set(s.result.errorCode, (codes.get(s.result.errorCode) ?? 0) + 1);
    }
    // The generator exercises every code the ingest path can produce.
    for (const code of ['InvalidData', 'FieldNotFound', 'FieldTooLong', 'InvalidRecipient']) {
      expect(codes.get(code) ?? 0, code).toBeGreaterThan(10);
    }
  });

  it('gives the error a single decisive mutation calls for', () => {
    let checked = 0;
    for (const s of answered()) {
      if (!s.c.expectCode) continue;
      checked++;
      let want = s.c.expectCode;
      const foreign = s.c.recipient !== undefined && s.c.recipient !== s.ctx.accountId;
      if (want === 'FieldTooLong' && s.ctx.enforceRecipient && foreign) want = 'InvalidRecipient';
      expect(
        s.result.ok ? 'ok' : s.result.errorCode,
        `${s.c.mutations.join(', ')}: ${s.result.ok ? 'ok' : s.result.errorMessage}`,
      ).toBe(want);
    }
    expect(checked).toBeGreaterThan(50);
  });

  it('stores each (account, eventID) exactly once, the first time it is accepted', () => {
    const storedKeys = new Set<string>();
    for (const s of answered()) {
      const r = s.result;
      if (!r.ok) continue;
      const key = `${r.accountId}\n${r.eventId}`;
      if (r.status === 'stored') {
        expect(storedKeys.has(key), `second store of ${JSON.stringify(key)}`).toBe(false);
        storedKeys.add(key);
      } else {
        expect(storedKeys.has(key), `duplicate of nothing stored: ${JSON.stringify(key)}`).toBe(true);
      }
    }
  });

  it('gives back every accepted record from the store, with the fields that were sent verbatim', async () => {
    let checked = 0;
    for (const s of answered()) {
      const r = s.result;
      if (!r.ok) continue;
      const got = await env.store.getEvent(r.accountId, r.eventId);
      const where = `${s.c.mutations.join(', ')} → ${r.status} ${JSON.stringify(r.eventId)}`;
      expect(got, where).toBeDefined();
      expect(JSON.parse(got!.json), where).toEqual(got!.record);
      expect(got!.record.eventID, where).toBe(r.eventId);
      expect(got!.record.recipientAccountId, where).toBe(r.accountId);
      if (r.status !== 'stored') continue;
      expect(got!.seq, where).toBe(r.seq);
      const original = JSON.parse(s.c.text) as Record<string, unknown>;
      for (const [k, v] of Object.entries(original)) {
        if (k === 'eventTime') expect(got!.record.eventTime, where).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
        else if ((k === 'readOnly' || k === 'managementEvent') && typeof v === 'string')
          expect(got!.record[k], where).toBe(v === 'true');
        else if (k === 'eventID' && v === '') expect(got!.record.eventID, where).not.toBe('');
        else expect(got!.record[k], `${where}: ${k}`).toEqual(v);
      }
      checked++;
    }
    expect(checked).toBeGreaterThan(500);
  });

  it('adds up: stored + duplicates + rejected = sent', async () => {
    const all = answered();
    const stored = all.filter((s) => s.result.ok && s.result.status === 'stored').length;
    const duplicates = all.filter((s) => s.result.ok && s.result.status === 'duplicate').length;
    const rejected = all.filter((s) => !s.result.ok).length;
    expect(stored + duplicates + rejected).toBe(all.length);
    expect(stored).toBeGreaterThan(0);
    expect(duplicates).toBeGreaterThan(0);
    expect(rejected).toBeGreaterThan(0);
    expect(await env.store.countEvents()).toBe(stored);
    const c = env.ingestor.counters();
    expect(c.received).toBe(c.stored + c.duplicates + c.rejected);
    expect(c.stored).toBe(stored);
    expect(env.log.counters().appended).toBe(stored);
    const seqs = all.flatMap((s) => (s.result.ok && s.result.status === 'stored' ? [s.result.seq] : []));
    expect(new Set(seqs).size).toBe(stored);
  });

  it('leaves the database usable: ingest, lookup, reopen', async () => {
    const before = await env.store.countEvents();
    const [r] = await env.ingestor.ingest([apiRecord({ eventID: 'after-fuzz', eventName: 'AfterFuzz' })], {
      accountId: '111111111111',
      region: 'us-east-1',
      profile: 'api',
      enforceRecipient: true,
    });
    expect(r).toMatchObject({ ok: true, status: 'stored' });
    const page = await env.store.lookup({
      accountId: '111111111111',
      attributes: [{ key: 'EventName', value: 'AfterFuzz' }],
      limit: 5,
    });
    expect(page.events.map((e) => e.record.eventID)).toEqual(['after-fuzz']);
    const dir = env.dir;
    await env.close();
    env = await openEmbedded(dir);
    expect(await env.store.countEvents()).toBe(before + 1);
    expect((await env.store.getEvent('111111111111', 'after-fuzz'))?.record.eventName).toBe('AfterFuzz');
  });

  it('still knows every stored event after the reopen: sending them again stores nothing', async () => {
    // Idempotency must survive a restart for every eventID the fuzz produced (controls, NUL,
    // astral characters, U+FFFD, ...): the reopened log rebuilds what it knows from the file.
    const byCtx = new Map<Sent['ctx'], Sent[]>();
    for (const s of answered()) {
      if (!s.result.ok) continue;
      const original = JSON.parse(s.c.text) as Record<string, unknown>;
      if (typeof original.eventID !== 'string' || original.eventID === '') continue;
      if (!byCtx.has(s.ctx)) byCtx.set(s.ctx, []);
      byCtx.get(s.ctx)!.push(s);
    }
    const countBefore = await env.store.countEvents();
    let resent = 0;
    for (const [ctx, list] of byCtx) {
      const results = await env.ingestor.ingest(
        list.map((s) => JSON.parse(s.c.text) as unknown),
        ctx,
      );
      results.forEach((r, j) => {
        const where = `${list[j]!.c.mutations.join(', ')}: ${JSON.stringify(r)}`;
        expect(r.ok ? r.status : r.errorCode, where).toBe('duplicate');
      });
      resent += list.length;
    }
    expect(resent).toBeGreaterThan(500);
    expect(await env.store.countEvents()).toBe(countBefore);
  });
});
