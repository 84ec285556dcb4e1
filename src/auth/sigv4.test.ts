import http from 'node:http';
import { createHash } from 'node:crypto';
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SignatureV4 } from '@smithy/signature-v4';
import { Sha256 } from '@aws-crypto/sha256-js';
import { CloudTrailClient, LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import {
  clearSigningKeyCache,
  verifySigV4,
  type SigningSecret,
  type SigV4Request,
  type SigV4Result,
  type VerifySigV4Options,
} from './sigv4.js';

const run = promisify(execFile);

// Every request below is signed by a real signer (@smithy/signature-v4, the AWS SDK's, plus curl and
// botocore at the end); no hand-computed signatures.

const KEY: SigningSecret = {
  accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  accountId: '123456789012',
  userName: 'alice',
};
const OTHER_SECRET = 'je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY';
const lookup = (id: string): SigningSecret | undefined => (id === KEY.accessKeyId ? KEY : undefined);

const T0 = Date.UTC(2024, 0, 1, 0, 0, 0); // 20240101T000000Z
const MIN = 60_000;
const HOST = 'opentrail.example.com:4566';
const CHANNEL_ARN = 'arn:aws:cloudtrail:us-east-1:123456789012:channel/default';
const TRAIL_OPTS: VerifySigV4Options = { nowMs: T0 + 1000, allowedServices: ['cloudtrail', 'cloudtrail-data'] };

const sha256Hex = (s: string | Buffer) => createHash('sha256').update(s).digest('hex');

/** RFC 3986 encoding, as an HTTP client puts query parameters on the wire. */
const enc = (s: string) =>
  encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

interface SignInput {
  method?: string;
  /** Path as the client puts it on the wire (already percent-encoded). */
  path?: string;
  query?: Record<string, string | string[]>;
  headers?: Record<string, string>;
  body?: string;
  service?: string;
  region?: string;
  date?: number;
  secretAccessKey?: string;
  accessKeyId?: string;
  /** false = S3-style single-encoded canonical path. */
  uriEscapePath?: boolean;
  /** false = do not add x-amz-content-sha256 (like most non-S3 SDK clients and botocore). */
  applyChecksum?: boolean;
  omitHost?: boolean;
}

interface SmithyHttpRequest {
  method: string;
  protocol: string;
  hostname: string;
  port: number;
  path: string;
  query: Record<string, string | string[] | null>;
  headers: Record<string, string>;
  body?: string;
}

function smithyRequest(i: SignInput): { signer: SignatureV4; request: SmithyHttpRequest } {
  const signer = new SignatureV4({
    service: i.service ?? 'cloudtrail',
    region: i.region ?? 'us-east-1',
    credentials: {
      accessKeyId: i.accessKeyId ?? KEY.accessKeyId,
      secretAccessKey: i.secretAccessKey ?? KEY.secretAccessKey,
    },
    sha256: Sha256,
    uriEscapePath: i.uriEscapePath ?? true,
    applyChecksum: i.applyChecksum ?? true,
  });
  const headers: Record<string, string> = { ...(i.omitHost ? {} : { host: HOST }), ...(i.headers ?? {}) };
  if (i.body !== undefined) headers['content-length'] = String(Buffer.byteLength(i.body));
  const request: SmithyHttpRequest = {
    method: i.method ?? 'POST',
    protocol: 'https:',
    hostname: 'opentrail.example.com',
    port: 4566,
    path: i.path ?? '/',
    query: i.query ?? {},
    headers,
  };
  if (i.body !== undefined) request.body = i.body;
  return { signer, request };
}

/** What the server receives for a signed smithy request. */
function toWire(signed: SmithyHttpRequest, body: string | undefined): SigV4Request {
  const query = Object.entries(signed.query ?? {})
    .flatMap(([k, v]) => (v == null ? [enc(k)] : (Array.isArray(v) ? v : [v]).map((x) => `${enc(k)}=${enc(x)}`)))
    .join('&');
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(signed.headers)) headers[k.toLowerCase()] = v;
  return { method: signed.method, path: signed.path, query, headers, body: Buffer.from(body ?? '') };
}

async function smithySign(i: SignInput): Promise<SigV4Request> {
  const { signer, request } = smithyRequest(i);
  const signed = (await signer.sign(request as never, {
    signingDate: new Date(i.date ?? T0),
  })) as unknown as SmithyHttpRequest;
  return toWire(signed, i.body);
}

async function smithyPresign(i: SignInput & { expiresIn: number }): Promise<SigV4Request> {
  const { signer, request } = smithyRequest(i);
  const signed = (await signer.presign(request as never, {
    signingDate: new Date(i.date ?? T0),
    expiresIn: i.expiresIn,
  })) as unknown as SmithyHttpRequest;
  return toWire(signed, i.body);
}

const lookupEvents = (): SignInput => ({
  method: 'POST',
  path: '/',
  headers: {
    'content-type': 'application/x-amz-json-1.1',
    'x-amz-target': 'com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents',
  },
  body: JSON.stringify({
    MaxResults: 50,
    LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'PutObject' }],
  }),
});

const putAuditEvents = (): SignInput => ({
  method: 'POST',
  service: 'cloudtrail-data',
  path: '/PutAuditEvents',
  query: { channelArn: CHANNEL_ARN },
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ auditEvents: [{ id: 'e1', eventData: '{"version":"1.0"}' }] }),
});

function expectOk(r: SigV4Result) {
  if (!r.ok) throw new Error(`expected ok, got ${r.error.code}: ${r.error.message}`);
  return r;
}

function expectError(r: SigV4Result, code: string, message?: string | RegExp) {
  if (r.ok) throw new Error(`expected ${code}, got ok`);
  expect(r.error.code).toBe(code);
  if (typeof message === 'string') expect(r.error.message).toBe(message);
  else if (message) expect(r.error.message).toMatch(message);
  failures.push(r);
  return r.error;
}

/** Every failure seen, checked at the end for leaked secrets. */
const failures: SigV4Result[] = [];

const MSG_MISMATCH =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';

beforeEach(() => clearSigningKeyCache());

describe('verifySigV4: requests signed by @smithy/signature-v4 are accepted', () => {
  it('cloudtrail: POST / with a JSON body and x-amz-target', async () => {
    const req = await smithySign(lookupEvents());
    expect(req.headers['x-amz-content-sha256']).toBe(sha256Hex(req.body));
    const r = expectOk(verifySigV4(req, lookup, TRAIL_OPTS));
    expect(r.key).toBe(KEY);
    expect(r.key.accountId).toBe('123456789012');
    expect(r.service).toBe('cloudtrail');
    expect(r.region).toBe('us-east-1');
    expect(r.signedAt).toBe(T0);
    expect(r.accessKeyId).toBe(KEY.accessKeyId);
    expect(r.presigned).toBe(false);
    expect(r.payloadSigned).toBe(true);
  });

  it('cloudtrail: without x-amz-content-sha256 the body hash is computed', async () => {
    const req = await smithySign({ ...lookupEvents(), applyChecksum: false });
    expect(req.headers['x-amz-content-sha256']).toBeUndefined();
    expectOk(verifySigV4(req, lookup, TRAIL_OPTS));
  });

  it('cloudtrail-data: POST /PutAuditEvents?channelArn=... with a body', async () => {
    const req = await smithySign(putAuditEvents());
    expect(req.query).toBe('channelArn=arn%3Aaws%3Acloudtrail%3Aus-east-1%3A123456789012%3Achannel%2Fdefault');
    const r = expectOk(verifySigV4(req, lookup, TRAIL_OPTS));
    expect(r.service).toBe('cloudtrail-data');
  });

  it('a query with several and repeated parameters, sorted by the canonicaliser', async () => {
    const req = await smithySign({
      method: 'GET',
      path: '/v1/events',
      query: { z: 'last', a: ['2', '1', 'x y'], 'key with space': 'v/al*ue', empty: '' },
    });
    expectOk(verifySigV4(req, lookup, TRAIL_OPTS));
  });

  it('presigned GET', async () => {
    const req = await smithyPresign({ method: 'GET', path: '/v1/events', query: { maxResults: '5' }, expiresIn: 300 });
    expect(req.query).toContain('X-Amz-Signature=');
    expect(req.headers.authorization).toBeUndefined();
    const r = expectOk(verifySigV4(req, lookup, TRAIL_OPTS));
    expect(r.presigned).toBe(true);
    expect(r.payloadSigned).toBe(true);
    // Still valid just before expiry, with a clock skew well beyond 15 minutes behind.
    expectOk(verifySigV4(req, lookup, { ...TRAIL_OPTS, nowMs: T0 + 300_000 }));
  });

  it('paths that need encoding: SDK double-encoding and S3-style single encoding', async () => {
    // As on the wire: already percent-encoded once by the client.
    const path = '/v1/events/a%20b/%E2%82%AC/c%2Fd/it%27s*';
    const doubleEncoded = await smithySign({ method: 'GET', path });
    expectOk(verifySigV4(doubleEncoded, lookup, TRAIL_OPTS));
    const singleEncoded = await smithySign({ method: 'GET', path, uriEscapePath: false });
    expectOk(verifySigV4(singleEncoded, lookup, TRAIL_OPTS));
    expect(singleEncoded.headers.authorization).not.toBe(doubleEncoded.headers.authorization);
  });

  it('paths with dot segments and empty segments are normalised like the SDKs do', async () => {
    const req = await smithySign({ method: 'GET', path: '/v1/./events//x/../y/' });
    expectOk(verifySigV4(req, lookup, TRAIL_OPTS));
  });

  it('x-amz-content-sha256: UNSIGNED-PAYLOAD is accepted (and reported), unless disabled', async () => {
    const i = lookupEvents();
    const req = await smithySign({ ...i, headers: { ...i.headers, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } });
    const r = expectOk(verifySigV4(req, lookup, TRAIL_OPTS));
    expect(r.payloadSigned).toBe(false);
    // The body is not covered: a different body still verifies.
    expectOk(verifySigV4({ ...req, body: Buffer.from('{"other":true}') }, lookup, TRAIL_OPTS));
    expectError(
      verifySigV4(req, lookup, { ...TRAIL_OPTS, allowUnsignedPayload: false }),
      'IncompleteSignatureException',
      'UNSIGNED-PAYLOAD is not accepted here; the payload must be signed.',
    );
  });

  it('headers given as arrays (req.headersDistinct) and with extra whitespace', async () => {
    const req = await smithySign({
      ...lookupEvents(),
      headers: { ...lookupEvents().headers, 'x-custom': '  a   b\t c ' },
    });
    const distinct: Record<string, string[]> = {};
    for (const [k, v] of Object.entries(req.headers)) distinct[k] = [v as string];
    expectOk(verifySigV4({ ...req, headers: distinct }, lookup, TRAIL_OPTS));
  });

  it('non-ASCII header values: as Node delivers them (latin1 of the UTF-8 bytes) and as real strings', async () => {
    const i = lookupEvents();
    const req = await smithySign({ ...i, headers: { ...i.headers, 'x-custom': 'Grüße € 🚀' } });
    const asNode = Buffer.from('Grüße € 🚀', 'utf8').toString('latin1');
    expectOk(verifySigV4({ ...req, headers: { ...req.headers, 'x-custom': asNode } }, lookup, TRAIL_OPTS));
    expectOk(verifySigV4(req, lookup, TRAIL_OPTS));
    const latin1Only = await smithySign({ ...i, headers: { ...i.headers, 'x-custom': 'Grüße' } });
    expectOk(verifySigV4(latin1Only, lookup, TRAIL_OPTS));
  });

  it('accepts up to 14 minutes of clock skew either way', async () => {
    const req = await smithySign(lookupEvents());
    expectOk(verifySigV4(req, lookup, { ...TRAIL_OPTS, nowMs: T0 + 14 * MIN }));
    expectOk(verifySigV4(req, lookup, { ...TRAIL_OPTS, nowMs: T0 - 14 * MIN }));
  });

  it('a rotated secret is picked up despite the signing-key cache', async () => {
    const req = await smithySign(lookupEvents());
    expectOk(verifySigV4(req, lookup, TRAIL_OPTS));
    const rotated = { ...KEY, secretAccessKey: OTHER_SECRET };
    expectError(
      verifySigV4(req, () => rotated, TRAIL_OPTS),
      'InvalidSignatureException',
      MSG_MISMATCH,
    );
  });
});

describe('verifySigV4: failures', () => {
  it('tampered body: caught by the signed x-amz-content-sha256, or by the signature without it', async () => {
    const req = await smithySign(lookupEvents());
    const tampered = { ...req, body: Buffer.from(req.body.toString().replace('PutObject', 'DeleteTrail')) };
    expectError(
      verifySigV4(tampered, lookup, TRAIL_OPTS),
      'XAmzContentSHA256Mismatch',
      "The provided 'x-amz-content-sha256' header does not match what was computed.",
    );
    const noChecksum = await smithySign({ ...lookupEvents(), applyChecksum: false });
    const tampered2 = {
      ...noChecksum,
      body: Buffer.from(noChecksum.body.toString().replace('PutObject', 'DeleteTrail')),
    };
    expectError(verifySigV4(tampered2, lookup, TRAIL_OPTS), 'InvalidSignatureException', MSG_MISMATCH);
  });

  it('tampered signed header', async () => {
    const req = await smithySign(lookupEvents());
    const tampered = {
      ...req,
      headers: { ...req.headers, 'x-amz-target': 'com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.DeleteTrail' },
    };
    const e = expectError(verifySigV4(tampered, lookup, TRAIL_OPTS), 'InvalidSignatureException', MSG_MISMATCH);
    expect(e.httpStatus).toBe(400);
    expect(e.accessKeyId).toBe(KEY.accessKeyId);
  });

  it('tampered path or query', async () => {
    const req = await smithySign(putAuditEvents());
    expectError(
      verifySigV4({ ...req, path: '/PutAuditEvent' }, lookup, TRAIL_OPTS),
      'InvalidSignatureException',
      MSG_MISMATCH,
    );
    expectError(
      verifySigV4({ ...req, query: req.query.replace('default', 'other') }, lookup, TRAIL_OPTS),
      'InvalidSignatureException',
      MSG_MISMATCH,
    );
    expectError(verifySigV4({ ...req, method: 'PUT' }, lookup, TRAIL_OPTS), 'InvalidSignatureException', MSG_MISMATCH);
  });

  it('wrong secret', async () => {
    const req = await smithySign({ ...lookupEvents(), secretAccessKey: OTHER_SECRET });
    expectError(verifySigV4(req, lookup, TRAIL_OPTS), 'InvalidSignatureException', MSG_MISMATCH);
  });

  it('unknown access key', async () => {
    const req = await smithySign({ ...lookupEvents(), accessKeyId: 'AKIAUNKNOWNKEY000000' });
    const e = expectError(
      verifySigV4(req, lookup, TRAIL_OPTS),
      'UnrecognizedClientException',
      'The security token included in the request is invalid.',
    );
    expect(e.httpStatus).toBe(400);
    expect(e.accessKeyId).toBe('AKIAUNKNOWNKEY000000');
  });

  it('clock skew beyond 15 minutes, both ways', async () => {
    const req = await smithySign(lookupEvents());
    expectError(
      verifySigV4(req, lookup, { ...TRAIL_OPTS, nowMs: T0 + 16 * MIN }),
      'InvalidSignatureException',
      'Signature expired: 20240101T000000Z is now earlier than 20240101T000100Z (20240101T001600Z - 15 min.)',
    );
    expectError(
      verifySigV4(req, lookup, { ...TRAIL_OPTS, nowMs: T0 - 16 * MIN }),
      'InvalidSignatureException',
      'Signature not yet current: 20240101T000000Z is still later than 20231231T235900Z (20231231T234400Z + 15 min.)',
    );
    // maxSkewMs is honoured and shows up in the message.
    expectError(
      verifySigV4(req, lookup, { ...TRAIL_OPTS, nowMs: T0 + 6 * MIN, maxSkewMs: 5 * MIN }),
      'InvalidSignatureException',
      'Signature expired: 20240101T000000Z is now earlier than 20240101T000100Z (20240101T000600Z - 5 min.)',
    );
  });

  it('a replayed request (the same bytes again) is refused once it is outside the window', async () => {
    const req = await smithySign(lookupEvents());
    const replay = (): SigV4Request => structuredClone(req);
    // Like AWS, SigV4 has no nonce: within the window the identical request verifies again.
    expectOk(verifySigV4(replay(), lookup, { ...TRAIL_OPTS, nowMs: T0 }));
    expectOk(verifySigV4(replay(), lookup, { ...TRAIL_OPTS, nowMs: T0 + 15 * MIN }));
    expectError(
      verifySigV4(replay(), lookup, { ...TRAIL_OPTS, nowMs: T0 + 15 * MIN + 1000 }),
      'InvalidSignatureException',
      'Signature expired: 20240101T000000Z is now earlier than 20240101T000001Z (20240101T001501Z - 15 min.)',
    );
    expectError(
      verifySigV4(replay(), lookup, { ...TRAIL_OPTS, nowMs: T0 + 24 * 60 * MIN }),
      'InvalidSignatureException',
      /^Signature expired: 20240101T000000Z is now earlier than 20240101T234500Z/,
    );
  });

  it('missing Authorization (and non-SigV4 Authorization headers, which are never echoed)', async () => {
    const req = await smithySign(lookupEvents());
    const { authorization: _auth, ...noAuth } = req.headers;
    const e = expectError(
      verifySigV4({ ...req, headers: noAuth }, lookup, TRAIL_OPTS),
      'MissingAuthenticationTokenException',
      'Request is missing Authentication Token',
    );
    expect(e.httpStatus).toBe(400);
    const bearer = 'Bearer eyJhbGciOiJIUzI1NiJ9.c2VjcmV0LXRva2Vu.sig';
    const e2 = expectError(
      verifySigV4({ ...req, headers: { ...noAuth, authorization: bearer } }, lookup, TRAIL_OPTS),
      'MissingAuthenticationTokenException',
    );
    expect(e2.message).not.toContain('eyJ');
  });

  it('malformed Authorization: missing Signature=, missing SignedHeaders=, missing equal-sign', async () => {
    const req = await smithySign(lookupEvents());
    const auth = req.headers.authorization as string;
    const noSignature = auth.replace(/, Signature=[0-9a-f]+/, '');
    expectError(
      verifySigV4({ ...req, headers: { ...req.headers, authorization: noSignature } }, lookup, TRAIL_OPTS),
      'IncompleteSignatureException',
      `Authorization header requires 'Signature' parameter. Authorization=${noSignature}`,
    );
    const noSignedHeaders = auth.replace(/ SignedHeaders=[^,]+,/, '');
    const e = expectError(
      verifySigV4({ ...req, headers: { ...req.headers, authorization: noSignedHeaders } }, lookup, TRAIL_OPTS),
      'IncompleteSignatureException',
      `Authorization header requires 'SignedHeaders' parameter. Authorization=${noSignedHeaders}`,
    );
    expect(e.httpStatus).toBe(400);
    expect(e.accessKeyId).toBe(KEY.accessKeyId);
    const { 'x-amz-date': _d, ...noDate } = req.headers;
    expectError(
      verifySigV4({ ...req, headers: { ...noDate, authorization: 'AWS4-HMAC-SHA256 Foo=bar' } }, lookup, TRAIL_OPTS),
      'IncompleteSignatureException',
      "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. " +
        "Authorization header requires 'SignedHeaders' parameter. Authorization header requires existence of either " +
        "a 'X-Amz-Date' or a 'Date' header. Authorization=AWS4-HMAC-SHA256 Foo=bar",
    );
    const spaceInCredential = auth.replace(`Credential=${KEY.accessKeyId}/`, `Credential=${KEY.accessKeyId} /`);
    expectError(
      verifySigV4({ ...req, headers: { ...req.headers, authorization: spaceInCredential } }, lookup, TRAIL_OPTS),
      'IncompleteSignatureException',
      `'/20240101/us-east-1/cloudtrail/aws4_request' not a valid key=value pair (missing equal-sign) in Authorization header: '${spaceInCredential}'.`,
    );
  });

  it('malformed credential, algorithm and date', async () => {
    const req = await smithySign(lookupEvents());
    const auth = req.headers.authorization as string;
    const shortCred = auth.replace(/Credential=[^,]+/, `Credential=${KEY.accessKeyId}/20240101/us-east-1`);
    expectError(
      verifySigV4({ ...req, headers: { ...req.headers, authorization: shortCred } }, lookup, TRAIL_OPTS),
      'IncompleteSignatureException',
      `Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '${KEY.accessKeyId}/20240101/us-east-1'`,
    );
    const badTerm = auth.replace('/aws4_request', '/aws4_reques');
    expectError(
      verifySigV4({ ...req, headers: { ...req.headers, authorization: badTerm } }, lookup, TRAIL_OPTS),
      'InvalidSignatureException',
      "Credential should be scoped with a valid terminator: 'aws4_request', not 'aws4_reques'. ",
    );
    const v4a = auth.replace('AWS4-HMAC-SHA256', 'AWS4-ECDSA-P256-SHA256');
    expectError(
      verifySigV4({ ...req, headers: { ...req.headers, authorization: v4a } }, lookup, TRAIL_OPTS),
      'IncompleteSignatureException',
      "Unsupported AWS 'algorithm': 'AWS4-ECDSA-P256-SHA256' (only AWS4-HMAC-SHA256 for now). ",
    );
    expectError(
      verifySigV4({ ...req, headers: { ...req.headers, 'x-amz-date': '2024-01-01T00:00:00Z' } }, lookup, TRAIL_OPTS),
      'IncompleteSignatureException',
      "Date must be in ISO-8601 'basic format'. Got '2024-01-01T00:00:00Z'. See http://en.wikipedia.org/wiki/ISO_8601",
    );
  });

  it('wrong service in the credential scope', async () => {
    const req = await smithySign({ ...lookupEvents(), service: 'cloudwatch' });
    const e = expectError(
      verifySigV4(req, lookup, TRAIL_OPTS),
      'InvalidSignatureException',
      "Credential should be scoped to correct service: 'cloudtrail'. ",
    );
    expect(e.accessKeyId).toBe(KEY.accessKeyId);
    // Without allowedServices any service verifies.
    expectOk(verifySigV4(req, lookup, { nowMs: TRAIL_OPTS.nowMs }));
    // cloudtrail-data-only endpoint.
    const ct = await smithySign(lookupEvents());
    expectError(
      verifySigV4(ct, lookup, { ...TRAIL_OPTS, allowedServices: ['cloudtrail-data'] }),
      'InvalidSignatureException',
      "Credential should be scoped to correct service: 'cloudtrail-data'. ",
    );
  });

  it('region not allowed', async () => {
    const req = await smithySign({ ...lookupEvents(), region: 'eu-west-1' });
    expectOk(verifySigV4(req, lookup, TRAIL_OPTS));
    expectError(
      verifySigV4(req, lookup, { ...TRAIL_OPTS, allowedRegions: ['us-east-1'] }),
      'InvalidSignatureException',
      "Credential should be scoped to a valid region, not 'eu-west-1'. ",
    );
  });

  it('credential scope date different from the x-amz-date day', async () => {
    // Signed at 23:59:30 on Jan 1st; the request then claims 00:00:30 on Jan 2nd (still within the skew window).
    const signedAt = Date.UTC(2024, 0, 1, 23, 59, 30);
    const req = await smithySign({ ...lookupEvents(), date: signedAt });
    const moved = { ...req, headers: { ...req.headers, 'x-amz-date': '20240102T000030Z' } };
    expectError(
      verifySigV4(moved, lookup, { ...TRAIL_OPTS, nowMs: signedAt }),
      'InvalidSignatureException',
      "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20240101' != '20240102', from '20240102T000030Z'.",
    );
  });

  it('x-amz-content-sha256 that does not match the body', async () => {
    const i = lookupEvents();
    const req = await smithySign({
      ...i,
      headers: { ...i.headers, 'x-amz-content-sha256': sha256Hex('something else') },
    });
    const e = expectError(
      verifySigV4(req, lookup, TRAIL_OPTS),
      'XAmzContentSHA256Mismatch',
      "The provided 'x-amz-content-sha256' header does not match what was computed.",
    );
    expect(e.httpStatus).toBe(400);
    const streaming = await smithySign({
      ...i,
      headers: { ...i.headers, 'x-amz-content-sha256': 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD' },
    });
    expectError(
      verifySigV4(streaming, lookup, TRAIL_OPTS),
      'IncompleteSignatureException',
      'x-amz-content-sha256 must be UNSIGNED-PAYLOAD or a valid sha256 value.',
    );
  });

  it('host must be a signed header', async () => {
    const req = await smithySign({ ...lookupEvents(), omitHost: true });
    expect(req.headers.authorization).not.toMatch(/SignedHeaders=[^,]*host/);
    expectError(
      verifySigV4({ ...req, headers: { ...req.headers, host: HOST } }, lookup, TRAIL_OPTS),
      'InvalidSignatureException',
      "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
    );
  });

  it('presigned: expired, not yet valid, tampered, incomplete, and combined with a header', async () => {
    const req = await smithyPresign({ method: 'GET', path: '/v1/events', expiresIn: 300 });
    const e = expectError(
      verifySigV4(req, lookup, { ...TRAIL_OPTS, nowMs: T0 + 301_000 }),
      'AccessDeniedException',
      'Request has expired',
    );
    expect(e.httpStatus).toBe(403);
    expectError(
      verifySigV4(req, lookup, { ...TRAIL_OPTS, nowMs: T0 - 16 * MIN }),
      'InvalidSignatureException',
      /^Signature not yet current: 20240101T000000Z is still later than/,
    );
    expectError(
      verifySigV4({ ...req, query: req.query.replace('X-Amz-Expires=300', 'X-Amz-Expires=3000') }, lookup, TRAIL_OPTS),
      'InvalidSignatureException',
      MSG_MISMATCH,
    );
    expectError(
      verifySigV4({ ...req, query: `${req.query}&extra=1` }, lookup, TRAIL_OPTS),
      'InvalidSignatureException',
      MSG_MISMATCH,
    );
    const noSig = req.query.replace(/&?X-Amz-Signature=[0-9a-f]+/, '');
    expectError(
      verifySigV4({ ...req, query: noSig }, lookup, TRAIL_OPTS),
      'IncompleteSignatureException',
      "AWS query-string parameters must include 'X-Amz-Signature'. Re-examine the query-string parameters.",
    );
    const header = await smithySign(lookupEvents());
    expectError(
      verifySigV4(
        { ...req, headers: { ...req.headers, authorization: header.headers.authorization } },
        lookup,
        TRAIL_OPTS,
      ),
      'InvalidSignatureException',
      "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header.",
    );
    const week = await smithyPresign({ method: 'GET', path: '/v1/events', expiresIn: 604800 });
    expectOk(verifySigV4(week, lookup, { ...TRAIL_OPTS, nowMs: T0 + 604_000_000 }));
    expectError(
      verifySigV4(
        { ...week, query: week.query.replace('X-Amz-Expires=604800', 'X-Amz-Expires=604801') },
        lookup,
        TRAIL_OPTS,
      ),
      'IncompleteSignatureException',
      'X-Amz-Expires must be less than a week (in seconds) that is 604800',
    );
  });

  it('an invalid signature format is a mismatch, not a crash', async () => {
    const req = await smithySign(lookupEvents());
    for (const sig of ['abc', 'z'.repeat(64), '0'.repeat(64)]) {
      const auth = (req.headers.authorization as string).replace(/Signature=[0-9a-f]+/, `Signature=${sig}`);
      expectError(
        verifySigV4({ ...req, headers: { ...req.headers, authorization: auth } }, lookup, TRAIL_OPTS),
        'InvalidSignatureException',
        MSG_MISMATCH,
      );
    }
  });

  it('never puts a secret in an error message', () => {
    expect(failures.length).toBeGreaterThan(20);
    for (const f of failures) {
      if (f.ok) continue;
      expect(f.error.message).not.toContain(KEY.secretAccessKey);
      expect(f.error.message).not.toContain(OTHER_SECRET);
      expect(JSON.stringify(f.error)).not.toContain(KEY.secretAccessKey);
    }
  });
});

// -------------------------------------------------------------------------------------------------
// Real clients over real HTTP: the AWS SDK CloudTrail client, curl --aws-sigv4 and botocore.
// -------------------------------------------------------------------------------------------------

interface CaptureServer {
  port: number;
  next(): Promise<SigV4Request>;
  close(): Promise<void>;
}

async function startCaptureServer(): Promise<CaptureServer> {
  const captured: SigV4Request[] = [];
  const waiters: ((r: SigV4Request) => void)[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = req.url ?? '/';
      const qi = url.indexOf('?');
      const r: SigV4Request = {
        method: req.method ?? 'GET',
        path: qi === -1 ? url : url.slice(0, qi),
        query: qi === -1 ? '' : url.slice(qi + 1),
        headers: req.headersDistinct,
        body: Buffer.concat(chunks),
      };
      const w = waiters.shift();
      if (w) w(r);
      else captured.push(r);
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
      res.end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return {
    port: address.port,
    next: () => {
      const r = captured.shift();
      return r ? Promise.resolve(r) : new Promise((resolve) => waiters.push(resolve));
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

const curlHasSigV4 = (() => {
  try {
    return execFileSync('curl', ['--help', 'all'], { encoding: 'utf8' }).includes('--aws-sigv4');
  } catch {
    return false;
  }
})();

const hasBotocore = spawnSync('python3', ['-c', 'import botocore.auth'], { stdio: 'ignore' }).status === 0;

const BOTO_SCRIPT = `
import json, sys, urllib.request
from botocore.auth import SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
a = json.loads(sys.argv[1])
req = AWSRequest(method=a['method'], url=a['url'], data=a['body'].encode(), headers=a['headers'])
creds = Credentials(a['accessKeyId'], a['secretAccessKey'])
if a['presign']:
    SigV4QueryAuth(creds, a['service'], a['region'], expires=300).add_auth(req)
else:
    SigV4Auth(creds, a['service'], a['region']).add_auth(req)
p = req.prepare()
r = urllib.request.Request(p.url, data=p.body or None, method=p.method, headers=dict(p.headers.items()))
urllib.request.build_opener(urllib.request.ProxyHandler({})).open(r).read()
`;

describe('verifySigV4: real clients over HTTP', () => {
  let server: CaptureServer;
  const realOpts = (): VerifySigV4Options => ({
    nowMs: Date.now(),
    allowedServices: ['cloudtrail', 'cloudtrail-data'],
  });

  beforeAll(async () => {
    server = await startCaptureServer();
  });
  afterAll(async () => {
    await server.close();
  });

  it('@aws-sdk/client-cloudtrail LookupEvents', async () => {
    const client = new CloudTrailClient({
      region: 'us-east-1',
      endpoint: `http://127.0.0.1:${server.port}`,
      credentials: { accessKeyId: KEY.accessKeyId, secretAccessKey: KEY.secretAccessKey },
      maxAttempts: 1,
    });
    try {
      const [, req] = await Promise.all([
        client.send(
          new LookupEventsCommand({
            MaxResults: 5,
            LookupAttributes: [{ AttributeKey: 'Username', AttributeValue: 'alice' }],
          }),
        ),
        server.next(),
      ]);
      expect(req.headers['x-amz-target']).toEqual(['CloudTrail_20131101.LookupEvents']);
      const r = expectOk(verifySigV4(req, lookup, realOpts()));
      expect(r.service).toBe('cloudtrail');
    } finally {
      client.destroy();
    }
  });

  it.skipIf(!curlHasSigV4)('curl --aws-sigv4 (the README example)', async () => {
    const [, req] = await Promise.all([
      run('curl', [
        '-s',
        '--noproxy',
        '*',
        '--aws-sigv4',
        'aws:amz:us-east-1:cloudtrail',
        '--user',
        `${KEY.accessKeyId}:${KEY.secretAccessKey}`,
        '-H',
        'content-type: application/json',
        '-d',
        '{"a":1}',
        `http://127.0.0.1:${server.port}/v1/events`,
      ]),
      server.next(),
    ]);
    expect(req.path).toBe('/v1/events');
    expect(req.body.toString()).toBe('{"a":1}');
    const r = expectOk(verifySigV4(req, lookup, realOpts()));
    expect(r.service).toBe('cloudtrail');
    expect(r.region).toBe('us-east-1');
    // And the body is really covered by curl's signature.
    expectError(verifySigV4({ ...req, body: Buffer.from('{"a":2}') }, lookup, realOpts()), 'InvalidSignatureException');
  });

  it.skipIf(!curlHasSigV4)('curl --aws-sigv4 with an unsorted query string (curl 7.x signs it verbatim)', async () => {
    const [, req] = await Promise.all([
      run('curl', [
        '-s',
        '--noproxy',
        '*',
        '--aws-sigv4',
        'aws:amz:us-east-1:cloudtrail',
        '--user',
        `${KEY.accessKeyId}:${KEY.secretAccessKey}`,
        `http://127.0.0.1:${server.port}/v1/events?startTime=2024-01-01T00%3A00%3A00Z&maxResults=5`,
      ]),
      server.next(),
    ]);
    expectOk(verifySigV4(req, lookup, realOpts()));
  });

  const botoCases = [
    {
      name: 'cloudtrail POST / with x-amz-target',
      method: 'POST',
      path: '/',
      body: '{"MaxResults":5}',
      headers: { 'X-Amz-Target': 'CloudTrail_20131101.LookupEvents', 'Content-Type': 'application/x-amz-json-1.1' },
      service: 'cloudtrail',
      presign: false,
    },
    {
      name: 'cloudtrail-data PutAuditEvents',
      method: 'POST',
      path: `/PutAuditEvents?channelArn=${enc(CHANNEL_ARN)}`,
      body: '{"auditEvents":[]}',
      headers: { 'Content-Type': 'application/json' },
      service: 'cloudtrail-data',
      presign: false,
    },
    {
      name: 'path and query needing encoding',
      method: 'GET',
      path: '/v1/a%20b/%E2%82%AC/c%2Fd/./e//f?b=2&a=1&a=0&c=x%20y',
      body: '',
      headers: {},
      service: 'cloudtrail',
      presign: false,
    },
    {
      name: 'presigned GET',
      method: 'GET',
      path: '/v1/events?maxResults=5',
      body: '',
      headers: {},
      service: 'cloudtrail',
      presign: true,
    },
  ];

  for (const c of botoCases) {
    it.skipIf(!hasBotocore)(`botocore SigV4: ${c.name}`, async () => {
      const args = JSON.stringify({
        ...c,
        url: `http://127.0.0.1:${server.port}${c.path}`,
        region: 'us-east-1',
        accessKeyId: KEY.accessKeyId,
        secretAccessKey: KEY.secretAccessKey,
      });
      const [, req] = await Promise.all([run('python3', ['-c', BOTO_SCRIPT, args]), server.next()]);
      const r = expectOk(verifySigV4(req, lookup, realOpts()));
      expect(r.service).toBe(c.service);
      expect(r.presigned).toBe(c.presign);
    });
  }
});
