/**
 * A minimal AWS Signature Version 4 *signer* (the client side), for the CLI's calls to a running
 * server. node:crypto only; the server's verifier is src/auth/sigv4.ts, and the unit test checks
 * this signer against it and against the AWS SDK's signer.
 *
 * The request is signed the way the AWS SDKs sign non-S3 services: the path normalised and each
 * segment URI-encoded twice, the query sorted and RFC 3986-encoded, `host` and `x-amz-date` always
 * signed, the payload hash over the exact body bytes.
 */
import { createHash, createHmac } from 'node:crypto';

export interface SigningCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  /** Temporary credentials' token, sent (and signed) as x-amz-security-token. */
  sessionToken?: string;
}

export interface RequestToSign {
  method: string;
  /** Scheme, host and port, e.g. `http://127.0.0.1:4566` (any path on it is ignored). */
  endpoint: string | URL;
  /** The path, not encoded, e.g. `/v1/events`. */
  path: string;
  /** Query parameters, not encoded; a name may repeat. */
  query?: readonly (readonly [string, string])[];
  headers?: Record<string, string>;
  body?: string | Buffer;
}

export interface SignOptions {
  region: string;
  service: string;
  /** Signing time, ms since the epoch (default now). */
  nowMs?: number;
}

export interface SignedRequest {
  /** Path and query exactly as they must go on the wire. */
  pathAndQuery: string;
  /** Every header to send, with `authorization`. */
  headers: Record<string, string>;
}

const ALGORITHM = 'AWS4-HMAC-SHA256';

/** RFC 3986: everything but A-Z a-z 0-9 - _ . ~ becomes %XX (upper-case hex). */
export function uriEncode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}

/** `20240101T000000Z` */
function amzDate(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

/** Path segments with `.`/`..`/empty ones resolved, as the SDKs normalise before signing. */
function normalisedSegments(path: string): string[] {
  const out: string[] = [];
  for (const seg of path.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') out.pop();
    else out.push(seg);
  }
  return out;
}

export function signRequest(req: RequestToSign, creds: SigningCredentials, opts: SignOptions): SignedRequest {
  const endpoint = typeof req.endpoint === 'string' ? new URL(req.endpoint) : req.endpoint;
  const longDate = amzDate(opts.nowMs ?? Date.now());
  const shortDate = longDate.slice(0, 8);
  const body = req.body ?? '';

  const segments = normalisedSegments(req.path);
  const trailing = segments.length > 0 && req.path.endsWith('/') ? '/' : '';
  const wirePath = '/' + segments.map(uriEncode).join('/') + trailing;
  const canonicalUri = '/' + segments.map((s) => uriEncode(uriEncode(s))).join('/') + trailing;

  const pairs = (req.query ?? []).map(([k, v]) => [uriEncode(k), uriEncode(v)] as const);
  const wireQuery = pairs.map(([k, v]) => `${k}=${v}`).join('&');
  const canonicalQuery = [...pairs]
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');

  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers ?? {})) headers[name.toLowerCase()] = value;
  headers.host = endpoint.host;
  headers['x-amz-date'] = longDate;
  if (creds.sessionToken) headers['x-amz-security-token'] = creds.sessionToken;
  delete headers.authorization;

  const names = Object.keys(headers).sort();
  const canonicalHeaders = names.map((n) => `${n}:${headers[n]!.trim().replace(/\s+/g, ' ')}\n`).join('');
  const signedHeaders = names.join(';');
  const canonicalRequest = [
    req.method.toUpperCase(),
    canonicalUri,
    canonicalQuery,
    canonicalHeaders,
    signedHeaders,
    sha256Hex(body),
  ].join('\n');

  const scope = `${shortDate}/${opts.region}/${opts.service}/aws4_request`;
  const stringToSign = `${ALGORITHM}\n${longDate}\n${scope}\n${sha256Hex(canonicalRequest)}`;
  const kDate = hmac(`AWS4${creds.secretAccessKey}`, shortDate);
  const kSigning = hmac(hmac(hmac(kDate, opts.region), opts.service), 'aws4_request');
  const signature = hmac(kSigning, stringToSign).toString('hex');

  headers.authorization = `${ALGORITHM} Credential=${creds.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
  return { pathAndQuery: wirePath + (wireQuery ? `?${wireQuery}` : ''), headers };
}
