/**
 * Authentication and authorisation through a real server on a real database, called with the AWS
 * SDK and the SDK's own signer: inactive and deleted keys, custom policies and AWS's AccessDenied
 * wording, per-key throttling and the bound on failed authentications per source IP.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CloudTrailClient,
  DeleteChannelCommand,
  ListChannelsCommand,
  LookupEventsCommand,
} from '@aws-sdk/client-cloudtrail';
import type { FastifyInstance } from 'fastify';
import { removeDir, tempDir } from '../../test/helpers/embedded.js';
import { signedFetch } from '../../test/helpers/signed-fetch.js';
import type { AccessKeyRecord } from '../auth/key-store.js';
import type { RequestLimitsOptions } from '../auth/throttle.js';
import { openEmbedded, type EmbeddedRuntime } from '../cli/runtime.js';
import { accessDeniedMessage } from './authenticate.js';
import { buildApiServer } from './server.js';

const ACCOUNT = '123456789012';
/** A rate so low that no token comes back while a test runs: the limits are reached by count alone. */
const NO_REFILL = 0.000_001;

interface Running {
  url: string;
  rt: EmbeddedRuntime;
  app: FastifyInstance;
  dir: string;
}

const running: Running[] = [];

async function start(limits?: RequestLimitsOptions): Promise<Running> {
  const dir = tempDir();
  const rt = await openEmbedded(dir, { region: 'us-east-1', ...(limits ? { limits } : {}) });
  const app = await buildApiServer(rt);
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  const r = { url, rt, app, dir };
  running.push(r);
  return r;
}

afterAll(async () => {
  for (const r of running) {
    await r.app.close();
    await r.rt.close();
    removeDir(r.dir);
  }
});

function sdk(url: string, key: Pick<AccessKeyRecord, 'accessKeyId' | 'secretAccessKey'>): CloudTrailClient {
  return new CloudTrailClient({
    endpoint: url,
    region: 'us-east-1',
    credentials: { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey },
    // Throttling is retried by default; these tests want to see the first answer.
    maxAttempts: 1,
  });
}

/** The error an SDK call fails with (the test fails if it succeeds). */
async function sdkError(p: Promise<unknown>): Promise<{ name: string; message: string; status?: number }> {
  try {
    await p;
  } catch (err) {
    const e = err as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
    return { name: e.name, message: e.message, status: e.$metadata?.httpStatusCode };
  }
  throw new Error('expected the call to fail');
}

describe('key status', () => {
  let s: Running;
  beforeAll(async () => {
    s = await start();
  });

  it('an inactive key is refused as AWS refuses it, and works again once activated', async () => {
    await s.rt.keys.create(ACCOUNT); // the administrator, so the guard stays out of the way
    const key = await s.rt.keys.create(ACCOUNT, { policy: 'read-only', userName: 'alice' });
    const client = sdk(s.url, key);
    await client.send(new LookupEventsCommand({}));
    await s.rt.keys.setStatus(key.accessKeyId, 'Inactive');
    expect(await sdkError(client.send(new LookupEventsCommand({})))).toEqual({
      name: 'UnrecognizedClientException',
      message: 'The security token included in the request is invalid.',
      status: 400,
    });
    await s.rt.keys.setStatus(key.accessKeyId, 'Active');
    await client.send(new LookupEventsCommand({}));
  });

  it('a deleted key is refused like an unknown one', async () => {
    const key = await s.rt.keys.create(ACCOUNT, { policy: 'read-only', userName: 'bob' });
    const client = sdk(s.url, key);
    await client.send(new LookupEventsCommand({}));
    await s.rt.keys.delete(key.accessKeyId);
    expect(await sdkError(client.send(new LookupEventsCommand({})))).toMatchObject({
      name: 'UnrecognizedClientException',
      message: 'The security token included in the request is invalid.',
    });
  });

  it('a rotated key works at once; the old one stops when deactivated', async () => {
    const old = await s.rt.keys.create(ACCOUNT, { policy: 'read-only', userName: 'carol' });
    const { key } = await s.rt.keys.rotate(old.accessKeyId, { deactivateOld: true });
    await sdk(s.url, key).send(new LookupEventsCommand({}));
    expect((await sdkError(sdk(s.url, old).send(new LookupEventsCommand({})))).name).toBe(
      'UnrecognizedClientException',
    );
  });
});

describe('policies', () => {
  let s: Running;
  beforeAll(async () => {
    s = await start();
  });

  it('answers an action no statement allows with AWS’s implicit-deny wording', async () => {
    const key = await s.rt.keys.create(ACCOUNT, {
      userName: 'looker',
      policyDocument: {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: 'cloudtrail:lookupevents', Resource: '*' }],
      },
    });
    const client = sdk(s.url, key);
    await client.send(new LookupEventsCommand({}));
    expect(await sdkError(client.send(new ListChannelsCommand({})))).toEqual({
      name: 'AccessDeniedException',
      message: `User: arn:aws:iam::${ACCOUNT}:user/looker is not authorized to perform: cloudtrail:ListChannels because no identity-based policy allows the cloudtrail:ListChannels action`,
      status: 403,
    });
  });

  it('answers an explicitly denied action with the explicit-deny wording, whatever else allows it', async () => {
    const key = await s.rt.keys.create(ACCOUNT, {
      userName: 'nodelete',
      policyDocument: {
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Action: '*', Resource: '*' },
          { Effect: 'Deny', Action: ['cloudtrail:Delete*', 'cloudtrail:Stop*'], Resource: '*' },
        ],
      },
    });
    const client = sdk(s.url, key);
    await client.send(new ListChannelsCommand({}));
    expect(await sdkError(client.send(new DeleteChannelCommand({ Channel: 'x' })))).toEqual({
      name: 'AccessDeniedException',
      message: `User: arn:aws:iam::${ACCOUNT}:user/nodelete is not authorized to perform: cloudtrail:DeleteChannel with an explicit deny in an identity-based policy`,
      status: 403,
    });
  });

  it('NotAction: everything but the listed actions', async () => {
    const key = await s.rt.keys.create(ACCOUNT, {
      userName: 'notlist',
      policyDocument: {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', NotAction: 'cloudtrail:List*', Resource: '*' }],
      },
    });
    const client = sdk(s.url, key);
    await client.send(new LookupEventsCommand({}));
    expect((await sdkError(client.send(new ListChannelsCommand({})))).name).toBe('AccessDeniedException');
  });

  it('names the resource when there is one', () => {
    const arn = `arn:aws:cloudtrail:us-east-1:${ACCOUNT}:trail/main`;
    expect(accessDeniedMessage(`arn:aws:iam::${ACCOUNT}:user/alice`, 'cloudtrail:CreateTrail', arn, false)).toBe(
      `User: arn:aws:iam::${ACCOUNT}:user/alice is not authorized to perform: cloudtrail:CreateTrail on resource: ${arn} because no identity-based policy allows the cloudtrail:CreateTrail action`,
    );
    expect(accessDeniedMessage(`arn:aws:iam::${ACCOUNT}:user/alice`, 'cloudtrail:StopLogging', arn, true)).toBe(
      `User: arn:aws:iam::${ACCOUNT}:user/alice is not authorized to perform: cloudtrail:StopLogging on resource: ${arn} with an explicit deny in an identity-based policy`,
    );
  });
});

describe('throttling', () => {
  it('answers a key over its burst with ThrottlingException "Rate exceeded", other keys unaffected', async () => {
    const s = await start({ keyBurst: 3, keyRatePerSecond: NO_REFILL });
    const busy = await s.rt.keys.create(ACCOUNT);
    const calm = await s.rt.keys.create(ACCOUNT);
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await signedFetch(`${s.url}/v1/events`, busy)).status);
    expect(statuses).toEqual([200, 200, 200]);
    const refused = await signedFetch(`${s.url}/v1/events`, busy);
    expect(refused.status).toBe(400);
    expect(refused.json()).toEqual({ __type: 'ThrottlingException', message: 'Rate exceeded' });
    expect(refused.headers['x-amzn-requestid']).toBeTruthy();
    // The SDK sees AWS's throttling error (and would retry it with backoff by default).
    expect(await sdkError(sdk(s.url, busy).send(new LookupEventsCommand({})))).toEqual({
      name: 'ThrottlingException',
      message: 'Rate exceeded',
      status: 400,
    });
    expect((await signedFetch(`${s.url}/v1/events`, calm)).status).toBe(200);
  });

  it('bounds failed authentications per source IP without locking out correctly signed requests', async () => {
    const s = await start({ failedAuthBurst: 2, failedAuthRatePerSecond: NO_REFILL });
    const key = await s.rt.keys.create(ACCOUNT);
    const wrongSecret = { accessKeyId: key.accessKeyId, secretAccessKey: 'x'.repeat(40) };
    const unknown = { accessKeyId: 'AKIAUNKNOWNKEY000000', secretAccessKey: key.secretAccessKey };
    const codes: string[] = [];
    for (const creds of [wrongSecret, unknown, wrongSecret, unknown]) {
      codes.push(((await signedFetch(`${s.url}/v1/events`, creds)).json() as { __type: string }).__type);
    }
    expect(codes).toEqual([
      'InvalidSignatureException',
      'UnrecognizedClientException',
      'ThrottlingException',
      'ThrottlingException',
    ]);
    expect((await signedFetch(`${s.url}/v1/events`, key)).status).toBe(200);
  });
});
