import { describe, expect, it } from 'vitest';
import type { CloudTrailRecord } from '../../event/types.js';
import { compileEventSelectors, parseEventSelectors } from './basic.js';
import { custom, dynamodbGet, insight, lambdaInvoke, network, record, s3Bucket, s3Object } from './testkit.js';
import { InvalidEventSelectorsError, SelectorShapeError, defaultSelectors, type EventSelector } from './types.js';

const LAMBDA_A = 'arn:aws:lambda:us-east-1:111111111111:function:helloworld';
const LAMBDA_B = 'arn:aws:lambda:us-east-1:111111111111:function:helloworld2';
const TABLE_A = 'arn:aws:dynamodb:us-east-1:111111111111:table/orders';
const TABLE_B = 'arn:aws:dynamodb:us-east-1:111111111111:table/orders-archive';

const matcher = (input: unknown) => compileEventSelectors(parseEventSelectors(input));
const dataOnly = (Type: string, Values: string[], ReadWriteType = 'All') => [
  { ReadWriteType, IncludeManagementEvents: false, DataResources: [{ Type, Values }] },
];

interface Case {
  name: string;
  selectors: unknown;
  record: CloudTrailRecord;
  matched: boolean;
}

const CASES: Case[] = [
  // Management events and ReadWriteType
  { name: 'default selector keeps a management write', selectors: [{}], record: record(), matched: true },
  {
    name: 'default selector keeps a management read',
    selectors: [{}],
    record: record({ readOnly: true }),
    matched: true,
  },
  {
    name: 'ReadOnly keeps reads',
    selectors: [{ ReadWriteType: 'ReadOnly' }],
    record: record({ readOnly: true }),
    matched: true,
  },
  { name: 'ReadOnly drops writes', selectors: [{ ReadWriteType: 'ReadOnly' }], record: record(), matched: false },
  { name: 'WriteOnly keeps writes', selectors: [{ ReadWriteType: 'WriteOnly' }], record: record(), matched: true },
  {
    name: 'WriteOnly drops reads',
    selectors: [{ ReadWriteType: 'WriteOnly' }],
    record: record({ readOnly: true }),
    matched: false,
  },
  {
    name: 'WriteOnly keeps an event that does not say whether it reads',
    selectors: [{ ReadWriteType: 'WriteOnly' }],
    record: record({ readOnly: undefined }),
    matched: true,
  },
  {
    name: 'ReadOnly drops an event that does not say whether it reads',
    selectors: [{ ReadWriteType: 'ReadOnly' }],
    record: record({ readOnly: undefined }),
    matched: false,
  },
  { name: 'All keeps writes', selectors: [{ ReadWriteType: 'All' }], record: record(), matched: true },
  {
    name: 'IncludeManagementEvents false drops management',
    selectors: [{ IncludeManagementEvents: false }],
    record: record(),
    matched: false,
  },
  {
    name: 'a management event without eventCategory (pre-1.08) is management',
    selectors: [{}],
    record: record({ eventCategory: undefined as unknown as string, managementEvent: undefined }),
    matched: true,
  },
  // ExcludeManagementEventSources
  {
    name: 'excluded kms management events are dropped',
    selectors: [{ ExcludeManagementEventSources: ['kms.amazonaws.com'] }],
    record: record({ eventSource: 'kms.amazonaws.com', eventName: 'Decrypt', readOnly: true }),
    matched: false,
  },
  {
    name: 'excluded rdsdata management events are dropped',
    selectors: [{ ExcludeManagementEventSources: ['kms.amazonaws.com', 'rdsdata.amazonaws.com'] }],
    record: record({ eventSource: 'rdsdata.amazonaws.com', eventName: 'ExecuteStatement' }),
    matched: false,
  },
  {
    name: 'other sources stay when kms is excluded',
    selectors: [{ ExcludeManagementEventSources: ['kms.amazonaws.com'] }],
    record: record(),
    matched: true,
  },
  {
    name: 'an exclusion in one selector does not stop another selector',
    selectors: [{ ExcludeManagementEventSources: ['kms.amazonaws.com'] }, { ReadWriteType: 'ReadOnly' }],
    record: record({ eventSource: 'kms.amazonaws.com', readOnly: true }),
    matched: true,
  },
  // Custom events count as management events
  {
    name: 'custom events are management events for the default selector',
    selectors: [{}],
    record: custom(),
    matched: true,
  },
  {
    name: 'custom events are dropped without management events',
    selectors: [{ IncludeManagementEvents: false }],
    record: custom(),
    matched: false,
  },
  {
    name: 'custom reads follow ReadWriteType',
    selectors: [{ ReadWriteType: 'WriteOnly' }],
    record: custom({ readOnly: true }),
    matched: false,
  },
  // Insights, network activity and other categories
  { name: 'Insights events are never selected', selectors: [{}], record: insight(), matched: false },
  {
    name: 'Insights events are never selected, even by all data',
    selectors: dataOnly('AWS::S3::Object', ['arn:aws:s3']),
    record: insight(),
    matched: false,
  },
  { name: 'network activity is never selected by basic selectors', selectors: [{}], record: network(), matched: false },
  {
    name: 'configuration items are never selected',
    selectors: [{}],
    record: record({ eventCategory: 'ConfigurationItem' }),
    matched: false,
  },
  // Data events are off unless a DataResources value selects them
  {
    name: 'the default selector drops data events',
    selectors: [{}],
    record: s3Object('reports', 'q1.csv'),
    matched: false,
  },
  // S3 objects
  {
    name: 'arn:aws:s3 selects every object',
    selectors: dataOnly('AWS::S3::Object', ['arn:aws:s3']),
    record: s3Object('any', 'k'),
    matched: true,
  },
  {
    name: 'arn:aws:s3::: selects every object',
    selectors: dataOnly('AWS::S3::Object', ['arn:aws:s3:::']),
    record: s3Object('any', 'k'),
    matched: true,
  },
  {
    name: 'bucket/ selects objects of the bucket',
    selectors: dataOnly('AWS::S3::Object', ['arn:aws:s3:::reports/']),
    record: s3Object('reports', 'q1.csv'),
    matched: true,
  },
  {
    name: 'bucket/ does not select another bucket',
    selectors: dataOnly('AWS::S3::Object', ['arn:aws:s3:::reports/']),
    record: s3Object('reports2', 'q1.csv'),
    matched: false,
  },
  {
    name: 'bucket without slash is a prefix and selects a longer bucket name too',
    selectors: dataOnly('AWS::S3::Object', ['arn:aws:s3:::reports']),
    record: s3Object('reports2', 'q1.csv'),
    matched: true,
  },
  {
    name: 'a key prefix selects keys under it',
    selectors: dataOnly('AWS::S3::Object', ['arn:aws:s3:::reports/2024/']),
    record: s3Object('reports', '2024/q1.csv'),
    matched: true,
  },
  {
    name: 'a key prefix drops keys outside it',
    selectors: dataOnly('AWS::S3::Object', ['arn:aws:s3:::reports/2024/']),
    record: s3Object('reports', '2023/q4.csv'),
    matched: false,
  },
  {
    name: 'any of several values selects',
    selectors: dataOnly('AWS::S3::Object', ['arn:aws:s3:::archive/', 'arn:aws:s3:::reports/']),
    record: s3Object('reports', 'x'),
    matched: true,
  },
  {
    name: 'a bucket-level data event is selected by its bucket/',
    selectors: dataOnly('AWS::S3::Object', ['arn:aws:s3:::reports/']),
    record: s3Bucket('reports'),
    matched: true,
  },
  {
    name: 'a bucket-level data event is selected by all buckets',
    selectors: dataOnly('AWS::S3::Object', ['arn:aws:s3']),
    record: s3Bucket('reports'),
    matched: true,
  },
  {
    name: 'a bucket-level data event is not selected by a key prefix',
    selectors: dataOnly('AWS::S3::Object', ['arn:aws:s3:::reports/2024/']),
    record: s3Bucket('reports'),
    matched: false,
  },
  {
    name: 'ReadOnly data selectors drop object writes',
    selectors: dataOnly('AWS::S3::Object', ['arn:aws:s3'], 'ReadOnly'),
    record: s3Object('reports', 'x', false),
    matched: false,
  },
  {
    name: 'WriteOnly data selectors keep object writes',
    selectors: dataOnly('AWS::S3::Object', ['arn:aws:s3'], 'WriteOnly'),
    record: s3Object('reports', 'x', false),
    matched: true,
  },
  {
    name: 'S3 values do not select Lambda events',
    selectors: dataOnly('AWS::S3::Object', ['arn:aws:s3']),
    record: lambdaInvoke(LAMBDA_A),
    matched: false,
  },
  {
    name: 'data resources do not select management events when management is off',
    selectors: dataOnly('AWS::S3::Object', ['arn:aws:s3']),
    record: record(),
    matched: false,
  },
  {
    name: 'management and data in one selector',
    selectors: [{ DataResources: [{ Type: 'AWS::S3::Object', Values: ['arn:aws:s3'] }] }],
    record: record(),
    matched: true,
  },
  // Lambda
  {
    name: 'arn:aws:lambda selects every function',
    selectors: dataOnly('AWS::Lambda::Function', ['arn:aws:lambda']),
    record: lambdaInvoke(LAMBDA_B),
    matched: true,
  },
  {
    name: 'a function ARN selects that function',
    selectors: dataOnly('AWS::Lambda::Function', [LAMBDA_A]),
    record: lambdaInvoke(LAMBDA_A),
    matched: true,
  },
  {
    name: 'a function ARN is exact: helloworld does not select helloworld2',
    selectors: dataOnly('AWS::Lambda::Function', [LAMBDA_A]),
    record: lambdaInvoke(LAMBDA_B),
    matched: false,
  },
  // DynamoDB
  {
    name: 'arn:aws:dynamodb selects every table',
    selectors: dataOnly('AWS::DynamoDB::Table', ['arn:aws:dynamodb']),
    record: dynamodbGet(TABLE_B),
    matched: true,
  },
  {
    name: 'a table ARN selects that table',
    selectors: dataOnly('AWS::DynamoDB::Table', [TABLE_A]),
    record: dynamodbGet(TABLE_A),
    matched: true,
  },
  {
    name: 'a table ARN is exact',
    selectors: dataOnly('AWS::DynamoDB::Table', [TABLE_A]),
    record: dynamodbGet(TABLE_B),
    matched: false,
  },
  {
    name: 'DynamoDB values do not select S3 events',
    selectors: dataOnly('AWS::DynamoDB::Table', ['arn:aws:dynamodb']),
    record: s3Object('reports', 'x'),
    matched: false,
  },
  // Several selectors are ORed
  {
    name: 'a second selector selects what the first drops',
    selectors: [
      ...dataOnly('AWS::Lambda::Function', [LAMBDA_A]),
      ...dataOnly('AWS::S3::Object', ['arn:aws:s3:::reports/']),
    ],
    record: s3Object('reports', 'x'),
    matched: true,
  },
];

describe('basic event selectors', () => {
  it.each(CASES)('$name', ({ selectors, record: r, matched }) => {
    const m = matcher(selectors);
    expect(m.matches(r)).toBe(matched);
    const why = m.explain(r);
    expect(why.matched).toBe(matched);
    expect(why.reasons.length).toBeGreaterThan(0);
  });

  it('fills AWS defaults, so GetEventSelectors shows what runs', () => {
    expect(parseEventSelectors([{}])).toEqual(
      (defaultSelectors() as { eventSelectors: EventSelector[] }).eventSelectors,
    );
    expect(
      parseEventSelectors([
        { ReadWriteType: 'ReadOnly', DataResources: [{ Type: 'AWS::S3::Object', Values: ['arn:aws:s3:::bkt/'] }] },
      ]),
    ).toEqual([
      {
        ReadWriteType: 'ReadOnly',
        IncludeManagementEvents: true,
        DataResources: [{ Type: 'AWS::S3::Object', Values: ['arn:aws:s3:::bkt/'] }],
        ExcludeManagementEventSources: [],
      },
    ]);
  });

  it('explains which selector decided and why', () => {
    const m = matcher([{ ReadWriteType: 'ReadOnly' }, { ExcludeManagementEventSources: ['kms.amazonaws.com'] }]);
    const why = m.explain(record({ eventSource: 'kms.amazonaws.com' }));
    expect(why).toEqual({
      matched: false,
      reasons: [
        'EventSelectors[0]: ReadWriteType ReadOnly does not select a write event',
        'EventSelectors[1]: ExcludeManagementEventSources leaves out kms.amazonaws.com',
      ],
    });
    expect(m.explain(insight()).reasons).toEqual(['Insights events are never selected by event selectors']);
  });
});

const INVALID: { name: string; input: unknown; message: string | RegExp }[] = [
  { name: 'no selectors', input: [], message: /at least one event selector/ },
  {
    name: 'six selectors',
    input: [{}, {}, {}, {}, {}, {}],
    message: 'A trail can have at most 5 event selectors; the request has 6.',
  },
  {
    name: 'bad ReadWriteType',
    input: [{ ReadWriteType: 'Sometimes' }],
    message: /Value Sometimes for ReadWriteType is invalid/,
  },
  {
    name: 'bad type',
    input: dataOnly('AWS::S3::Bucket', ['arn:aws:s3']),
    message: /Value AWS::S3::Bucket for DataResources.Type is invalid/,
  },
  {
    name: 'missing type',
    input: [{ DataResources: [{ Values: ['arn:aws:s3'] }] }],
    message: /DataResources\[0\].Type is required/,
  },
  {
    name: 'S3 wildcard',
    input: dataOnly('AWS::S3::Object', ['arn:aws:s3:::*']),
    message: 'Value arn:aws:s3:::* for DataResources.Values is invalid.',
  },
  {
    name: 'S3 bucket upper case',
    input: dataOnly('AWS::S3::Object', ['arn:aws:s3:::Reports/']),
    message: /Value arn:aws:s3:::Reports\/ for DataResources.Values is invalid/,
  },
  {
    name: 'S3 value of another service',
    input: dataOnly('AWS::S3::Object', ['arn:aws:lambda']),
    message: /arn:aws:lambda for DataResources.Values is invalid/,
  },
  {
    name: 'S3 value not an ARN',
    input: dataOnly('AWS::S3::Object', ['reports/']),
    message: /reports\/ for DataResources.Values is invalid/,
  },
  {
    name: 'Lambda wildcard',
    input: dataOnly('AWS::Lambda::Function', ['arn:aws:lambda:*']),
    message: 'Value arn:aws:lambda:* for DataResources.Values is invalid.',
  },
  {
    name: 'Lambda bad account',
    input: dataOnly('AWS::Lambda::Function', ['arn:aws:lambda:us-east-1:123:function:f']),
    message: /is invalid/,
  },
  {
    name: 'DynamoDB not a table',
    input: dataOnly('AWS::DynamoDB::Table', ['arn:aws:dynamodb:us-east-1:111111111111:stream/x']),
    message: /is invalid/,
  },
  {
    name: 'excluded source not allowed',
    input: [{ ExcludeManagementEventSources: ['s3.amazonaws.com'] }],
    message: /Value s3.amazonaws.com for ExcludeManagementEventSources is invalid/,
  },
  {
    name: '251 data resources',
    input: [
      {
        DataResources: [
          { Type: 'AWS::S3::Object', Values: Array.from({ length: 200 }, (_, i) => `arn:aws:s3:::bucket-${i}/`) },
        ],
      },
      {
        DataResources: [
          { Type: 'AWS::S3::Object', Values: Array.from({ length: 51 }, (_, i) => `arn:aws:s3:::other-${i}/`) },
        ],
      },
    ],
    message: 'A trail can have at most 250 data resources across its event selectors; the request has 251.',
  },
];

describe('basic event selector validation', () => {
  it.each(INVALID)('refuses $name', ({ input, message }) => {
    expect(() => parseEventSelectors(input)).toThrow(InvalidEventSelectorsError);
    expect(() => parseEventSelectors(input)).toThrow(message);
  });

  it('accepts exactly 5 selectors and 250 data resources', () => {
    expect(parseEventSelectors([{}, {}, {}, {}, {}])).toHaveLength(5);
    const values = Array.from({ length: 250 }, (_, i) => `arn:aws:s3:::bucket-${i}/`);
    expect(parseEventSelectors(dataOnly('AWS::S3::Object', values))[0]!.DataResources[0]!.Values).toHaveLength(250);
  });

  it('accepts the documented value forms', () => {
    for (const [type, value] of [
      ['AWS::S3::Object', 'arn:aws:s3'],
      ['AWS::S3::Object', 'arn:aws:s3:::'],
      ['AWS::S3::Object', 'arn:aws:s3:::my.bucket-1'],
      ['AWS::S3::Object', 'arn:aws:s3:::my.bucket-1/'],
      ['AWS::S3::Object', 'arn:aws:s3:::my.bucket-1/a/b c*'],
      ['AWS::S3::Object', 'arn:aws-cn:s3:::bucket/'],
      ['AWS::Lambda::Function', 'arn:aws:lambda'],
      ['AWS::Lambda::Function', LAMBDA_A],
      ['AWS::Lambda::Function', `${LAMBDA_A}:$LATEST`],
      ['AWS::DynamoDB::Table', 'arn:aws:dynamodb'],
      ['AWS::DynamoDB::Table', TABLE_A],
    ] as const) {
      expect(() => parseEventSelectors(dataOnly(type, [value])), value).not.toThrow();
    }
  });

  it('answers wrong JSON types as shape errors', () => {
    expect(() => parseEventSelectors('all')).toThrow(SelectorShapeError);
    expect(() => parseEventSelectors([{ IncludeManagementEvents: 'yes' }])).toThrow(
      'EventSelectors[0].IncludeManagementEvents must be a boolean.',
    );
    expect(() => parseEventSelectors([{ DataResources: [{ Type: 'AWS::S3::Object', Values: 'arn:aws:s3' }] }])).toThrow(
      'EventSelectors[0].DataResources[0].Values must be a list.',
    );
  });
});
