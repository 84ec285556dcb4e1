import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeDir, startServer, type RunningServer } from './helpers/server.js';
import { aws, python } from './helpers/aws-cli.js';
import { signedFetch } from './helpers/signed-fetch.js';

let server: RunningServer;
let channelArn: string;

function eventData(uid: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    version: '1.0',
    userIdentity: { type: 'CustomUser', principalId: 'alice', details: { team: 'payments' } },
    eventSource: 'orders.example.com',
    eventName: 'CancelOrder',
    eventTime: '2026-11-20T10:00:00Z',
    UID: uid,
    requestParameters: { orderId: uid },
    additionalEventData: { reason: 'customer request' },
    ...extra,
  });
}

async function lookup(query: string): Promise<Record<string, unknown>[]> {
  const r = await signedFetch(`${server.url}/v1/events?${query}`, server.admin);
  expect(r.status).toBe(200);
  return (r.json() as { events: Record<string, unknown>[] }).events;
}

beforeAll(async () => {
  server = await startServer();
  channelArn = `arn:aws:cloudtrail:us-east-1:${server.admin.accountId}:channel/default`;
});

afterAll(async () => {
  await server?.stop();
  removeDir(server.dataDir);
});

describe('PutAuditEvents with the AWS CLI v1', () => {
  it('stores valid events and reports invalid ones per entry', () => {
    const entries = [
      { id: 'ok-1', eventData: eventData('cli-uid-1') },
      { id: 'bad-json', eventData: '{not json' },
      { id: 'no-uid', eventData: JSON.stringify({ ...JSON.parse(eventData('x')), UID: undefined }) },
      { id: 'ok-2', eventData: eventData('cli-uid-2') },
    ];
    const r = aws(server.url, server.admin, [
      'cloudtrail-data',
      'put-audit-events',
      '--channel-arn',
      channelArn,
      '--audit-events',
      JSON.stringify(entries),
    ]);
    expect(r.status, r.stderr).toBe(0);
    const out = r.json() as {
      successful: { id: string; eventID: string }[];
      failed: { id: string; errorCode: string; errorMessage: string }[];
    };
    expect(out.successful.map((s) => s.id)).toEqual(['ok-1', 'ok-2']);
    for (const s of out.successful) expect(s.eventID).toMatch(/^[0-9a-f-]{36}$/);
    expect(out.failed).toEqual([
      { id: 'bad-json', errorCode: 'InvalidData', errorMessage: expect.stringContaining('not valid JSON') },
      { id: 'no-uid', errorCode: 'FieldNotFound', errorMessage: 'eventData.UID is required' },
    ]);
  });

  it('stores one ordinary CloudTrail record with eventData at the top level', async () => {
    const [e] = await lookup(
      'eventId=' +
        encodeURIComponent(
          (await lookup('eventName=CancelOrder')).find((x) => x.UID === 'cli-uid-1')!.eventID as string,
        ),
    );
    expect(e).toMatchObject({
      eventVersion: expect.any(String),
      userIdentity: { type: 'CustomUser', principalId: 'alice', details: { team: 'payments' } },
      eventSource: 'orders.example.com',
      eventName: 'CancelOrder',
      eventTime: '2026-11-20T10:00:00Z',
      UID: 'cli-uid-1',
      version: '1.0',
      requestParameters: { orderId: 'cli-uid-1' },
      additionalEventData: { reason: 'customer request' },
      eventCategory: 'ActivityAuditLog',
      eventType: 'ActivityLog',
      awsRegion: 'us-east-1',
      recipientAccountId: server.admin.accountId,
      metadata: { channelARN: channelArn, ingestionTime: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/) },
    });
  });

  it('refuses a channel that does not exist, and one of another account', () => {
    const missing = aws(server.url, server.admin, [
      'cloudtrail-data',
      'put-audit-events',
      '--channel-arn',
      channelArn.replace('channel/default', 'channel/nope'),
      '--audit-events',
      JSON.stringify([{ id: '1', eventData: eventData('u') }]),
    ]);
    expect(missing.status).not.toBe(0);
    expect(missing.stderr).toContain('(ChannelNotFound)');
    const other = aws(server.url, server.admin, [
      'cloudtrail-data',
      'put-audit-events',
      '--channel-arn',
      'arn:aws:cloudtrail:us-east-1:999999999999:channel/default',
      '--audit-events',
      JSON.stringify([{ id: '1', eventData: eventData('u') }]),
    ]);
    expect(other.stderr).toContain('(ChannelInsufficientPermission)');
  });

  it('manages channels with the CloudTrail API', () => {
    const created = aws(server.url, server.admin, [
      'cloudtrail',
      'create-channel',
      '--name',
      'payments',
      '--source',
      'Custom',
      '--destinations',
      'Type=EVENT_DATA_STORE,Location=opentrail',
    ]);
    expect(created.status, created.stderr).toBe(0);
    const arn = (created.json() as { ChannelArn: string }).ChannelArn;
    expect(arn).toMatch(new RegExp(`^arn:aws:cloudtrail:us-east-1:${server.admin.accountId}:channel/[0-9a-f-]{36}$`));
    const again = aws(server.url, server.admin, [
      'cloudtrail',
      'create-channel',
      '--name',
      'payments',
      '--source',
      'Custom',
      '--destinations',
      'Type=EVENT_DATA_STORE,Location=opentrail',
    ]);
    expect(again.stderr).toContain('(ChannelAlreadyExistsException)');
    const list = aws(server.url, server.admin, ['cloudtrail', 'list-channels']).json() as {
      Channels: { Name: string }[];
    };
    expect(list.Channels.map((c) => c.Name)).toEqual(['default', 'payments']);
    const got = aws(server.url, server.admin, ['cloudtrail', 'get-channel', '--channel', arn]).json() as {
      Name: string;
      Source: string;
    };
    expect(got).toMatchObject({ Name: 'payments', Source: 'Custom' });
    const put = aws(server.url, server.admin, [
      'cloudtrail-data',
      'put-audit-events',
      '--channel-arn',
      arn,
      '--audit-events',
      JSON.stringify([{ id: 'p1', eventData: eventData('on-payments') }]),
    ]);
    expect((put.json() as { successful: unknown[] }).successful).toHaveLength(1);
    expect(aws(server.url, server.admin, ['cloudtrail', 'delete-channel', '--channel', arn]).status).toBe(0);
    const gone = aws(server.url, server.admin, ['cloudtrail', 'get-channel', '--channel', arn]);
    expect(gone.stderr).toContain('(ChannelNotFoundException)');
    const def = aws(server.url, server.admin, ['cloudtrail', 'delete-channel', '--channel', 'default']);
    expect(def.stderr).toContain('(InvalidParameterException)');
  });

  it('answers a wrong secret and an unknown key with the AWS errors', () => {
    const args = [
      'cloudtrail-data',
      'put-audit-events',
      '--channel-arn',
      channelArn,
      '--audit-events',
      JSON.stringify([{ id: '1', eventData: eventData('u') }]),
    ];
    const wrong = aws(server.url, { ...server.admin, secretAccessKey: 'x'.repeat(40) }, args);
    expect(wrong.stderr).toContain('(InvalidSignatureException)');
    const unknown = aws(server.url, { accessKeyId: 'AKIAAAAAAAAAAAAAAAAA', secretAccessKey: 'x'.repeat(40) }, args);
    expect(unknown.stderr).toContain('(UnrecognizedClientException)');
  });
});

describe('PutAuditEvents with boto3', () => {
  it('stores a full batch of 100, idempotently on UID', async () => {
    const code = `
import boto3, json
c = boto3.client('cloudtrail-data', endpoint_url=ENDPOINT)
events = [{'id': f'e{i}', 'eventData': json.dumps({'version': '1.0', 'userIdentity': {'type': 'CustomUser', 'principalId': 'bob'}, 'eventSource': 'boto.example.com', 'eventName': 'Batch', 'eventTime': '2026-11-21T00:00:00Z', 'UID': f'boto-{i}'})} for i in range(100)]
r1 = c.put_audit_events(channelArn=${JSON.stringify(channelArn)}, auditEvents=events)
r2 = c.put_audit_events(channelArn=${JSON.stringify(channelArn)}, auditEvents=events)
print(json.dumps({'s1': r1['successful'], 'f1': r1['failed'], 's2': r2['successful']}))
`;
    const r = python(server.url, server.admin, code);
    expect(r.status, r.stderr).toBe(0);
    const out = r.json() as {
      s1: { id: string; eventID: string }[];
      f1: unknown[];
      s2: { id: string; eventID: string }[];
    };
    expect(out.s1).toHaveLength(100);
    expect(out.f1).toEqual([]);
    // A retried call names the same events: the same eventIDs, and nothing stored twice.
    expect(out.s2.map((s) => s.eventID)).toEqual(out.s1.map((s) => s.eventID));
    const stored = await lookup('eventSource=boto.example.com&limit=1000');
    expect(stored).toHaveLength(100);
  });

  it('checks eventDataChecksum', () => {
    const data = eventData('checked');
    const good = createHash('sha256').update(data).digest('base64');
    const code = `
import boto3, json
c = boto3.client('cloudtrail-data', endpoint_url=ENDPOINT)
r = c.put_audit_events(channelArn=${JSON.stringify(channelArn)}, auditEvents=[
  {'id': 'good', 'eventData': ${JSON.stringify(data)}, 'eventDataChecksum': ${JSON.stringify(good)}},
  {'id': 'bad', 'eventData': ${JSON.stringify(data)}, 'eventDataChecksum': 'AAAA'}])
print(json.dumps({'s': r['successful'], 'f': r['failed']}))
`;
    const r = python(server.url, server.admin, code);
    expect(r.status, r.stderr).toBe(0);
    const out = r.json() as { s: { id: string }[]; f: { id: string; errorCode: string }[] };
    expect(out.s.map((s) => s.id)).toEqual(['good']);
    expect(out.f).toMatchObject([{ id: 'bad', errorCode: 'InvalidChecksum' }]);
  });

  it('refuses more than 100 events, duplicate ids and a body over 1 MB', () => {
    const code = `
import boto3, json, botocore.config
c = boto3.client('cloudtrail-data', endpoint_url=ENDPOINT, config=botocore.config.Config(parameter_validation=False, retries={'max_attempts': 1}))
def call(events):
    try:
        c.put_audit_events(channelArn=${JSON.stringify(channelArn)}, auditEvents=events)
        return 'ok'
    except c.exceptions.ClientError as e:
        return e.response['Error']['Code']
ev = lambda i, size=10: {'id': f'x{i}', 'eventData': json.dumps({'pad': 'p' * size})}
print(json.dumps([call([ev(i) for i in range(101)]), call([ev(1), ev(1)]), call([ev(i, 200000) for i in range(6)]), call([])]))
`;
    const r = python(server.url, server.admin, code);
    expect(r.status, r.stderr).toBe(0);
    expect(r.json()).toEqual([
      'ValidationException',
      'DuplicatedAuditEventId',
      expect.stringMatching(/ValidationException|RequestEntityTooLargeException/),
      'ValidationException',
    ]);
  });
});
