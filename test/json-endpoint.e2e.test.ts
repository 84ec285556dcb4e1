import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, removeDir, startServer, type Credentials, type RunningServer } from './helpers/server.js';
import { signedFetch } from './helpers/signed-fetch.js';

let server: RunningServer;

function curl(creds: Credentials, args: string[]): { status: number | null; body: string } {
  const r = spawnSync(
    'curl',
    [
      '-s',
      '--aws-sigv4',
      'aws:amz:us-east-1:opentrail',
      '--user',
      `${creds.accessKeyId}:${creds.secretAccessKey}`,
      ...args,
    ],
    { encoding: 'utf8', timeout: 30_000 },
  );
  return { status: r.status, body: r.stdout };
}

function post(body: string | Buffer, creds: Credentials = server.admin) {
  return signedFetch(`${server.url}/v1/events`, creds, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json' },
  });
}

function createKey(account: string, policy: string): Credentials {
  const r = spawnSync(
    process.execPath,
    [BIN, 'keys', 'create', '--data-dir', server.dataDir, '--account', account, '--policy', policy, '--json'],
    {
      encoding: 'utf8',
    },
  );
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Credentials;
}

const record = (name: string, extra: Record<string, unknown> = {}) => ({
  eventSource: 'orders.example.com',
  eventName: name,
  userIdentity: { type: 'IAMUser', userName: 'alice' },
  ...extra,
});

beforeAll(async () => {
  server = await startServer();
});

afterAll(async () => {
  await server?.stop();
  removeDir(server.dataDir);
});

describe('POST /v1/events', () => {
  it('takes one record from curl --aws-sigv4, as the README shows', async () => {
    const r = curl(server.admin, [
      '-H',
      'content-type: application/json',
      `${server.url}/v1/events`,
      '-d',
      JSON.stringify(record('CurlOne')),
    ]);
    expect(r.status).toBe(0);
    const out = JSON.parse(r.body) as {
      successful: { id: string; eventID: string; status: string }[];
      failed: unknown[];
    };
    expect(out.failed).toEqual([]);
    expect(out.successful).toEqual([{ id: '0', eventID: expect.stringMatching(/^[0-9a-f-]{36}$/), status: 'stored' }]);
    const look = curl(server.admin, [`${server.url}/v1/events?eventName=CurlOne`]);
    const events = (JSON.parse(look.body) as { events: Record<string, unknown>[] }).events;
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      eventID: out.successful[0]!.eventID,
      eventVersion: '1.11',
      eventType: 'AwsApiCall',
      eventCategory: 'Management',
      managementEvent: true,
      readOnly: false,
      recipientAccountId: server.admin.accountId,
      awsRegion: 'us-east-1',
      eventTime: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
    });
  });

  it('takes an array and a {"Records": [...]} body, with per-event results', async () => {
    const arr = await post(JSON.stringify([record('ArrOne'), { eventName: 'NoSource' }, record('GetThing')]));
    expect(arr.status).toBe(200);
    const a = arr.json() as {
      successful: { id: string }[];
      failed: { id: string; errorCode: string; errorMessage: string }[];
    };
    expect(a.successful.map((s) => s.id)).toEqual(['0', '2']);
    expect(a.failed).toEqual([
      { id: '1', errorCode: 'FieldNotFound', errorMessage: expect.stringContaining('eventSource is required') },
    ]);
    const rec = await post(
      JSON.stringify({
        Records: [record('RecOne', { eventTime: 'yesterday' }), record('RecTwo', { eventTime: 1700000000 })],
      }),
    );
    const b = rec.json() as { successful: { id: string }[]; failed: { id: string; errorCode: string }[] };
    expect(b.failed).toMatchObject([{ id: '0', errorCode: 'InvalidData' }]);
    expect(b.successful.map((s) => s.id)).toEqual(['1']);
    const two = (await signedFetch(`${server.url}/v1/events?eventName=RecTwo`, server.admin)).json() as {
      events: { eventTime: string }[];
    };
    expect(two.events[0]!.eventTime).toBe('2023-11-14T22:13:20Z');
    const [got] = (
      (await signedFetch(`${server.url}/v1/events?eventName=GetThing`, server.admin)).json() as {
        events: { readOnly: boolean }[];
      }
    ).events;
    expect(got!.readOnly).toBe(true);
  });

  it('stores an event sent twice once', async () => {
    const body = JSON.stringify(record('Twice', { eventID: 'b1f0c0de-0000-4000-8000-000000000001' }));
    const first = (await post(body)).json() as { successful: { status: string }[] };
    const second = (await post(body)).json() as { successful: { status: string }[] };
    expect(first.successful[0]!.status).toBe('stored');
    expect(second.successful[0]!.status).toBe('duplicate');
    const events = (
      (await signedFetch(`${server.url}/v1/events?eventName=Twice`, server.admin)).json() as { events: unknown[] }
    ).events;
    expect(events).toHaveLength(1);
  });

  it('answers bad requests with AWS-shaped errors and keeps serving', async () => {
    const malformed = await post('{"eventName": ');
    expect(malformed.status).toBe(400);
    expect(malformed.json()).toMatchObject({
      __type: 'SerializationException',
      message: expect.stringContaining('not valid JSON'),
    });
    expect(malformed.headers['x-amzn-requestid']).toMatch(/^[0-9a-f-]{36}$/);
    const badUtf8 = await post(Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0x22, 0x7d]));
    expect(badUtf8.json()).toMatchObject({
      __type: 'SerializationException',
      message: expect.stringContaining('UTF-8'),
    });
    const empty = await post('[]');
    expect(empty.json()).toMatchObject({ __type: 'ValidationException' });
    const huge = await post(
      JSON.stringify([record('Big', { requestParameters: { blob: 'x'.repeat(300 * 1024) } }), record('Small')]),
    );
    const h = huge.json() as { successful: { id: string }[]; failed: { id: string; errorCode: string }[] };
    expect(h.failed).toMatchObject([{ id: '0', errorCode: 'FieldTooLong' }]);
    expect(h.successful.map((s) => s.id)).toEqual(['1']);
    // curl, because it waits for the server's answer (Expect: 100-continue) where Node's client
    // races the early 413 with its own write.
    const bigFile = join(server.dataDir, 'big.json');
    writeFileSync(bigFile, JSON.stringify([{ pad: 'x'.repeat(7 * 1024 * 1024) }]));
    const tooLarge = curl(server.admin, [
      '-H',
      'content-type: application/json',
      '--data-binary',
      `@${bigFile}`,
      `${server.url}/v1/events`,
    ]);
    expect(JSON.parse(tooLarge.body)).toMatchObject({ __type: 'RequestEntityTooLargeException' });
    const unsigned = await fetch(`${server.url}/v1/events`, { method: 'POST', body: '{}' });
    expect(await unsigned.json()).toMatchObject({ __type: 'MissingAuthenticationTokenException' });
    const wrongType = await signedFetch(server.url + '/', server.admin, {
      method: 'POST',
      body: '{}',
      service: 'cloudtrail',
      headers: { 'x-amz-target': 'CloudTrail_20131101.NoSuchThing', 'content-type': 'application/x-amz-json-1.1' },
    });
    expect(wrongType.json()).toMatchObject({ __type: 'UnknownOperationException' });
    expect((await signedFetch(`${server.url}/v1/events?limit=1`, server.admin)).status).toBe(200);
  });
});

describe('accounts and policies', () => {
  it('keeps every account to its own events', async () => {
    const other = createKey('222233334444', 'administrator');
    const mine = await post(JSON.stringify(record('OnlyMine')));
    expect(mine.status).toBe(200);
    const theirs = await post(JSON.stringify(record('OnlyTheirs')), other);
    expect(theirs.status).toBe(200);
    const seenByOther = (await signedFetch(`${server.url}/v1/events?limit=1000`, other)).json() as {
      events: { recipientAccountId: string; eventName: string }[];
    };
    expect(seenByOther.events.map((e) => e.eventName)).toEqual(['OnlyTheirs']);
    const seenByMe = (await signedFetch(`${server.url}/v1/events?limit=1000`, server.admin)).json() as {
      events: { recipientAccountId: string }[];
    };
    expect(seenByMe.events.length).toBeGreaterThan(1);
    expect(new Set(seenByMe.events.map((e) => e.recipientAccountId))).toEqual(new Set([server.admin.accountId]));
    // Writing into another account is refused per event.
    const into = (await post(JSON.stringify(record('Sneaky', { recipientAccountId: '222233334444' })))).json() as {
      failed: { errorCode: string }[];
    };
    expect(into.failed).toMatchObject([{ errorCode: 'InvalidRecipient' }]);
  });

  it('lets an event-writer key write but not read, and a read-only key read but not write', async () => {
    const writer = createKey(server.admin.accountId, 'event-writer');
    const reader = createKey(server.admin.accountId, 'read-only');
    expect((await post(JSON.stringify(record('ByWriter')), writer)).status).toBe(200);
    const denied = await signedFetch(`${server.url}/v1/events`, writer);
    expect(denied.json()).toMatchObject({ __type: 'AccessDeniedException' });
    expect((await signedFetch(`${server.url}/v1/events?eventName=ByWriter`, reader)).status).toBe(200);
    expect((await post(JSON.stringify(record('ByReader')), reader)).json()).toMatchObject({
      __type: 'AccessDeniedException',
    });
  });
});
