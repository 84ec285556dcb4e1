import { describe, expect, it } from 'vitest';
import { normalizeRecord } from '../event/normalize.js';
import { pino } from 'pino';
import { embeddedPerTest } from '../../test/helpers/embedded.js';
import { SelfAudit, auditRecord, lowerCamelMembers, type AuditedCall } from './self-audit.js';

const call = (extra: Partial<AuditedCall> = {}): AuditedCall => ({
  eventSource: 'cloudtrail.amazonaws.com',
  eventName: 'StopLogging',
  readOnly: false,
  identity: { accountId: '123456789012', accessKeyId: 'AKIAEXAMPLE000000001', userName: 'alice' },
  sourceIp: '198.51.100.7',
  userAgent: 'aws-cli/1.45',
  requestId: 'req-1',
  region: 'eu-west-1',
  timeMs: Date.UTC(2026, 11, 1, 10, 0, 0, 250),
  request: { Name: 'arn:aws:cloudtrail:eu-west-1:123456789012:trail/main' },
  response: {},
  ...extra,
});

describe('lowerCamelMembers', () => {
  it('spells members as CloudTrail records them, recursively, and drops pagination state', () => {
    expect(
      lowerCamelMembers({
        LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'X' }],
        MaxResults: 5,
        NextToken: 'abc',
      }),
    ).toEqual({ lookupAttributes: [{ attributeKey: 'EventName', attributeValue: 'X' }], maxResults: 5 });
  });

  it('hides secrets by member name, at any depth', () => {
    const out = JSON.stringify(
      lowerCamelMembers({
        AuthParameters: { ApiKeyAuthParameters: { ApiKeyName: 'x-key', ApiKeyValue: 'sekrit' } },
        BasicAuthParameters: { Username: 'u', Password: 'hunter2' },
        SecretAccessKey: 'wJalr',
      }),
    );
    for (const secret of ['sekrit', 'hunter2', 'wJalr']) expect(out).not.toContain(secret);
    expect(out).toContain('x-key');
    expect(out).toContain('HIDDEN_DUE_TO_SECURITY_REASONS');
  });
});

describe('auditRecord', () => {
  it('is a CloudTrail management event of the caller, accepted by normalisation unchanged', () => {
    const rec = auditRecord(call());
    expect(rec).toMatchObject({
      eventVersion: '1.11',
      eventTime: '2026-12-01T10:00:00Z',
      eventSource: 'cloudtrail.amazonaws.com',
      eventName: 'StopLogging',
      awsRegion: 'eu-west-1',
      sourceIPAddress: '198.51.100.7',
      userAgent: 'aws-cli/1.45',
      requestParameters: { name: 'arn:aws:cloudtrail:eu-west-1:123456789012:trail/main' },
      responseElements: {},
      requestID: 'req-1',
      readOnly: false,
      eventType: 'AwsApiCall',
      managementEvent: true,
      recipientAccountId: '123456789012',
      eventCategory: 'Management',
      userIdentity: {
        type: 'IAMUser',
        arn: 'arn:aws:iam::123456789012:user/alice',
        accountId: '123456789012',
        accessKeyId: 'AKIAEXAMPLE000000001',
        userName: 'alice',
      },
    });
    expect((rec.userIdentity as { principalId: string }).principalId).toMatch(/^AIDA[0-9A-Z]{17}$/);
    const n = normalizeRecord(structuredClone(rec), {
      accountId: '123456789012',
      region: 'eu-west-1',
      receivedAtMs: 0,
      profile: 'api',
      enforceRecipient: true,
    });
    expect(n.ok && n.event.record).toEqual(rec);
  });

  it('gives one principal the same principalId every time, and two principals different ones', () => {
    const id = (userName: string) =>
      (auditRecord(call({ identity: { ...call().identity, userName } })).userIdentity as { principalId: string })
        .principalId;
    expect(id('alice')).toBe(id('alice'));
    expect(id('alice')).not.toBe(id('bob'));
  });

  it('records the error and no response for a failed call; no user for an unproven identity', () => {
    const rec = auditRecord(
      call({
        identity: { accountId: '123456789012', accessKeyId: 'AKIAEXAMPLE000000001' },
        request: undefined,
        errorCode: 'InvalidSignatureException',
        errorMessage: 'The request signature we calculated does not match',
      }),
    );
    expect(rec).toMatchObject({
      errorCode: 'InvalidSignatureException',
      requestParameters: null,
      responseElements: null,
    });
    expect(rec.userIdentity).toEqual({
      type: 'IAMUser',
      accountId: '123456789012',
      accessKeyId: 'AKIAEXAMPLE000000001',
    });
  });

  it('records read-only calls without their response, and bounds huge parameters', () => {
    expect(auditRecord(call({ readOnly: true, response: { Events: [1, 2] } })).responseElements).toBeNull();
    const big = auditRecord(call({ request: { Blob: 'x'.repeat(200_000) } }));
    expect(JSON.stringify(big.requestParameters).length).toBeLessThan(200);
  });
});

describe('SelfAudit', () => {
  const embedded = embeddedPerTest();
  const silent = pino({ level: 'silent' });

  it('appends the records of read-only calls together, and a mutating call’s at once with them', async () => {
    const e = await embedded.open();
    const audit = new SelfAudit(e.ingestor, silent);
    const reads = [1, 2, 3].map((i) =>
      audit.record(call({ eventName: 'LookupEvents', readOnly: true, requestId: `r${i}` })),
    );
    // Nothing is appended while read-only records gather.
    expect(e.log.counters().commits).toBe(0);
    await audit.record(call({ requestId: 'w1' }));
    await Promise.all(reads);
    // One append of all four, in the order the calls were made.
    expect(e.log.counters()).toMatchObject({ commits: 1, appended: 4 });
    const logged = await e.log.read(0, 10);
    expect(logged.map((x) => (JSON.parse(x.json) as { requestID: string }).requestID)).toEqual([
      'r1',
      'r2',
      'r3',
      'w1',
    ]);
    expect(audit.counters()).toEqual({ recorded: 4, failed: 0 });
  });

  it('appends gathered read-only records on its own after a moment, and on close', async () => {
    const e = await embedded.open();
    const audit = new SelfAudit(e.ingestor, silent);
    await audit.record(call({ eventName: 'LookupEvents', readOnly: true, requestId: 'alone' }));
    expect(e.log.counters().appended).toBe(1);
    void audit.record(call({ eventName: 'GetTrail', readOnly: true, requestId: 'last' }));
    await audit.close();
    expect(e.log.counters().appended).toBe(2);
  });
});
