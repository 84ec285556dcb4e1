import { describe, expect, it } from 'vitest';
import type { CloudTrailRecord } from '../../event/types.js';
import { compileAdvancedEventSelectors, parseAdvancedEventSelectors } from './advanced.js';
import { custom, dynamodbGet, insight, lambdaInvoke, network, record, s3Bucket, s3Object } from './testkit.js';
import { InvalidEventSelectorsError, SelectorShapeError, type AdvancedFieldSelector, type Operator } from './types.js';

const matcher = (input: unknown) => compileAdvancedEventSelectors(parseAdvancedEventSelectors(input));
const category = (c: string): AdvancedFieldSelector => ({ Field: 'eventCategory', Equals: [c] });
const S3_OBJECTS: AdvancedFieldSelector = { Field: 'resources.type', Equals: ['AWS::S3::Object'] };
const f = (Field: string, op: Operator, values: string[]): AdvancedFieldSelector => ({ Field, [op]: values });

/** One selector of `cat`, with the base fields a category needs and the field under test. */
function one(cat: string, ...fields: AdvancedFieldSelector[]) {
  const base = cat === 'Data' && !fields.some((x) => x.Field === 'resources.type') ? [S3_OBJECTS] : [];
  const net =
    cat === 'NetworkActivity' && !fields.some((x) => x.Field === 'eventSource')
      ? [f('eventSource', 'Equals', ['kms.amazonaws.com'])]
      : [];
  return [{ FieldSelectors: [category(cat), ...base, ...net, ...fields] }];
}

interface Case {
  name: string;
  selectors: unknown;
  record: CloudTrailRecord;
  matched: boolean;
}
const c = (name: string, selectors: unknown, r: CloudTrailRecord, matched: boolean): Case => ({
  name,
  selectors,
  record: r,
  matched,
});

const obj = s3Object('reports', '2024/q1.csv');
const put = s3Object('reports', '2024/q1.csv', false);
const other = s3Object('archive', 'old.csv');
const ROLE = 'arn:aws:sts::111111111111:assumed-role/HumanRole/alice';
const withUser = (r: CloudTrailRecord, arn: string) => ({ ...r, userIdentity: { type: 'AssumedRole', arn } });

const CASES: Case[] = [
  // eventCategory
  c('Management selects management events', one('Management'), record(), true),
  c('Management selects custom events (they count as management)', one('Management'), custom(), true),
  c('Management does not select data events', one('Management'), obj, false),
  c('Management does not select network activity', one('Management'), network(), false),
  c('Data selects data events of the type', one('Data'), obj, true),
  c('Data does not select management events', one('Data'), record(), false),
  c('NetworkActivity selects network activity', one('NetworkActivity'), network(), true),
  c('NetworkActivity does not select management events', one('NetworkActivity'), record(), false),
  c('ActivityAuditLog selects custom events', one('ActivityAuditLog'), custom(), true),
  c('ActivityAuditLog does not select management events', one('ActivityAuditLog'), record(), false),
  c('Insights events are never selected', one('Management'), insight(), false),
  // readOnly
  c(
    'readOnly true selects reads',
    one('Management', f('readOnly', 'Equals', ['true'])),
    record({ readOnly: true }),
    true,
  ),
  c('readOnly true drops writes', one('Management', f('readOnly', 'Equals', ['true'])), record(), false),
  c('readOnly false selects writes', one('Management', f('readOnly', 'Equals', ['false'])), record(), true),
  c(
    'readOnly false drops reads',
    one('Management', f('readOnly', 'Equals', ['false'])),
    record({ readOnly: true }),
    false,
  ),
  c(
    'readOnly false keeps an event without readOnly',
    one('Management', f('readOnly', 'Equals', ['false'])),
    record({ readOnly: undefined }),
    true,
  ),
  c('readOnly on data events', one('Data', f('readOnly', 'Equals', ['false'])), put, true),
  c('readOnly on data events drops reads', one('Data', f('readOnly', 'Equals', ['false'])), obj, false),
  // eventSource
  c(
    'management eventSource NotEquals kms drops kms',
    one('Management', f('eventSource', 'NotEquals', ['kms.amazonaws.com'])),
    record({ eventSource: 'kms.amazonaws.com' }),
    false,
  ),
  c(
    'management eventSource NotEquals kms keeps ec2',
    one('Management', f('eventSource', 'NotEquals', ['kms.amazonaws.com'])),
    record(),
    true,
  ),
  c(
    'NotEquals kms and rdsdata drops rdsdata',
    one('Management', f('eventSource', 'NotEquals', ['kms.amazonaws.com', 'rdsdata.amazonaws.com'])),
    record({ eventSource: 'rdsdata.amazonaws.com' }),
    false,
  ),
  c('data eventSource Equals', one('Data', f('eventSource', 'Equals', ['s3.amazonaws.com'])), obj, true),
  c('data eventSource Equals other', one('Data', f('eventSource', 'Equals', ['lambda.amazonaws.com'])), obj, false),
  c('data eventSource StartsWith', one('Data', f('eventSource', 'StartsWith', ['s3.'])), obj, true),
  c('data eventSource EndsWith', one('Data', f('eventSource', 'EndsWith', ['.amazonaws.com'])), obj, true),
  c('data eventSource NotStartsWith', one('Data', f('eventSource', 'NotStartsWith', ['s3'])), obj, false),
  c('data eventSource NotEndsWith', one('Data', f('eventSource', 'NotEndsWith', ['.example.com'])), obj, true),
  c(
    'network eventSource Equals its source',
    one('NetworkActivity', f('eventSource', 'Equals', ['kms.amazonaws.com'])),
    network(),
    true,
  ),
  c(
    'network eventSource Equals another source',
    one('NetworkActivity', f('eventSource', 'Equals', ['ec2.amazonaws.com'])),
    network(),
    false,
  ),
  // eventName, every operator
  c('eventName Equals', one('Data', f('eventName', 'Equals', ['GetObject'])), obj, true),
  c('eventName Equals, one of several', one('Data', f('eventName', 'Equals', ['PutObject', 'GetObject'])), obj, true),
  c('eventName Equals misses', one('Data', f('eventName', 'Equals', ['PutObject'])), obj, false),
  c('eventName Equals is case-sensitive', one('Data', f('eventName', 'Equals', ['getobject'])), obj, false),
  c('eventName StartsWith', one('Data', f('eventName', 'StartsWith', ['Get'])), obj, true),
  c('eventName StartsWith misses', one('Data', f('eventName', 'StartsWith', ['Put', 'Delete'])), obj, false),
  c('eventName EndsWith', one('Data', f('eventName', 'EndsWith', ['Object'])), obj, true),
  c('eventName EndsWith misses', one('Data', f('eventName', 'EndsWith', ['Bucket'])), obj, false),
  c('eventName NotEquals drops the value', one('Data', f('eventName', 'NotEquals', ['GetObject'])), obj, false),
  c('eventName NotEquals keeps others', one('Data', f('eventName', 'NotEquals', ['GetObject'])), put, true),
  c(
    'eventName NotEquals values are ANDed',
    one('Data', f('eventName', 'NotEquals', ['HeadObject', 'GetObject'])),
    obj,
    false,
  ),
  c('eventName NotStartsWith drops', one('Data', f('eventName', 'NotStartsWith', ['Get'])), obj, false),
  c('eventName NotStartsWith keeps', one('Data', f('eventName', 'NotStartsWith', ['Get'])), put, true),
  c('eventName NotEndsWith drops', one('Data', f('eventName', 'NotEndsWith', ['Object'])), obj, false),
  c('eventName NotEndsWith keeps', one('Data', f('eventName', 'NotEndsWith', ['Acl'])), obj, true),
  c(
    'eventName StartsWith and NotEquals on one field: both must hold',
    one('Data', { Field: 'eventName', StartsWith: ['Get'], NotEquals: ['GetObject'] }),
    obj,
    false,
  ),
  c(
    'eventName StartsWith and NotEquals on one field: allowed value',
    one('Data', { Field: 'eventName', StartsWith: ['Get', 'Put'], NotEquals: ['GetObject'] }),
    put,
    true,
  ),
  c('eventName on network activity', one('NetworkActivity', f('eventName', 'Equals', ['Decrypt'])), network(), true),
  // resources.type
  c('resources.type Equals the object type', one('Data', S3_OBJECTS), obj, true),
  c(
    'resources.type of another service',
    one('Data', f('resources.type', 'Equals', ['AWS::Lambda::Function'])),
    obj,
    false,
  ),
  c(
    'resources.type Lambda',
    one('Data', f('resources.type', 'Equals', ['AWS::Lambda::Function'])),
    lambdaInvoke('arn:aws:lambda:us-east-1:111111111111:function:f'),
    true,
  ),
  c(
    'resources.type DynamoDB',
    one('Data', f('resources.type', 'Equals', ['AWS::DynamoDB::Table'])),
    dynamodbGet('arn:aws:dynamodb:us-east-1:111111111111:table/t'),
    true,
  ),
  c(
    'resources.type Bucket for a bucket-level event',
    one('Data', f('resources.type', 'Equals', ['AWS::S3::Bucket'])),
    s3Bucket('reports'),
    true,
  ),
  c('resources.type Object misses a bucket-level event', one('Data', S3_OBJECTS), s3Bucket('reports'), false),
  // resources.ARN, every operator; only resources of the selected type are looked at
  c('resources.ARN Equals', one('Data', f('resources.ARN', 'Equals', ['arn:aws:s3:::reports/2024/q1.csv'])), obj, true),
  c(
    'resources.ARN Equals does not look at the bucket resource',
    one('Data', f('resources.ARN', 'Equals', ['arn:aws:s3:::reports'])),
    obj,
    false,
  ),
  c(
    'resources.ARN StartsWith the bucket',
    one('Data', f('resources.ARN', 'StartsWith', ['arn:aws:s3:::reports/'])),
    obj,
    true,
  ),
  c(
    'resources.ARN StartsWith another bucket',
    one('Data', f('resources.ARN', 'StartsWith', ['arn:aws:s3:::reports/'])),
    other,
    false,
  ),
  c('resources.ARN EndsWith', one('Data', f('resources.ARN', 'EndsWith', ['.csv'])), obj, true),
  c('resources.ARN EndsWith misses', one('Data', f('resources.ARN', 'EndsWith', ['.json'])), obj, false),
  c(
    'resources.ARN NotEquals drops',
    one('Data', f('resources.ARN', 'NotEquals', ['arn:aws:s3:::reports/2024/q1.csv'])),
    obj,
    false,
  ),
  c(
    'resources.ARN NotEquals keeps others',
    one('Data', f('resources.ARN', 'NotEquals', ['arn:aws:s3:::reports/2024/q1.csv'])),
    other,
    true,
  ),
  c(
    'resources.ARN NotStartsWith excludes a bucket',
    one('Data', f('resources.ARN', 'NotStartsWith', ['arn:aws:s3:::reports/'])),
    obj,
    false,
  ),
  c(
    'resources.ARN NotStartsWith keeps other buckets',
    one('Data', f('resources.ARN', 'NotStartsWith', ['arn:aws:s3:::reports/'])),
    other,
    true,
  ),
  c(
    'resources.ARN NotStartsWith values are ANDed',
    one('Data', f('resources.ARN', 'NotStartsWith', ['arn:aws:s3:::logs/', 'arn:aws:s3:::archive/'])),
    other,
    false,
  ),
  c('resources.ARN NotEndsWith drops', one('Data', f('resources.ARN', 'NotEndsWith', ['.csv'])), obj, false),
  c('resources.ARN NotEndsWith keeps', one('Data', f('resources.ARN', 'NotEndsWith', ['.json'])), obj, true),
  c(
    'resources.ARN StartsWith and NotStartsWith together',
    one('Data', {
      Field: 'resources.ARN',
      StartsWith: ['arn:aws:s3:::reports/'],
      NotStartsWith: ['arn:aws:s3:::reports/2024/'],
    }),
    obj,
    false,
  ),
  c(
    'resources.ARN on a Lambda function',
    one(
      'Data',
      f('resources.type', 'Equals', ['AWS::Lambda::Function']),
      f('resources.ARN', 'EndsWith', [':function:f']),
    ),
    lambdaInvoke('arn:aws:lambda:us-east-1:111111111111:function:f'),
    true,
  ),
  // eventType
  c('eventType Equals', one('Data', f('eventType', 'Equals', ['AwsApiCall'])), obj, true),
  c('eventType NotEquals', one('Data', f('eventType', 'NotEquals', ['AwsApiCall'])), obj, false),
  c('eventType StartsWith', one('Data', f('eventType', 'StartsWith', ['AwsService'])), obj, false),
  c(
    'eventType NotEquals AwsServiceEvent keeps API calls',
    one('Data', f('eventType', 'NotEquals', ['AwsServiceEvent'])),
    obj,
    true,
  ),
  // userIdentity.arn
  c('userIdentity.arn EndsWith', one('Data', f('userIdentity.arn', 'EndsWith', ['/alice'])), withUser(obj, ROLE), true),
  c(
    'userIdentity.arn StartsWith',
    one('Data', f('userIdentity.arn', 'StartsWith', ['arn:aws:sts::111111111111:assumed-role/HumanRole/'])),
    withUser(obj, ROLE),
    true,
  ),
  c(
    'userIdentity.arn Equals misses',
    one('Data', f('userIdentity.arn', 'Equals', ['arn:aws:iam::111111111111:user/bob'])),
    withUser(obj, ROLE),
    false,
  ),
  c(
    'userIdentity.arn NotStartsWith drops',
    one('Data', f('userIdentity.arn', 'NotStartsWith', ['arn:aws:sts::111111111111:assumed-role/HumanRole'])),
    withUser(obj, ROLE),
    false,
  ),
  c(
    'userIdentity.arn NotEndsWith keeps',
    one('Data', f('userIdentity.arn', 'NotEndsWith', ['/bob'])),
    withUser(obj, ROLE),
    true,
  ),
  c(
    'userIdentity.arn NotEquals keeps',
    one('Data', f('userIdentity.arn', 'NotEquals', ['x'])),
    withUser(obj, ROLE),
    true,
  ),
  c(
    'userIdentity.arn Equals fails when the identity has no ARN',
    one('Data', f('userIdentity.arn', 'Equals', [ROLE])),
    { ...obj, userIdentity: { type: 'AWSService' } },
    false,
  ),
  c(
    'userIdentity.arn NotEquals passes when the identity has no ARN',
    one('Data', f('userIdentity.arn', 'NotEquals', [ROLE])),
    { ...obj, userIdentity: { type: 'AWSService' } },
    true,
  ),
  // sessionCredentialFromConsole
  c(
    'sessionCredentialFromConsole Equals true',
    one('Data', f('sessionCredentialFromConsole', 'Equals', ['true'])),
    { ...obj, sessionCredentialFromConsole: 'true' },
    true,
  ),
  c(
    'sessionCredentialFromConsole Equals true, absent',
    one('Data', f('sessionCredentialFromConsole', 'Equals', ['true'])),
    obj,
    false,
  ),
  c(
    'sessionCredentialFromConsole NotEquals true, absent',
    one('Data', f('sessionCredentialFromConsole', 'NotEquals', ['true'])),
    obj,
    true,
  ),
  c(
    'sessionCredentialFromConsole NotEquals true, console',
    one('Data', f('sessionCredentialFromConsole', 'NotEquals', ['true'])),
    { ...obj, sessionCredentialFromConsole: 'true' },
    false,
  ),
  // errorCode and vpcEndpointId (network activity)
  c(
    'errorCode Equals VpceAccessDenied',
    one('NetworkActivity', f('errorCode', 'Equals', ['VpceAccessDenied'])),
    network(),
    true,
  ),
  c(
    'errorCode Equals VpceAccessDenied, allowed call',
    one('NetworkActivity', f('errorCode', 'Equals', ['VpceAccessDenied'])),
    network({ errorCode: undefined }),
    false,
  ),
  c(
    'vpcEndpointId Equals',
    one('NetworkActivity', f('vpcEndpointId', 'Equals', ['vpce-0123456789abcdef0'])),
    network(),
    true,
  ),
  c(
    'vpcEndpointId StartsWith',
    one('NetworkActivity', f('vpcEndpointId', 'StartsWith', ['vpce-0123'])),
    network(),
    true,
  ),
  c('vpcEndpointId EndsWith', one('NetworkActivity', f('vpcEndpointId', 'EndsWith', ['ffff'])), network(), false),
  c(
    'vpcEndpointId NotEquals',
    one('NetworkActivity', f('vpcEndpointId', 'NotEquals', ['vpce-0123456789abcdef0'])),
    network(),
    false,
  ),
  c(
    'vpcEndpointId NotStartsWith',
    one('NetworkActivity', f('vpcEndpointId', 'NotStartsWith', ['vpce-9'])),
    network(),
    true,
  ),
  c('vpcEndpointId NotEndsWith', one('NetworkActivity', f('vpcEndpointId', 'NotEndsWith', ['ef0'])), network(), false),
  // Custom events (our extension: any operator on their fields)
  c(
    'custom eventSource Equals',
    one('ActivityAuditLog', f('eventSource', 'Equals', ['orders.example.com'])),
    custom(),
    true,
  ),
  c(
    'custom eventName NotStartsWith',
    one('ActivityAuditLog', f('eventName', 'NotStartsWith', ['Create'])),
    custom(),
    false,
  ),
  // Fields are ANDed; selectors are ORed
  c(
    'all fields must hold',
    one('Data', f('eventName', 'Equals', ['GetObject']), f('readOnly', 'Equals', ['false'])),
    obj,
    false,
  ),
  c(
    'every field holds',
    one('Data', f('eventName', 'Equals', ['GetObject']), f('resources.ARN', 'StartsWith', ['arn:aws:s3:::reports/'])),
    obj,
    true,
  ),
  c('any selector may select', [...one('Management'), ...one('Data')], obj, true),
  c(
    'no selector selects',
    [...one('Management', f('readOnly', 'Equals', ['true'])), ...one('NetworkActivity')],
    record(),
    false,
  ),
];

describe('advanced event selectors', () => {
  it.each(CASES)('$name', ({ selectors, record: r, matched }) => {
    const m = matcher(selectors);
    expect(m.matches(r)).toBe(matched);
    const why = m.explain(r);
    expect(why.matched).toBe(matched);
    expect(why.reasons.length).toBeGreaterThan(0);
  });

  it('explains the field that failed', () => {
    const m = matcher([
      {
        Name: 'Log reads of reports',
        FieldSelectors: [category('Data'), S3_OBJECTS, f('eventName', 'Equals', ['PutObject'])],
      },
    ]);
    expect(m.explain(obj)).toEqual({
      matched: false,
      reasons: ['AdvancedEventSelectors[0] (Log reads of reports): eventName GetObject does not satisfy the selector'],
    });
    expect(m.explain(put)).toEqual({
      matched: true,
      reasons: ['AdvancedEventSelectors[0] (Log reads of reports): every field selector is satisfied'],
    });
  });

  it('keeps the selectors as given, Name included', () => {
    const input = [{ Name: 'mgmt', FieldSelectors: [category('Management'), f('readOnly', 'Equals', ['true'])] }];
    expect(parseAdvancedEventSelectors(input)).toEqual(input);
  });
});

const INVALID: { name: string; input: unknown; message: string | RegExp }[] = [
  { name: 'an empty list', input: [], message: /at least one advanced event selector/ },
  {
    name: 'no field selectors',
    input: [{ FieldSelectors: [] }],
    message: 'AdvancedEventSelectors[0] must have at least one field selector.',
  },
  {
    name: 'no eventCategory',
    input: [{ FieldSelectors: [f('readOnly', 'Equals', ['true'])] }],
    message: 'AdvancedEventSelectors[0] must have an eventCategory field selector.',
  },
  {
    name: 'eventCategory StartsWith',
    input: [{ FieldSelectors: [f('eventCategory', 'StartsWith', ['Man'])] }],
    message: /eventCategory must use the Equals operator with exactly one value/,
  },
  {
    name: 'two categories',
    input: [{ FieldSelectors: [f('eventCategory', 'Equals', ['Management', 'Data'])] }],
    message: /exactly one value/,
  },
  { name: 'Insight category', input: one('Insight'), message: /eventCategory Insight is not valid for a trail/ },
  { name: 'ConfigurationItem category', input: one('ConfigurationItem'), message: /is not valid for a trail/ },
  {
    name: 'Data without resources.type',
    input: [{ FieldSelectors: [category('Data')] }],
    message: 'AdvancedEventSelectors[0]: Data selectors must have a resources.type field selector.',
  },
  {
    name: 'network without eventSource',
    input: [{ FieldSelectors: [category('NetworkActivity')] }],
    message: /NetworkActivity selectors must have a eventSource field selector/,
  },
  {
    name: 'network eventSource not a network source',
    input: one('NetworkActivity', f('eventSource', 'Equals', ['s3.amazonaws.com'])),
    message: /value s3.amazonaws.com is not valid for eventSource/,
  },
  {
    name: 'network eventSource NotEquals',
    input: one('NetworkActivity', f('eventSource', 'NotEquals', ['kms.amazonaws.com'])),
    message: /accepts only Equals, not NotEquals/,
  },
  {
    name: 'readOnly NotEquals',
    input: one('Management', f('readOnly', 'NotEquals', ['true'])),
    message: /the field readOnly of Management events accepts only Equals, not NotEquals/,
  },
  {
    name: 'readOnly yes',
    input: one('Management', f('readOnly', 'Equals', ['yes'])),
    message: /value yes is not valid for readOnly/,
  },
  {
    name: 'readOnly both values',
    input: one('Management', f('readOnly', 'Equals', ['true', 'false'])),
    message: /readOnly accepts at most 1 value; got 2/,
  },
  {
    name: 'management eventSource Equals',
    input: one('Management', f('eventSource', 'Equals', ['ec2.amazonaws.com'])),
    message: /accepts only NotEquals, not Equals/,
  },
  {
    name: 'management eventSource NotEquals s3',
    input: one('Management', f('eventSource', 'NotEquals', ['s3.amazonaws.com'])),
    message: /Valid values are kms.amazonaws.com, rdsdata.amazonaws.com/,
  },
  {
    name: 'management eventName',
    input: one('Management', f('eventName', 'Equals', ['RunInstances'])),
    message: /the field eventName is not valid for Management events/,
  },
  {
    name: 'unknown field',
    input: one('Data', f('awsRegion', 'Equals', ['us-east-1'])),
    message: /the field awsRegion is not valid for Data events/,
  },
  {
    name: 'resources.type StartsWith',
    input: [{ FieldSelectors: [category('Data'), f('resources.type', 'StartsWith', ['AWS::S3'])] }],
    message: /accepts only Equals, not StartsWith/,
  },
  {
    name: 'two resource types',
    input: [
      {
        FieldSelectors: [category('Data'), f('resources.type', 'Equals', ['AWS::S3::Object', 'AWS::Lambda::Function'])],
      },
    ],
    message: /resources.type accepts at most 1 value/,
  },
  {
    name: 'resource type not a type',
    input: [{ FieldSelectors: [category('Data'), f('resources.type', 'Equals', ['S3 objects'])] }],
    message: /not a resource type such as AWS::S3::Object/,
  },
  {
    name: 'resources.ARN Equals a prefix',
    input: one('Data', f('resources.ARN', 'Equals', ['reports/'])),
    message: /resources.ARN Equals needs a complete ARN/,
  },
  {
    name: 'errorCode other than VpceAccessDenied',
    input: one('NetworkActivity', f('errorCode', 'Equals', ['AccessDenied'])),
    message: /Valid values are VpceAccessDenied/,
  },
  {
    name: 'sessionCredentialFromConsole StartsWith',
    input: one('Data', f('sessionCredentialFromConsole', 'StartsWith', ['t'])),
    message: /accepts only Equals, NotEquals/,
  },
  {
    name: 'a field twice',
    input: one('Data', f('eventName', 'Equals', ['A']), f('eventName', 'Equals', ['B'])),
    message: /names the field eventName more than once/,
  },
  {
    name: 'no operator',
    input: [{ FieldSelectors: [category('Management'), { Field: 'readOnly' }] }],
    message: /\(readOnly\) needs at least one operator/,
  },
  {
    name: 'an empty operator list',
    input: [{ FieldSelectors: [category('Management'), { Field: 'readOnly', Equals: [] }] }],
    message: /Equals must not be an empty list/,
  },
  {
    name: 'an empty value',
    input: one('Data', f('eventName', 'Equals', [''])),
    message: /values must be 1 to 2048 characters long; got 0/,
  },
  {
    name: 'a value over 2048 characters',
    input: one('Data', f('eventName', 'Equals', ['x'.repeat(2049)])),
    message: /got 2049/,
  },
  {
    name: 'a field name with spaces',
    input: [{ FieldSelectors: [category('Management'), f('event name', 'Equals', ['x'])] }],
    message: /Field event name is not a valid field name/,
  },
  {
    name: 'no Field',
    input: [{ FieldSelectors: [{ Equals: ['x'] }] }],
    message: /FieldSelectors\[0\].Field is required/,
  },
  {
    name: 'a name over 1000 characters',
    input: [{ Name: 'n'.repeat(1001), FieldSelectors: [category('Management')] }],
    message: /Name is 1001 characters long; the maximum is 1000/,
  },
  {
    name: '501 condition values',
    input: [
      ...one(
        'Data',
        f(
          'eventName',
          'Equals',
          Array.from({ length: 498 }, (_, i) => `E${i}`),
        ),
      ),
      ...one('Management'),
    ],
    message:
      'Advanced event selectors can have at most 500 condition values across all selectors; the request has 501.',
  },
];

describe('advanced event selector validation', () => {
  it.each(INVALID)('refuses $name', ({ input, message }) => {
    expect(() => parseAdvancedEventSelectors(input)).toThrow(InvalidEventSelectorsError);
    expect(() => parseAdvancedEventSelectors(input)).toThrow(message);
  });

  it('accepts exactly 500 condition values', () => {
    const input = [
      ...one(
        'Data',
        f(
          'eventName',
          'Equals',
          Array.from({ length: 497 }, (_, i) => `E${i}`),
        ),
      ),
      ...one('Management'),
    ];
    expect(parseAdvancedEventSelectors(input)).toHaveLength(2);
  });

  it('answers wrong JSON types as shape errors', () => {
    expect(() => parseAdvancedEventSelectors({})).toThrow(SelectorShapeError);
    expect(() =>
      parseAdvancedEventSelectors([{ FieldSelectors: [{ Field: 'eventCategory', Equals: 'Data' }] }]),
    ).toThrow('AdvancedEventSelectors[0].FieldSelectors[0].Equals must be a list.');
  });
});
