import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lookupAttributesOf, lookupViewOf, usernameOf } from './attributes.js';
import type { CloudTrailRecord, UserIdentity } from './types.js';

// The team's shared fixtures live beside the repository, on every machine and in CI.
const STRATUS_DIR = resolve(import.meta.dirname, '../../../shared/fixtures/stratus-red-team-detonation-logs');

function rec(userIdentity: UserIdentity | undefined, extra: Partial<CloudTrailRecord> = {}): CloudTrailRecord {
  return {
    eventVersion: '1.11',
    eventTime: '2024-05-01T00:00:00Z',
    awsRegion: 'us-east-1',
    eventID: 'e',
    eventType: 'AwsApiCall',
    eventCategory: 'Management',
    recipientAccountId: '111111111111',
    ...(userIdentity ? { userIdentity } : {}),
    ...extra,
  };
}

describe('usernameOf', () => {
  it.each<[string, UserIdentity | undefined, string | null]>([
    ['an IAM user: userName', { type: 'IAMUser', userName: 'alice', principalId: 'AIDA1' }, 'alice'],
    [
      'an assumed role: the session name at the end of the ARN',
      {
        type: 'AssumedRole',
        principalId: 'AROA1:my-session',
        arn: 'arn:aws:sts::111111111111:assumed-role/MyRole/my-session',
        sessionContext: { sessionIssuer: { type: 'Role', userName: 'MyRole' } },
      },
      'my-session',
    ],
    [
      'an assumed role with a session name holding an @',
      { type: 'AssumedRole', arn: 'arn:aws:sts::111111111111:assumed-role/Admin/bob@example.com' },
      'bob@example.com',
    ],
    [
      'an assumed role with a path in the role name',
      { type: 'AssumedRole', arn: 'arn:aws:sts::111111111111:assumed-role/team/Admin/s1' },
      's1',
    ],
    [
      'an assumed role whose ARN has no slash: the session issuer',
      { type: 'AssumedRole', arn: 'weird', sessionContext: { sessionIssuer: { userName: 'MyRole' } } },
      'MyRole',
    ],
    [
      'userName wins over the assumed-role ARN',
      { type: 'AssumedRole', userName: 'explicit', arn: 'arn:aws:sts::1:assumed-role/R/s' },
      'explicit',
    ],
    [
      'an empty userName falls through to the ARN',
      { type: 'AssumedRole', userName: '', arn: 'arn:aws:sts::1:assumed-role/R/s' },
      's',
    ],
    [
      'a federated user: the session issuer',
      {
        type: 'FederatedUser',
        arn: 'arn:aws:sts::1:federated-user/bob',
        principalId: '1:bob',
        sessionContext: { sessionIssuer: { type: 'IAMUser', userName: 'alice' } },
      },
      'alice',
    ],
    ['root without alias: the principal ID', { type: 'Root', principalId: '111111111111' }, '111111111111'],
    ['root with an alias', { type: 'Root', userName: 'my-alias', principalId: '111111111111' }, 'my-alias'],
    ['an AWS service with nothing else', { type: 'AWSService', invokedBy: 'ec2.amazonaws.com' }, null],
    ['an empty principal ID', { type: 'Unknown', principalId: '' }, null],
    ['no userIdentity', undefined, null],
  ])('%s', (_name, ui, want) => {
    expect(usernameOf(rec(ui))).toBe(want);
  });

  it('gives the session name for every assumed-role record of the Stratus fixtures', () => {
    let checked = 0;
    for (const f of readdirSync(STRATUS_DIR).filter((n) => n.endsWith('.json'))) {
      for (const r of JSON.parse(readFileSync(join(STRATUS_DIR, f), 'utf8')) as CloudTrailRecord[]) {
        const ui = r.userIdentity!;
        if (ui.type === 'AssumedRole') {
          expect(usernameOf(r), f).toBe(ui.arn!.split('/').pop());
          checked++;
        } else if (ui.type === 'IAMUser') {
          expect(usernameOf(r), f).toBe(ui.userName);
        }
      }
    }
    expect(checked).toBe(68);
  });
});

describe('lookupAttributesOf', () => {
  it('derives every lookup attribute of a full record', () => {
    const r = rec(
      { type: 'IAMUser', userName: 'alice', accessKeyId: 'AKIA1' },
      {
        eventName: 'PutObject',
        eventSource: 's3.amazonaws.com',
        readOnly: false,
        resources: [
          { ARN: 'arn:aws:s3:::bucket', type: 'AWS::S3::Bucket' },
          { ARN: 'arn:aws:s3:::bucket/key', type: 'AWS::S3::Object', accountId: '1' },
        ],
      },
    );
    expect(lookupAttributesOf(r)).toEqual({
      eventName: 'PutObject',
      eventSource: 's3.amazonaws.com',
      awsRegion: 'us-east-1',
      eventCategory: 'Management',
      readOnly: false,
      username: 'alice',
      accessKeyId: 'AKIA1',
      resourceTypes: ['AWS::S3::Bucket', 'AWS::S3::Object'],
      resourceNames: ['arn:aws:s3:::bucket', 'arn:aws:s3:::bucket/key'],
    });
  });

  it('gives nulls and empty lists for a fragment', () => {
    const r = { eventVersion: '1.0', eventTime: 't', eventID: 'e', eventType: 'x' } as unknown as CloudTrailRecord;
    expect(lookupAttributesOf(r)).toEqual({
      eventName: null,
      eventSource: null,
      awsRegion: null,
      eventCategory: null,
      readOnly: null,
      username: null,
      accessKeyId: null,
      resourceTypes: [],
      resourceNames: [],
    });
  });

  it('skips resource members that are not strings and treats an empty access key as none', () => {
    const r = rec(
      { type: 'IAMUser', accessKeyId: '' },
      {
        resources: [
          { ARN: null, type: 'AWS::IAM::Role' },
          { ARN: 'arn:a' },
          {},
        ] as unknown as CloudTrailRecord['resources'],
        readOnly: true,
      },
    );
    const a = lookupAttributesOf(r);
    expect(a.resourceTypes).toEqual(['AWS::IAM::Role']);
    expect(a.resourceNames).toEqual(['arn:a']);
    expect(a.accessKeyId).toBeNull();
    expect(a.readOnly).toBe(true);
  });
});

describe('lookupViewOf', () => {
  const DOCS = resolve(import.meta.dirname, '../../../shared/fixtures/aws-docs-cloudtrail-examples/records.json');
  const fixtureRecords = [
    ...readdirSync(STRATUS_DIR)
      .filter((f) => f.endsWith('.json'))
      .flatMap((f) => JSON.parse(readFileSync(join(STRATUS_DIR, f), 'utf8')) as CloudTrailRecord[]),
    ...(JSON.parse(readFileSync(DOCS, 'utf8')) as { record: CloudTrailRecord }[]).map((d) => d.record),
  ];

  it('keeps what the lookup attributes of every fixture record come from', () => {
    expect(fixtureRecords.length).toBeGreaterThan(300);
    for (const r of fixtureRecords) {
      expect(lookupAttributesOf(lookupViewOf(r)), String(r.eventID)).toEqual(lookupAttributesOf(r));
    }
  });

  it('keeps insight names, resources, the session issuer and odd members as they are', () => {
    const r = rec(
      { type: 'AssumedRole', principalId: 'AROA1:s', sessionContext: { sessionIssuer: { userName: 'Issuer' } } },
      {
        insightDetails: { eventName: 'PutObject', eventSource: 's3.amazonaws.com', state: 'Start' },
        resources: [{ ARN: null, type: 'AWS::IAM::Role', accountId: '1' }] as unknown as CloudTrailRecord['resources'],
        readOnly: false,
      },
    );
    const view = lookupViewOf(r);
    expect(lookupAttributesOf(view)).toEqual(lookupAttributesOf(r));
    expect(view.insightDetails).toEqual({ eventName: 'PutObject', eventSource: 's3.amazonaws.com' });
    expect(view.resources).toEqual([{ ARN: null, type: 'AWS::IAM::Role' }]);
    expect(lookupAttributesOf(view).username).toBe('Issuer');
  });
});
