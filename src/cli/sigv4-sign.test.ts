import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { describe, expect, it } from 'vitest';
import { verifySigV4, type SigningSecret } from '../auth/sigv4.js';
import { signRequest, type RequestToSign } from './sigv4-sign.js';

const KEY: SigningSecret = {
  accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  accountId: '123456789012',
};
const NOW = Date.UTC(2024, 4, 1, 12, 34, 56);
const ENDPOINT = 'http://127.0.0.1:4566';
const OPTS = { region: 'us-east-1', service: 'opentrail', nowMs: NOW };

/** What the server's verifier says about a signed request, as it would arrive on the wire. */
function verify(req: RequestToSign, secret = KEY.secretAccessKey, nowMs = NOW) {
  const signed = signRequest(req, { accessKeyId: KEY.accessKeyId, secretAccessKey: secret }, OPTS);
  const q = signed.pathAndQuery.indexOf('?');
  return verifySigV4(
    {
      method: req.method,
      path: q >= 0 ? signed.pathAndQuery.slice(0, q) : signed.pathAndQuery,
      query: q >= 0 ? signed.pathAndQuery.slice(q + 1) : '',
      headers: signed.headers,
      body: Buffer.from(req.body ?? ''),
    },
    (id) => (id === KEY.accessKeyId ? KEY : undefined),
    { nowMs, allowedServices: ['opentrail'] },
  );
}

const CASES: [string, RequestToSign][] = [
  ['a plain GET', { method: 'GET', endpoint: ENDPOINT, path: '/v1/events' }],
  [
    'a GET with every lookup filter, including characters that need encoding',
    {
      method: 'GET',
      endpoint: ENDPOINT,
      path: '/v1/events',
      query: [
        ['username', 'alice smith+bob'],
        ['resourceName', 'arn:aws:s3:::bucket/key with spaces/ü/€'],
        ['eventName', "Get*Thing!'()"],
        ['startTime', '2024-05-01T00:00:00Z'],
        ['limit', '1000'],
        ['eventSource', 'a=b&c=d'],
      ],
    },
  ],
  [
    'a repeated query name',
    {
      method: 'GET',
      endpoint: ENDPOINT,
      path: '/v1/events',
      query: [
        ['b', '2'],
        ['a', '1'],
        ['b', '1'],
      ],
    },
  ],
  [
    'a POST with a JSON body and extra headers',
    {
      method: 'POST',
      endpoint: 'https://opentrail.example.com',
      path: '/v1/events',
      headers: { 'Content-Type': 'application/json', 'X-Custom': '  spaced   out  ' },
      body: JSON.stringify([{ eventName: 'Ünïcödé', eventSource: 'x.example.com' }]),
    },
  ],
  ['a path that needs encoding', { method: 'GET', endpoint: ENDPOINT, path: '/v1/a b/c%d' }],
];

describe('signRequest', () => {
  it.each(CASES)('signs %s so that the server verifies it', (_name, req) => {
    const r = verify(req);
    expect(r.ok, JSON.stringify(r)).toBe(true);
    if (r.ok) {
      expect(r.accessKeyId).toBe(KEY.accessKeyId);
      expect(r.service).toBe('opentrail');
      expect(r.payloadSigned).toBe(true);
    }
  });

  it.each(CASES)('writes the same Authorization as the AWS SDK signer for %s', async (_name, req) => {
    const url = new URL(req.endpoint);
    const ours = signRequest(req, KEY, OPTS);
    const query: Record<string, string | string[]> = {};
    for (const [k, v] of req.query ?? []) {
      const prev = query[k];
      query[k] = prev === undefined ? v : [...(Array.isArray(prev) ? prev : [prev]), v];
    }
    const sdk = await new SignatureV4({
      service: 'opentrail',
      region: 'us-east-1',
      credentials: { accessKeyId: KEY.accessKeyId, secretAccessKey: KEY.secretAccessKey },
      sha256: Sha256,
      // Like most non-S3 SDK clients: no x-amz-content-sha256 header.
      applyChecksum: false,
    }).sign(
      {
        method: req.method,
        protocol: url.protocol,
        hostname: url.hostname,
        ...(url.port ? { port: Number(url.port) } : {}),
        // The SDK is handed the path as it goes on the wire (encoded once) and encodes it again.
        path: ours.pathAndQuery.split('?')[0]!,
        query,
        headers: { host: url.host, ...(req.headers ?? {}) },
        ...(req.body !== undefined ? { body: req.body } : {}),
      },
      { signingDate: new Date(NOW) },
    );
    expect(ours.headers.authorization).toBe(sdk.headers.authorization);
    expect(ours.headers['x-amz-date']).toBe(sdk.headers['x-amz-date']);
  });

  it('is refused with a wrong secret, a tampered query, or a stale clock', () => {
    const req: RequestToSign = { method: 'GET', endpoint: ENDPOINT, path: '/v1/events', query: [['eventName', 'A']] };
    const wrong = verify(req, 'not-the-secret');
    expect(wrong.ok).toBe(false);
    if (!wrong.ok) expect(wrong.error.code).toBe('InvalidSignatureException');

    const signed = signRequest(req, KEY, OPTS);
    const tampered = verifySigV4(
      { method: 'GET', path: '/v1/events', query: 'eventName=B', headers: signed.headers, body: Buffer.alloc(0) },
      () => KEY,
      { nowMs: NOW },
    );
    expect(tampered.ok).toBe(false);

    const stale = verify(req, KEY.secretAccessKey, NOW + 16 * 60_000);
    expect(stale.ok).toBe(false);
    if (!stale.ok) expect(stale.error.code).toBe('InvalidSignatureException');
  });

  it('puts the query on the wire encoded as it signed it', () => {
    const s = signRequest(
      { method: 'GET', endpoint: ENDPOINT, path: '/v1/events', query: [['username', 'a b+c/d']] },
      KEY,
      OPTS,
    );
    expect(s.pathAndQuery).toBe('/v1/events?username=a%20b%2Bc%2Fd');
    expect(s.headers.host).toBe('127.0.0.1:4566');
    expect(s.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE\/20240501\/us-east-1\/opentrail\/aws4_request, SignedHeaders=host;x-amz-date, Signature=[0-9a-f]{64}$/,
    );
  });

  it('signs a session token', () => {
    const s = signRequest({ method: 'GET', endpoint: ENDPOINT, path: '/' }, { ...KEY, sessionToken: 'token123' }, OPTS);
    expect(s.headers['x-amz-security-token']).toBe('token123');
    expect(s.headers.authorization).toContain('SignedHeaders=host;x-amz-date;x-amz-security-token,');
  });
});
