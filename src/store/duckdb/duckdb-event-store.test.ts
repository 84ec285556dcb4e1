import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LookupAttributeKey, LookupQuery } from '../event-store.js';
import { InvalidCursorError, decodeCursor, encodeCursor } from './duckdb-event-store.js';
import {
  ACCOUNT_A,
  ACCOUNT_B,
  API_CTX,
  openEmbedded,
  removeDir,
  type Embedded,
} from '../../../test/helpers/embedded.js';

const T0 = Date.UTC(2024, 4, 1, 10, 0, 0);
const at = (s: number) => new Date(T0 + s * 1000).toISOString().slice(0, 19) + 'Z';

const alice = {
  type: 'IAMUser',
  principalId: 'AIDAALICE',
  arn: `arn:aws:iam::${ACCOUNT_A}:user/alice`,
  accountId: ACCOUNT_A,
  accessKeyId: 'AKIAALICE',
  userName: 'alice',
};
const bob = {
  type: 'AssumedRole',
  principalId: 'AROAADMIN:bob-session',
  arn: `arn:aws:sts::${ACCOUNT_A}:assumed-role/Admin/bob-session`,
  accountId: ACCOUNT_A,
  accessKeyId: 'ASIABOB',
  sessionContext: {
    sessionIssuer: {
      type: 'Role',
      principalId: 'AROAADMIN',
      arn: `arn:aws:iam::${ACCOUNT_A}:role/Admin`,
      userName: 'Admin',
    },
    attributes: { creationDate: '2024-05-01T09:00:00Z', mfaAuthenticated: 'false' },
  },
};

/** The events of account A (ids a1…a6) and B (b1, plus a copy of a1's id), oldest first. */
const EVENTS: Record<string, unknown>[] = [
  {
    eventID: 'a1',
    eventTime: at(0),
    eventSource: 's3.amazonaws.com',
    eventName: 'GetObject',
    userIdentity: alice,
    resources: [{ ARN: 'arn:aws:s3:::bucket/key', type: 'AWS::S3::Object' }],
  },
  {
    eventID: 'a2',
    eventTime: at(1),
    eventSource: 'iam.amazonaws.com',
    eventName: 'CreateUser',
    userIdentity: bob,
    resources: [{ ARN: `arn:aws:iam::${ACCOUNT_A}:user/carol`, type: 'AWS::IAM::User' }],
  },
  {
    eventID: 'a3',
    eventTime: at(2),
    eventSource: 's3.amazonaws.com',
    eventName: 'ListBuckets',
    userIdentity: alice,
    resources: [{ ARN: 'arn:aws:s3:::bucket', type: 'AWS::S3::Bucket' }],
  },
  {
    eventID: 'a4',
    eventTime: at(3),
    eventSource: 's3.amazonaws.com',
    eventName: 'PutBucketPolicy',
    userIdentity: alice,
    resources: [
      { ARN: 'arn:aws:s3:::bucket-policy', type: 'AWS::S3::BucketPolicy' },
      { ARN: 'arn:aws:s3:::bucket/key2', type: 'AWS::S3::Object' },
    ],
  },
  {
    eventID: 'a5',
    eventTime: at(4),
    eventType: 'AwsCloudTrailInsight',
    eventCategory: 'Insight',
    insightDetails: { state: 'Start', eventSource: 's3.amazonaws.com', eventName: 'GetObject' },
  },
  {
    eventID: 'a6',
    eventTime: at(5),
    eventSource: 'cloudtrail.amazonaws.com',
    eventName: 'DeleteTrail',
    userIdentity: bob,
  },
  {
    eventID: 'b1',
    recipientAccountId: ACCOUNT_B,
    eventTime: at(6),
    eventSource: 's3.amazonaws.com',
    eventName: 'GetObject',
    userIdentity: { ...alice, accountId: ACCOUNT_B },
    resources: [{ ARN: 'arn:aws:s3:::bucket/key', type: 'AWS::S3::Object' }],
  },
  {
    eventID: 'a1',
    recipientAccountId: ACCOUNT_B,
    eventTime: at(7),
    eventSource: 'iam.amazonaws.com',
    eventName: 'CreateUser',
    userIdentity: { ...bob, accountId: ACCOUNT_B },
  },
];

/**
 * Every test runs three ways: lookups answered by SQL alone, through a lookup index filled from
 * the table after the events were stored, and through one kept current by the log's commits.
 * The answers must be identical.
 */
const MODES = ['SQL only', 'index filled', 'index kept live'] as const;

describe.each(MODES)('%s', (mode) => {
  let env: Embedded;

  beforeAll(async () => {
    env = await openEmbedded();
    // The index is filled from the table, or kept by the log's commits, or absent (SQL only).
    if (mode === 'index kept live') await env.store.buildIndex();
    const results = await env.ingestor.ingest(structuredClone(EVENTS), API_CTX);
    if (mode === 'index filled') await env.store.buildIndex();
    expect(results.map((r) => (r.ok ? r.status : r.errorCode))).toEqual(EVENTS.map(() => 'stored'));
  });

  afterAll(async () => {
    await env?.close();
    removeDir(env?.dir);
  });

  async function ids(q: Partial<LookupQuery> & { attributes?: LookupQuery['attributes'] }): Promise<string[]> {
    const page = await env.store.lookup({ accountId: ACCOUNT_A, attributes: [], limit: 50, ...q });
    return page.events.map((e) => e.record.eventID);
  }

  const attr = (key: LookupAttributeKey, value: string) => [{ key, value }];

  describe('DuckDBEventStore.lookup by attribute', () => {
    it('returns every non-Insights event of the account, newest first', async () => {
      expect(await ids({})).toEqual(['a6', 'a4', 'a3', 'a2', 'a1']);
    });

    it.each<[LookupAttributeKey, string, string[]]>([
      ['EventId', 'a2', ['a2']],
      ['EventId', 'b1', []],
      ['EventId', 'missing', []],
      ['EventName', 'GetObject', ['a1']],
      ['EventName', 'getobject', []],
      ['ReadOnly', 'true', ['a3', 'a1']],
      ['ReadOnly', 'TRUE', ['a3', 'a1']],
      ['ReadOnly', 'false', ['a6', 'a4', 'a2']],
      ['Username', 'alice', ['a4', 'a3', 'a1']],
      ['Username', 'bob-session', ['a6', 'a2']],
      ['Username', 'Admin', []],
      ['ResourceType', 'AWS::S3::Object', ['a4', 'a1']],
      ['ResourceType', 'AWS::S3::Bucket', ['a3']],
      ['ResourceType', 'AWS::S3', []],
      ['ResourceType', 'AWS::S3::Bucke', []],
      ['ResourceName', 'arn:aws:s3:::bucket', ['a3']],
      ['ResourceName', 'arn:aws:s3:::bucket/key', ['a1']],
      ['ResourceName', `arn:aws:iam::${ACCOUNT_A}:user/carol`, ['a2']],
      ['EventSource', 's3.amazonaws.com', ['a4', 'a3', 'a1']],
      ['EventSource', 'cloudtrail.amazonaws.com', ['a6']],
      ['AccessKeyId', 'ASIABOB', ['a6', 'a2']],
      ['AccessKeyId', 'AKIAALICE', ['a4', 'a3', 'a1']],
    ])('%s = %j → %j', async (key, value, want) => {
      expect(await ids({ attributes: attr(key, value) })).toEqual(want);
    });

    it('ANDs several attributes', async () => {
      expect(
        await ids({
          attributes: [
            { key: 'EventSource', value: 's3.amazonaws.com' },
            { key: 'ReadOnly', value: 'false' },
          ],
        }),
      ).toEqual(['a4']);
      expect(
        await ids({
          attributes: [
            { key: 'Username', value: 'alice' },
            { key: 'ResourceType', value: 'AWS::S3::Object' },
            { key: 'EventName', value: 'GetObject' },
          ],
        }),
      ).toEqual(['a1']);
      expect(
        await ids({
          attributes: [
            { key: 'Username', value: 'alice' },
            { key: 'AccessKeyId', value: 'ASIABOB' },
          ],
        }),
      ).toEqual([]);
    });

    it('returns the stored record and its JSON exactly', async () => {
      const page = await env.store.lookup({ accountId: ACCOUNT_A, attributes: attr('EventId', 'a2'), limit: 5 });
      const got = page.events[0]!;
      expect(JSON.parse(got.json)).toEqual(got.record);
      expect(got.record).toMatchObject({ ...EVENTS[1], recipientAccountId: ACCOUNT_A, eventCategory: 'Management' });
      expect(got.seq).toBeGreaterThan(0);
    });
  });

  describe('DuckDBEventStore.lookup by time and category', () => {
    it('treats both time bounds as inclusive', async () => {
      expect(await ids({ startTimeMs: T0 + 1000, endTimeMs: T0 + 3000 })).toEqual(['a4', 'a3', 'a2']);
      expect(await ids({ startTimeMs: T0 + 3000 })).toEqual(['a6', 'a4']);
      expect(await ids({ endTimeMs: T0 })).toEqual(['a1']);
      expect(await ids({ startTimeMs: T0 + 1001, endTimeMs: T0 + 2999 })).toEqual(['a3']);
      expect(await ids({ startTimeMs: T0 + 3000, endTimeMs: T0 + 1000 })).toEqual([]);
    });

    it('returns Insights events only for eventCategory insight, and then only those', async () => {
      expect(await ids({ eventCategory: 'insight' })).toEqual(['a5']);
      expect(await ids({})).not.toContain('a5');
      expect(await ids({ eventCategory: 'insight', startTimeMs: T0 + 5000 })).toEqual([]);
    });
  });

  describe('DuckDBEventStore account isolation', () => {
    it('never returns another account’s events', async () => {
      const b = await env.store.lookup({ accountId: ACCOUNT_B, attributes: [], limit: 50 });
      expect(b.events.map((e) => [e.record.eventID, e.record.recipientAccountId])).toEqual([
        ['a1', ACCOUNT_B],
        ['b1', ACCOUNT_B],
      ]);
      expect(await ids({ attributes: attr('EventName', 'GetObject') })).toEqual(['a1']);
      expect(await ids({ attributes: attr('Username', 'bob-session'), startTimeMs: T0 + 6000 })).toEqual([]);
      expect(await env.store.getEvent(ACCOUNT_A, 'b1')).toBeUndefined();
      expect((await env.store.getEvent(ACCOUNT_A, 'a1'))?.record.eventName).toBe('GetObject');
      expect((await env.store.getEvent(ACCOUNT_B, 'a1'))?.record.eventName).toBe('CreateUser');
      expect(await env.store.lookup({ accountId: '333333333333', attributes: [], limit: 5 })).toEqual({ events: [] });
    });

    it('counts per account and in total', async () => {
      expect(await env.store.countEvents(ACCOUNT_A)).toBe(6);
      expect(await env.store.countEvents(ACCOUNT_B)).toBe(2);
      expect(await env.store.countEvents('333333333333')).toBe(0);
      expect(await env.store.countEvents()).toBe(8);
      const stats = await env.store.stats();
      expect(stats.events).toBe(8);
      expect(stats.bytesOnDisk).toBeGreaterThan(0);
      expect(env.store.capabilities).toEqual({ sql: true, retention: true });
    });
  });

  describe('DuckDBEventStore pagination', () => {
    const SOURCE = 'pages.example.com';
    const pagRecord = (id: string, second: number) => ({
      eventID: id,
      eventTime: at(1000 + second),
      eventSource: SOURCE,
      eventName: 'CreateThing',
      userIdentity: alice,
    });

    async function page(limit: number, cursor?: string) {
      return env.store.lookup({
        accountId: ACCOUNT_A,
        attributes: attr('EventSource', SOURCE),
        limit,
        ...(cursor !== undefined ? { cursor } : {}),
      });
    }

    beforeAll(async () => {
      // 25 events; several share an eventTime, so order within a second follows seq.
      const records = Array.from({ length: 25 }, (_, i) =>
        pagRecord(`p${String(i).padStart(2, '0')}`, Math.floor(i / 3)),
      );
      const r = await env.ingestor.ingest(records, API_CTX);
      expect(r.every((x) => x.ok && x.status === 'stored')).toBe(true);
    });

    it('orders by eventTime then sequence number, newest first', async () => {
      const all = (await page(100)).events.map((e) => e.record.eventID);
      expect(all).toEqual(Array.from({ length: 25 }, (_, i) => `p${String(24 - i).padStart(2, '0')}`));
    });

    it('gives a cursor only when more events match', async () => {
      expect((await page(25)).cursor).toBeUndefined();
      expect((await page(26)).cursor).toBeUndefined();
      expect((await page(24)).cursor).toEqual(expect.any(String));
    });

    it('stays stable while new events arrive between pages: no duplicates, no gaps', async () => {
      const before = (await page(100)).events.map((e) => e.record.eventID);
      const seen: string[] = [];
      let p = await page(7);
      seen.push(...p.events.map((e) => e.record.eventID));
      const lastOfFirstPage = p.events[p.events.length - 1]!.record;
      // Newer events, one in the same second as the page boundary, and one older than everything.
      const late = await env.ingestor.ingest(
        [
          pagRecord('late-newest', 500),
          { ...pagRecord('late-same-second', 0), eventTime: lastOfFirstPage.eventTime },
          pagRecord('late-oldest', -500),
        ],
        API_CTX,
      );
      expect(late.every((x) => x.ok && x.status === 'stored')).toBe(true);
      let pages = 1;
      while (p.cursor) {
        p = await page(7, p.cursor);
        seen.push(...p.events.map((e) => e.record.eventID));
        pages++;
        expect(pages).toBeLessThan(20);
      }
      // Every event that existed at the first page shows up once, in order; of the late ones,
      // only the one older than the cursor position can (and must) appear, at the end.
      expect(seen).toEqual([...before, 'late-oldest']);
      expect(new Set(seen).size).toBe(seen.length);
    });

    it('refuses cursors it did not issue with InvalidCursorError', async () => {
      const bad = [
        'not a cursor!',
        '',
        Buffer.from('abc:1').toString('base64url'),
        Buffer.from('1:2:3').toString('base64url'),
        Buffer.from('1.5:2').toString('base64url'),
        Buffer.from('1:-2').toString('base64url'),
      ];
      for (const cursor of bad) {
        await expect(page(5, cursor), JSON.stringify(cursor)).rejects.toBeInstanceOf(InvalidCursorError);
      }
    });

    it('refuses a well-formed cursor with an impossible position with InvalidCursorError', async () => {
      // A tampered token must be a client error (400), not an internal failure.
      for (const raw of ['99999999999999999999:1', '9223372036854775:1', '1:99999999999999999999999']) {
        await expect(page(5, Buffer.from(raw).toString('base64url')), raw).rejects.toBeInstanceOf(InvalidCursorError);
      }
    });

    it('encodes and decodes cursors losslessly', () => {
      for (const c of [
        { timeMs: 0, seq: 1 },
        { timeMs: T0, seq: 123456 },
        { timeMs: -1000, seq: 0 },
      ]) {
        expect(decodeCursor(encodeCursor(c))).toEqual(c);
      }
      expect(decodeCursor('%%%')).toBeUndefined();
    });
  });

  describe('DuckDBEventStore.pruneBefore', () => {
    it('deletes only events older than the cut-off, in every account, and returns the count', async () => {
      const e = await openEmbedded();
      if (mode !== 'SQL only') await e.store.buildIndex();
      try {
        const times = [at(-7200), at(-3600), at(0), at(0), at(3600)];
        const records = times.map((t, i) => ({
          eventID: `x${i}`,
          eventTime: t,
          eventSource: 's',
          eventName: 'CreateX',
          userIdentity: alice,
          ...(i === 1 ? { recipientAccountId: ACCOUNT_B } : {}),
        }));
        await e.ingestor.ingest(records, API_CTX);
        expect(await e.store.countEvents()).toBe(5);
        // The cut-off itself is kept: only eventTime < cut goes.
        expect(await e.store.pruneBefore(T0)).toBe(2);
        expect(await e.store.countEvents()).toBe(3);
        expect(await e.store.countEvents(ACCOUNT_B)).toBe(0);
        expect(await e.store.getEvent(ACCOUNT_A, 'x0')).toBeUndefined();
        expect((await e.store.getEvent(ACCOUNT_A, 'x2'))?.record.eventTime).toBe(at(0));
        expect(await e.store.pruneBefore(T0)).toBe(0);
        expect(await e.store.pruneBefore(T0 + 1)).toBe(2);
        const left = await e.store.lookup({ accountId: ACCOUNT_A, attributes: [], limit: 10 });
        expect(left.events.map((x) => x.record.eventID)).toEqual(['x4']);
        // A pruned event is gone for every kind of lookup, by its ID too.
        const byId = await e.store.lookup({
          accountId: ACCOUNT_A,
          attributes: [{ key: 'EventId', value: 'x0' }],
          limit: 5,
        });
        expect(byId.events).toEqual([]);
      } finally {
        await e.close();
        removeDir(e.dir);
      }
    });
  });

  describe('DuckDBEventStore.lookup of resource values holding a newline', () => {
    it('matches whole resource values only, even when a value holds the list separator', async () => {
      const account = '444444444444';
      const r = await env.ingestor.ingest(
        [
          {
            eventID: 'nl-1',
            recipientAccountId: account,
            eventSource: 'custom.example.com',
            eventName: 'TagThing',
            userIdentity: alice,
            resources: [{ ARN: 'arn:aws:s3:::victim\narn:aws:s3:::other', type: 'AWS::S3::Bucket\nAWS::IAM::Role' }],
          },
        ],
        API_CTX,
      );
      expect(r[0]).toMatchObject({ ok: true, status: 'stored' });
      const find = async (key: LookupAttributeKey, value: string) =>
        (await env.store.lookup({ accountId: account, attributes: [{ key, value }], limit: 5 })).events.map(
          (e) => e.record.eventID,
        );
      expect(await find('ResourceName', 'arn:aws:s3:::victim\narn:aws:s3:::other')).toEqual(['nl-1']);
      expect(await find('ResourceName', 'arn:aws:s3:::victim')).toEqual([]);
      expect(await find('ResourceName', 'arn:aws:s3:::other')).toEqual([]);
      expect(await find('ResourceType', 'AWS::IAM::Role')).toEqual([]);
    });
  });
});

describe('DuckDBEventStore.buildIndex while events arrive', () => {
  it('misses no event committed before, during or after the index is built', async () => {
    const e = await openEmbedded();
    try {
      const batch = (n: number) =>
        Array.from({ length: 50 }, (_, i) => ({
          eventID: `race-${n}-${i}`,
          eventTime: at(n * 100 + i),
          eventSource: 'race.example.com',
          eventName: 'Race',
          userIdentity: alice,
        }));
      // Commits in flight on every side of the fill and of the moment the index is attached.
      const writes: Promise<unknown>[] = [];
      for (let n = 0; n < 5; n++) writes.push(e.ingestor.ingest(batch(n), API_CTX));
      const building = e.store.buildIndex();
      for (let n = 5; n < 20; n++) {
        writes.push(e.ingestor.ingest(batch(n), API_CTX));
        await new Promise((r) => setImmediate(r));
      }
      await Promise.all([building, ...writes]);
      let seen = 0;
      let cursor: string | undefined;
      do {
        const page = await e.store.lookup({
          accountId: ACCOUNT_A,
          attributes: [{ key: 'EventSource', value: 'race.example.com' }],
          limit: 50,
          ...(cursor ? { cursor } : {}),
        });
        seen += page.events.length;
        cursor = page.cursor;
      } while (cursor);
      expect(seen).toBe(20 * 50);
    } finally {
      await e.close();
      removeDir(e.dir);
    }
  });
});
