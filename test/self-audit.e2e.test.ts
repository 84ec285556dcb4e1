/**
 * Self-audit end to end: a real server records its own API calls — successful, refused and
 * failed-authentication ones — as CloudTrail events in the caller's account, and they come
 * back through LookupEvents like any other event.
 */
import { spawnSync } from 'node:child_process';
import {
  CloudTrailClient,
  CreateChannelCommand,
  InvalidMaxResultsException,
  LookupEventsCommand,
  type Event,
} from '@aws-sdk/client-cloudtrail';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, removeDir, startServer, type Credentials, type RunningServer } from './helpers/server.js';

const ACCOUNT_B = '555566667777';
let server: RunningServer;
let keyB: Credentials;

function client(creds: Pick<Credentials, 'accessKeyId' | 'secretAccessKey'>): CloudTrailClient {
  return new CloudTrailClient({
    endpoint: server.url,
    region: 'us-east-1',
    credentials: { accessKeyId: creds.accessKeyId, secretAccessKey: creds.secretAccessKey },
    maxAttempts: 1,
  });
}

/** The account's self-audit records of one operation, newest first; waits for read-only ones. */
async function auditOf(creds: Credentials, eventName: string, count = 1): Promise<Record<string, unknown>[]> {
  for (let attempt = 0; ; attempt++) {
    const out = await client(creds).send(
      new LookupEventsCommand({
        LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: eventName }],
        MaxResults: 50,
      }),
    );
    const records = (out.Events ?? [])
      .filter(
        (e: Event) => e.EventSource === 'cloudtrail.amazonaws.com' || e.EventSource === 'cloudtrail-data.amazonaws.com',
      )
      .map((e) => JSON.parse(e.CloudTrailEvent!) as Record<string, unknown>);
    if (records.length >= count || attempt >= 50) return records;
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  server = await startServer();
  const r = spawnSync(
    process.execPath,
    [BIN, 'keys', 'create', '--data-dir', server.dataDir, '--account', ACCOUNT_B, '--json'],
    { encoding: 'utf8' },
  );
  expect(r.status, r.stderr).toBe(0);
  keyB = JSON.parse(r.stdout) as Credentials;
});

afterAll(async () => {
  await server?.stop();
  if (server) removeDir(server.dataDir);
});

describe('self-audit', () => {
  it('records a mutating call before answering it, with identity, source, parameters and response', async () => {
    const out = await client(keyB).send(
      new CreateChannelCommand({ Name: 'audited', Source: 'Custom', Destinations: [] }),
    );
    const [rec] = await auditOf(keyB, 'CreateChannel');
    expect(rec).toMatchObject({
      eventSource: 'cloudtrail.amazonaws.com',
      eventName: 'CreateChannel',
      eventType: 'AwsApiCall',
      eventCategory: 'Management',
      managementEvent: true,
      readOnly: false,
      recipientAccountId: ACCOUNT_B,
      sourceIPAddress: '127.0.0.1',
      requestID: out.$metadata.requestId,
      userIdentity: { type: 'IAMUser', accountId: ACCOUNT_B, accessKeyId: keyB.accessKeyId },
      requestParameters: { name: 'audited', source: 'Custom' },
      responseElements: { channelArn: out.ChannelArn, name: 'audited' },
    });
    expect(String(rec!.userAgent)).toMatch(/aws-sdk-js/);
    expect((rec!.userIdentity as { arn: string }).arn).toMatch(/^arn:aws:iam::555566667777:user\//);
    expect(rec).not.toHaveProperty('errorCode');
  });

  it('records read-only calls (LookupEvents itself) with readOnly true and no response', async () => {
    await client(keyB).send(
      new LookupEventsCommand({ LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'Nothing' }] }),
    );
    const records = await auditOf(keyB, 'LookupEvents', 2);
    const rec = records.find(
      (r) =>
        JSON.stringify(r.requestParameters) ===
        JSON.stringify({ lookupAttributes: [{ attributeKey: 'EventName', attributeValue: 'Nothing' }] }),
    );
    expect(rec).toMatchObject({ readOnly: true, responseElements: null, eventName: 'LookupEvents' });
  });

  it('records a refused call with AWS’s error code and message', async () => {
    const err = await client(keyB)
      .send(new LookupEventsCommand({ MaxResults: 500 }))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidMaxResultsException);
    const records = await auditOf(keyB, 'LookupEvents', 3);
    const rec = records.find((r) => r.errorCode === 'InvalidMaxResultsException');
    expect(rec).toMatchObject({ requestParameters: { maxResults: 500 }, responseElements: null });
    expect(String(rec!.errorMessage)).toMatch(/MaxResults/);
  });

  it('records a failed authentication in the account that owns the key, without any secret', async () => {
    const forged = { accessKeyId: keyB.accessKeyId, secretAccessKey: 'not-the-secret-' + 'x'.repeat(25) };
    const err = await client(forged)
      .send(new CreateChannelCommand({ Name: 'forged', Source: 'Custom', Destinations: [] }))
      .catch((e: unknown) => e as Error);
    expect((err as Error).name).toBe('InvalidSignatureException');
    const [rec] = await auditOf(keyB, 'CreateChannel', 2).then((rs) => rs.filter((r) => r.errorCode));
    expect(rec).toMatchObject({
      errorCode: 'InvalidSignatureException',
      userIdentity: { type: 'IAMUser', accountId: ACCOUNT_B, accessKeyId: keyB.accessKeyId },
      requestParameters: null,
    });
    const all = JSON.stringify(await auditOf(keyB, 'CreateChannel', 2));
    expect(all).not.toContain(keyB.secretAccessKey);
    expect(all).not.toContain(forged.secretAccessKey);
  });

  it('keeps one account’s audit records out of another account’s history', async () => {
    const ofAdmin = await auditOf(server.admin, 'CreateChannel', 0);
    expect(ofAdmin).toEqual([]);
    const ofB = await auditOf(keyB, 'LookupEvents', 1);
    expect(ofB.every((r) => r.recipientAccountId === ACCOUNT_B)).toBe(true);
  });

  it('logs an unknown key on the server without recording it anywhere, and keeps serving', async () => {
    const err = await client({ accessKeyId: 'AKIAUNKNOWNKEY000000', secretAccessKey: 's'.repeat(40) })
      .send(new LookupEventsCommand({}))
      .catch((e: unknown) => e as Error);
    expect((err as Error).name).toBe('UnrecognizedClientException');
    expect(server.output()).not.toContain('s'.repeat(40));
    const ok = await client(keyB).send(new LookupEventsCommand({ MaxResults: 1 }));
    expect(ok.Events?.length).toBe(1);
  });
});
