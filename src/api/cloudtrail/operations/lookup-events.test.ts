import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCOUNT_A, API_CTX, openEmbedded, removeDir, type Embedded } from '../../../../test/helpers/embedded.js';
import type { AppContext, Caller } from '../../context.js';
import { ApiError } from '../../errors.js';
import { decodeNextToken, encodeNextToken, lookupEvents } from './lookup-events.js';

const T0 = Date.UTC(2024, 4, 1, 10, 0, 0);
const at = (s: number) => new Date(T0 + s * 1000).toISOString().slice(0, 19) + 'Z';

const caller: Caller = {
  accountId: ACCOUNT_A,
  accessKeyId: 'AKIAEXAMPLE',
  userName: 'admin',
  policy: 'administrator',
  sourceIp: '127.0.0.1',
  userAgent: 'test',
};

/** 45 Insights events, newest last: names A and B alternate, except the oldest, named C. */
const INSIGHTS = Array.from({ length: 45 }, (_, i) => ({
  eventID: `i${String(i).padStart(2, '0')}`,
  eventTime: at(i),
  eventType: 'AwsCloudTrailInsight',
  eventCategory: 'Insight',
  insightDetails: {
    state: 'Start',
    eventSource: i === 0 ? 'c.example.com' : 'ab.example.com',
    eventName: i === 0 ? 'C' : i % 2 ? 'A' : 'B',
  },
}));

/** Management events whose every response member is shown: one with all of them, one with few. */
const MANAGEMENT = [
  {
    eventVersion: '1.09',
    eventID: 'm-full',
    eventTime: at(100),
    eventSource: 's3.amazonaws.com',
    eventName: 'PutObject',
    readOnly: false,
    userIdentity: { type: 'IAMUser', userName: 'alice "the admin"', accessKeyId: 'AKIAALICE' },
    resources: [{ type: 'AWS::S3::Object', ARN: 'arn:aws:s3:::b/k\\ü🙂' }, { ARN: 'arn:aws:s3:::b' }, {}],
    requestParameters: { key: 'line\nbreak "quoted" \u2028' },
  },
  {
    eventVersion: '1.09',
    eventID: 'm-bare',
    eventTime: at(101),
    eventSource: 'ec2.amazonaws.com',
    eventName: 'DescribeInstances',
    userIdentity: { type: 'AWSService' },
  },
];

let db: Embedded;
let ctx: AppContext;

beforeAll(async () => {
  db = await openEmbedded();
  const results = await db.ingestor.ingest(structuredClone([...INSIGHTS, ...MANAGEMENT]), API_CTX);
  expect(results.every((r) => r.ok)).toBe(true);
  // Only the store is used by the operation.
  ctx = { store: db.store } as unknown as AppContext;
});

afterAll(async () => {
  await db?.close();
  removeDir(db?.dir);
});

const call = (input: Record<string, unknown>) => lookupEvents.handle(input, { ctx, caller });

/** Every page's event ids, following NextToken; also how many pages it took. */
async function pages(input: Record<string, unknown>): Promise<{ ids: string[]; pages: number[] }> {
  const ids: string[] = [];
  const sizes: number[] = [];
  let token: string | undefined;
  do {
    const out = (await call({ ...input, ...(token ? { NextToken: token } : {}) })) as {
      Events: { EventId: string }[];
      NextToken?: string;
    };
    ids.push(...out.Events.map((e) => e.EventId));
    sizes.push(out.Events.length);
    token = out.NextToken;
  } while (token);
  return { ids, pages: sizes };
}

async function error(input: Record<string, unknown>): Promise<ApiError> {
  try {
    await call(input);
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
  throw new Error('the call succeeded');
}

describe('LookupEvents on Insights events by EventName / EventSource (indexed from insightDetails)', () => {
  it('pages exactly, one at a time, newest first', async () => {
    const r = await pages({
      EventCategory: 'insight',
      LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'A' }],
      MaxResults: 1,
    });
    const expected = INSIGHTS.filter((e) => e.insightDetails.eventName === 'A')
      .map((e) => e.eventID)
      .reverse();
    expect(r.ids).toEqual(expected);
    expect(r.pages.every((n) => n <= 1)).toBe(true);
  });

  it('pages exactly with larger pages', async () => {
    const r = await pages({
      EventCategory: 'insight',
      LookupAttributes: [{ AttributeKey: 'EventSource', AttributeValue: 'ab.example.com' }],
      MaxResults: 7,
    });
    expect(r.ids).toEqual(
      INSIGHTS.slice(1)
        .map((e) => e.eventID)
        .reverse(),
    );
    expect(r.pages[0]).toBe(7);
  });
});

describe('LookupEvents response members', () => {
  it('shows each event as AWS does, its record escaped whole into CloudTrailEvent', async () => {
    const out = (await call({ LookupAttributes: [{ AttributeKey: 'EventId', AttributeValue: 'm-full' }] })) as {
      Events: Record<string, unknown>[];
    };
    expect(Object.keys(out)).toEqual(['Events']);
    const [event] = out.Events;
    expect(event).toEqual({
      EventId: 'm-full',
      EventName: 'PutObject',
      ReadOnly: 'false',
      AccessKeyId: 'AKIAALICE',
      EventTime: sec(100),
      EventSource: 's3.amazonaws.com',
      Username: 'alice "the admin"',
      Resources: [
        { ResourceType: 'AWS::S3::Object', ResourceName: 'arn:aws:s3:::b/k\\ü🙂' },
        { ResourceName: 'arn:aws:s3:::b' },
        {},
      ],
      CloudTrailEvent: expect.any(String) as unknown,
    });
    expect(Object.keys(event!)).toEqual([
      'EventId',
      'EventName',
      'ReadOnly',
      'AccessKeyId',
      'EventTime',
      'EventSource',
      'Username',
      'Resources',
      'CloudTrailEvent',
    ]);
    const record = JSON.parse(event!.CloudTrailEvent as string) as Record<string, unknown>;
    expect(record).toMatchObject(MANAGEMENT[0]!);
  });

  it('leaves out the members a record lacks', async () => {
    const out = (await call({
      LookupAttributes: [{ AttributeKey: 'EventSource', AttributeValue: 'ec2.amazonaws.com' }],
    })) as { Events: Record<string, unknown>[] };
    expect(out.Events.map((e) => Object.keys(e))).toEqual([
      // No access key and no name of the caller; ReadOnly is derived from the name at ingest.
      ['EventId', 'EventName', 'ReadOnly', 'EventTime', 'EventSource', 'Resources', 'CloudTrailEvent'],
    ]);
    expect(out.Events[0]!.Resources).toEqual([]);
  });
});

describe('NextToken', () => {
  it('round-trips the cursor for the same parameters only', () => {
    const token = encodeNextToken('MTIzOjQ1Ng', 'params-1');
    expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeNextToken(token, 'params-1')).toBe('MTIzOjQ1Ng');
    expect(() => decodeNextToken(token, 'params-2')).toThrow(/different parameters/);
    const body = JSON.parse(Buffer.from(token, 'base64url').toString()) as Record<string, unknown>;
    const tampered = Buffer.from(JSON.stringify({ ...body, c: 'OTk5OjE' })).toString('base64url');
    expect(() => decodeNextToken(tampered, 'params-1')).toThrow(/not issued by this service/);
    for (const bad of ['', 'x', '!!!', Buffer.from('null').toString('base64url'), 'a'.repeat(5000)]) {
      expect(() => decodeNextToken(bad, 'params-1'), bad.slice(0, 10)).toThrow(ApiError);
    }
  });
});

describe('LookupEvents input checks', () => {
  it.each([
    [{ EventCategory: 5 }, 'SerializationException'],
    [{ EventCategory: 'Insight' }, 'InvalidEventCategoryException'],
    [{ StartTime: '2024-05-01T00:00:00Z' }, 'SerializationException'],
    [{ StartTime: -1 }, 'InvalidTimeRangeException'],
    [{ EndTime: 1e15 }, 'InvalidTimeRangeException'],
    [{ StartTime: 2, EndTime: 1 }, 'InvalidTimeRangeException'],
    [{ MaxResults: 1.5 }, 'InvalidMaxResultsException'],
    [{ MaxResults: '5' }, 'SerializationException'],
    [{ LookupAttributes: {} }, 'SerializationException'],
    [{ LookupAttributes: ['EventName'] }, 'SerializationException'],
    [{ LookupAttributes: [{ AttributeKey: 'EventName' }] }, 'InvalidLookupAttributesException'],
    [{ LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: '' }] }, 'InvalidLookupAttributesException'],
    [{ LookupAttributes: [{ AttributeValue: 'x' }] }, 'InvalidLookupAttributesException'],
    [{ LookupAttributes: [{ AttributeKey: 'eventname', AttributeValue: 'x' }] }, 'InvalidLookupAttributesException'],
    [
      { EventCategory: 'insight', LookupAttributes: [{ AttributeKey: 'ReadOnly', AttributeValue: 'true' }] },
      'InvalidLookupAttributesException',
    ],
    [{ NextToken: 7 }, 'SerializationException'],
  ])('%j → %s', async (input, code) => {
    expect((await error(input)).code).toBe(code);
  });

  it('accepts an empty attribute list and equal start and end times', async () => {
    const out = (await call({
      LookupAttributes: [],
      EventCategory: 'insight',
      StartTime: sec(3),
      EndTime: sec(3),
    })) as {
      Events: { EventId: string; EventTime: number }[];
    };
    expect(out.Events.map((e) => [e.EventId, e.EventTime])).toEqual([['i03', sec(3)]]);
  });
});

function sec(s: number): number {
  return (T0 + s * 1000) / 1000;
}
