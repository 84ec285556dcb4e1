import { afterEach, describe, expect, it } from 'vitest';
import type { Connection, WebhookConfig } from '../config.js';
import { startHttpReceiver, type HttpReceiver, type Reply } from '../test-support/http-receiver.js';
import { verifySignature } from './signature.js';
import { WebhookChannel } from './webhook-channel.js';

const ARN = 'arn:aws:events:us-east-1:123456789012:api-destination/hook/11111111-2222-3333-4444-555555555555';
const SECRET = 'webhook-signing-secret-0123456789';

function connection(over: Partial<Connection> = {}): Connection {
  return {
    connectionArn: 'arn:aws:events:us-east-1:123456789012:connection/conn/11111111-2222-3333-4444-555555555555',
    accountId: '123456789012',
    name: 'conn',
    authorizationType: 'NONE',
    authParameters: {},
    signingSecret: SECRET,
    connectionState: 'AUTHORIZED',
    createdAtMs: 0,
    lastModifiedAtMs: 0,
    ...over,
  };
}

function destination(url: string, over: Partial<WebhookConfig> = {}): WebhookConfig {
  return {
    kind: 'webhook',
    connectionArn: connection().connectionArn,
    invocationEndpoint: url,
    httpMethod: 'POST',
    invocationRateLimitPerSecond: 300,
    timeoutMs: 5000,
    ...over,
  };
}

const message = {
  id: 'msg-1',
  body: { 'detail-type': 'AWS API Call via CloudTrail', detail: { eventName: 'StopLogging' } },
};

let receiver: HttpReceiver | undefined;
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

async function receive(reply?: (n: number) => Reply): Promise<HttpReceiver> {
  receiver = await startHttpReceiver(reply ? (_r, n) => reply(n) : undefined);
  return receiver;
}

describe('WebhookChannel', () => {
  it('POSTs the JSON body once, signed, with the delivery id and attempt number', async () => {
    const r = await receive();
    const result = await new WebhookChannel(ARN, destination(`${r.url}/hook`), connection()).deliver(message, {
      attempt: 2,
    });
    expect(result).toEqual({ ok: true, status: 200 });
    expect(r.received).toHaveLength(1);
    const req = r.received[0]!;
    expect(req.method).toBe('POST');
    expect(req.url).toBe('/hook');
    expect(JSON.parse(req.body)).toEqual(message.body);
    expect(req.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(req.headers['x-opentrail-delivery-id']).toBe('msg-1');
    expect(req.headers['x-opentrail-attempt']).toBe('2');
    expect(verifySignature(SECRET, req.headers['x-opentrail-signature'] as string, req.body).valid).toBe(true);
  });

  it('sends the API key header, query and header parameters of the connection, and merges body parameters', async () => {
    const r = await receive();
    const conn = connection({
      authorizationType: 'API_KEY',
      authParameters: {
        ApiKeyAuthParameters: { ApiKeyName: 'X-Api-Key', ApiKeyValue: 'k-123' },
        InvocationHttpParameters: {
          HeaderParameters: [
            { Key: 'X-Team', Value: 'security' },
            { Key: 'X-Api-Key', Value: 'must-not-win' },
          ],
          QueryStringParameters: [{ Key: 'source', Value: 'opentrail' }],
          BodyParameters: [
            { Key: 'env', Value: 'prod' },
            { Key: 'detail-type', Value: 'must-not-win' },
          ],
        },
      },
    });
    await new WebhookChannel(ARN, destination(`${r.url}/in?x=1`, { httpMethod: 'PUT' }), conn).deliver(message);
    const req = r.received[0]!;
    expect(req.method).toBe('PUT');
    expect(req.url).toBe('/in?x=1&source=opentrail');
    expect(req.headers['x-api-key']).toBe('k-123');
    expect(req.headers['x-team']).toBe('security');
    expect(JSON.parse(req.body)).toEqual({ env: 'prod', ...message.body });
  });

  it('sends BASIC credentials, and a GET without a body', async () => {
    const r = await receive();
    const conn = connection({
      authorizationType: 'BASIC',
      authParameters: { BasicAuthParameters: { Username: 'u', Password: 'p:w' } },
    });
    await new WebhookChannel(ARN, destination(r.url, { httpMethod: 'GET' }), conn).deliver(message);
    const req = r.received[0]!;
    expect(req.headers.authorization).toBe(`Basic ${Buffer.from('u:p:w').toString('base64')}`);
    expect(req.method).toBe('GET');
    expect(req.body).toBe('');
    expect(verifySignature(SECRET, req.headers['x-opentrail-signature'] as string, '').valid).toBe(true);
  });

  it('sends a text body as text', async () => {
    const r = await receive();
    await new WebhookChannel(ARN, destination(r.url), connection()).deliver({ id: 'm', body: 'Root signed in' });
    expect(r.received[0]!.body).toBe('Root signed in');
    expect(r.received[0]!.headers['content-type']).toBe('text/plain; charset=utf-8');
  });

  it('classifies statuses as EventBridge does: 429, 5xx, 401, 409 retryable; 400, 404 and redirects final', async () => {
    const statuses = [429, 503, 401, 409, 400, 404, 302];
    const r = await receive((n): Reply => ({
      status: statuses[n - 1]!,
      body: `status ${statuses[n - 1]}`,
      headers: n === 1 ? { 'retry-after': '7' } : {},
    }));
    const channel = new WebhookChannel(ARN, destination(r.url), connection());
    const results = [];
    for (let i = 0; i < statuses.length; i++) results.push(await channel.deliver(message));
    expect(results.map((x) => (x.ok ? 'ok' : x.retryable))).toEqual([true, true, true, true, false, false, false]);
    expect(results[0]).toMatchObject({ ok: false, status: 429, retryAfterMs: 7000 });
    expect(results[4]).toMatchObject({ error: `webhook ${ARN}: POST ${r.url}/ answered HTTP 400: status 400` });
    expect(r.received).toHaveLength(statuses.length);
  });

  it('reports a refused connection and a timeout as retryable', async () => {
    const r = await receive(() => 'hang');
    const timedOut = await new WebhookChannel(ARN, destination(r.url, { timeoutMs: 50 }), connection()).deliver(
      message,
    );
    expect(timedOut).toEqual({
      ok: false,
      retryable: true,
      error: `webhook ${ARN}: POST ${r.url}/ timed out after 50 ms`,
    });
    const url = r.url;
    await r.close();
    receiver = undefined;
    const refused = await new WebhookChannel(ARN, destination(url), connection()).deliver(message);
    expect(refused).toMatchObject({
      ok: false,
      retryable: true,
      error: `webhook ${ARN}: POST ${url}/ failed: ECONNREFUSED`,
    });
  });

  it('keeps query-string credentials out of error messages', async () => {
    const r = await receive(() => ({ status: 500 }));
    const result = await new WebhookChannel(ARN, destination(`${r.url}/x?token=secret`), connection()).deliver(message);
    expect(result.ok).toBe(false);
    expect(JSON.stringify(result)).not.toContain('secret');
  });
});
