import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RawLoggedEvent } from '../../log/event-log.js';
import {
  allFixtureRecords,
  jsonClone,
  normalized,
  openEmbedded,
  removeDir,
  type Embedded,
} from '../../../test/helpers/embedded.js';
import type { Trail } from '../model.js';
import type { EventSelector, TrailSelectors } from '../selectors/index.js';
import { trailCoverage } from './batch.js';
import { columnMatcher } from './column-match.js';

const ALL_EVENTS: EventSelector = {
  ReadWriteType: 'All',
  IncludeManagementEvents: true,
  DataResources: [],
  ExcludeManagementEventSources: [],
};

/** Selector sets: the default, basic variants, and advanced ones on and off the columns. */
const SELECTORS: Record<string, TrailSelectors> = {
  default: { kind: 'basic', eventSelectors: [{ ...ALL_EVENTS, DataResources: [] }] },
  readOnlyNoKms: {
    kind: 'basic',
    eventSelectors: [
      { ...ALL_EVENTS, ReadWriteType: 'ReadOnly', ExcludeManagementEventSources: ['kms.amazonaws.com'] },
    ],
  },
  writeOnly: { kind: 'basic', eventSelectors: [{ ...ALL_EVENTS, ReadWriteType: 'WriteOnly' }] },
  s3Data: {
    kind: 'basic',
    eventSelectors: [
      {
        ...ALL_EVENTS,
        IncludeManagementEvents: false,
        DataResources: [{ Type: 'AWS::S3::Object', Values: ['arn:aws:s3'] }],
      },
    ],
  },
  advancedNames: {
    kind: 'advanced',
    advancedEventSelectors: [
      {
        FieldSelectors: [
          { Field: 'eventCategory', Equals: ['Management'] },
          { Field: 'eventName', StartsWith: ['Get', 'List', 'Describe'] },
          { Field: 'readOnly', Equals: ['true'] },
        ],
      },
      {
        FieldSelectors: [
          { Field: 'eventCategory', Equals: ['Management'] },
          { Field: 'eventSource', NotEquals: ['iam.amazonaws.com'] },
        ],
      },
    ],
  },
  advancedResources: {
    kind: 'advanced',
    advancedEventSelectors: [
      {
        FieldSelectors: [
          { Field: 'eventCategory', Equals: ['Data'] },
          { Field: 'resources.type', Equals: ['AWS::S3::Object'] },
        ],
      },
    ],
  },
};

function trail(accountId: string, selectors: TrailSelectors, multiRegion: boolean): Trail {
  return {
    accountId,
    name: 't',
    homeRegion: 'us-east-1',
    trailArn: `arn:aws:cloudtrail:us-east-1:${accountId}:trail/t`,
    s3BucketName: 'b',
    includeGlobalServiceEvents: true,
    isMultiRegionTrail: multiRegion,
    isOrganizationTrail: false,
    logFileValidationEnabled: false,
    selectors,
    hasCustomEventSelectors: true,
    hasInsightSelectors: false,
    createdAtMs: 0,
    updatedAtMs: 0,
  };
}

/** The same event with no columns: the coverage has to parse the record. */
function withoutColumns(e: RawLoggedEvent): RawLoggedEvent {
  return { ...e, awsRegion: null, eventCategory: null, eventSource: null, eventName: null, readOnly: null };
}

let emb: Embedded;
let events: RawLoggedEvent[];

beforeAll(async () => {
  emb = await openEmbedded();
  const records = allFixtureRecords().map((r) => normalized(jsonClone(r), { profile: 'archive' }));
  // Records whose columns do not tell their own story: the coverage must parse them.
  const tricky = [
    // An Insights record that says it is a management event: eventKind goes by eventType.
    { eventType: 'AwsCloudTrailInsight', eventCategory: 'Management', eventName: 'ListBuckets', readOnly: true },
    // No eventSource of its own: the log's column takes the one in insightDetails.
    { eventSource: undefined, eventName: 'Decrypt', insightDetails: { eventSource: 'kms.amazonaws.com' } },
    // A lone surrogate in the name: the column holds U+FFFD, the record the escape.
    { eventSource: 'ec2.amazonaws.com', eventName: 'Get\uD800Thing', readOnly: true },
  ].map((over, i) =>
    normalized(
      {
        eventVersion: '1.08',
        eventTime: '2024-05-01T12:00:00Z',
        eventSource: 'kms.amazonaws.com',
        awsRegion: 'us-east-1',
        eventID: `tricky-${i}`,
        recipientAccountId: '111111111111',
        ...over,
      },
      { profile: 'archive' },
    ),
  );
  // Data events, which the fixtures lack: one S3 object read, one Lambda invoke.
  const data = [
    {
      eventSource: 's3.amazonaws.com',
      eventName: 'GetObject',
      resources: [{ type: 'AWS::S3::Object', ARN: 'arn:aws:s3:::b/k' }],
    },
    {
      eventSource: 'lambda.amazonaws.com',
      eventName: 'Invoke',
      readOnly: false,
      resources: [{ type: 'AWS::Lambda::Function', ARN: 'arn:aws:lambda:us-east-1:111111111111:function:f' }],
    },
  ].map((over, i) =>
    normalized(
      {
        eventVersion: '1.08',
        eventTime: '2024-05-01T12:00:00Z',
        awsRegion: 'us-east-1',
        eventID: `data-${i}`,
        eventCategory: 'Data',
        managementEvent: false,
        recipientAccountId: '111111111111',
        ...over,
      },
      { profile: 'archive' },
    ),
  );
  const outcomes = await emb.log.append([...records, ...tricky, ...data], Date.UTC(2024, 4, 1));
  events = await emb.log.readBatch(0, 10_000);
  // The docs quote a few records twice: the log keeps one copy.
  expect(events.length).toBe(outcomes.filter((o) => o.status === 'stored').length);
});

afterAll(async () => {
  await emb.close();
  removeDir(emb.dir);
});

describe('trail coverage on the log columns', () => {
  for (const [name, selectors] of Object.entries(SELECTORS)) {
    for (const multiRegion of [true, false]) {
      it(`gives what the parsed record gives: ${name}${multiRegion ? ', multi-region' : ''}`, () => {
        const accounts = [...new Set(events.map((e) => e.accountId))];
        let covered = 0;
        for (const account of accounts) {
          const coverage = trailCoverage(trail(account, selectors, multiRegion));
          for (const e of events.filter((x) => x.accountId === account)) {
            const got = coverage(e);
            expect(got, `seq ${e.seq}`).toEqual(coverage(withoutColumns(e)));
            if (got) {
              covered++;
              expect(Buffer.from(got.json).equals(e.record)).toBe(true);
            }
          }
        }
        if (name === 'default' && multiRegion) expect(covered).toBeGreaterThan(100);
      });
    }
  }

  it('uses the columns for most events when the selectors read only what the columns hold', () => {
    const onColumns = columnMatcher(SELECTORS['default']!)!;
    const decided = events.filter((e) => onColumns(e) !== undefined).length;
    expect(decided).toBeGreaterThan(events.length * 0.8);
    // The tricky three are always parsed.
    for (const e of events.filter((x) => x.record.includes('tricky-'))) expect(onColumns(e)).toBeUndefined();
  });

  it('parses data events only when DataResources need their resources', () => {
    const data = events.filter((e) => e.eventCategory === 'Data');
    expect(data.length).toBeGreaterThan(0);
    const s3 = columnMatcher(SELECTORS['s3Data']!)!;
    for (const e of data) expect(s3(e)).toBeUndefined();
    const plain = columnMatcher(SELECTORS['writeOnly']!)!;
    expect(data.some((e) => plain(e) !== undefined)).toBe(true);
  });

  it('leaves selectors on other fields to the record', () => {
    expect(columnMatcher(SELECTORS['advancedResources']!)).toBeUndefined();
    expect(columnMatcher(SELECTORS['advancedNames']!)).toBeDefined();
  });
});
