/**
 * AWS Signature Version 4 request *verification* (the server side of SigV4).
 *
 * Supports both the `Authorization: AWS4-HMAC-SHA256 ...` header form and the presigned
 * query-string form (`X-Amz-Algorithm`, `X-Amz-Credential`, ...). Dependency-free (node:crypto).
 *
 * Error codes, messages, check order and HTTP statuses follow what AWS "coral" JSON services
 * (CloudTrail, DynamoDB, Kinesis, ...) return, e.g.
 *   {"__type":"InvalidSignatureException","message":"Credential should be scoped to correct service: 'cloudtrail'. "}
 * Those services answer every authentication failure with HTTP 400 (not 403); see AUTH_ERROR_HTTP_STATUS.
 * Our own additions (not produced by CloudTrail itself) are documented where they are raised:
 *  - presigned URL used after X-Amz-Expires -> AccessDeniedException "Request has expired" (403), S3's wording.
 *  - x-amz-content-sha256 that does not match the body -> XAmzContentSHA256Mismatch (400), S3's wording.
 *
 * Canonicalisation follows the SigV4 spec and what the real signers do:
 *  - path: SDKs for non-S3 services normalise the path (drop empty/'.'/'..' segments) and URI-encode it
 *    again ("double encoding"); S3 signers (and curl 7.x) sign the path as sent, single-encoded. A signature
 *    matching either is accepted. The alternatives are only computed when the first form does not match and
 *    the path is not plain (contains '%', '.', '//' or characters outside the unreserved set). Caveat of
 *    accepting both: a captured request for '/a%20b' signed S3-style also verifies, within its 15 minutes,
 *    as '/a%2520b' (routes must not give such doubly-encoded paths a meaning).
 *  - query: pairs decoded and re-encoded per RFC 3986, sorted by encoded key then value; X-Amz-Signature
 *    excluded for presigned requests. A literal '+' is canonicalised as '%2B' (what SDKs send for a '+');
 *    if that fails, '+' meaning space ('%20') is tried, then the query exactly as sent (curl 7.x does not
 *    sort or re-encode it).
 *  - headers: names lower-cased, values trimmed with inner whitespace runs collapsed, multiple values joined
 *    with ','. Pass `req.headersDistinct` (Node >= 18.3) rather than `req.headers` if duplicated headers must
 *    verify: Node joins most duplicates into one string with ', ', which differs from AWS's ','.
 *  - date: x-amz-date (ISO 8601 basic), else the Date header (basic format or IMF-fixdate HTTP date).
 *
 * Hot path (the standard header form, cached signing key): about 4 SHA-256 compressions' worth of work plus
 * string building; the signing key (4 HMACs) is cached per (secret, date, region, service).
 */
import * as nodeCrypto from 'node:crypto';
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export interface SigV4Request {
  method: string;
  /** Raw path as received, without the query string. */
  path: string;
  /** Raw query string without '?', may be ''. */
  query: string;
  /** Lower-case header names as Node gives them. */
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export interface SigningSecret {
  accessKeyId: string;
  secretAccessKey: string;
  accountId: string;
  [k: string]: unknown;
}

/** Synchronous access-key lookup (keys are cached in memory by the caller). */
export type SigningSecretLookup = (accessKeyId: string) => SigningSecret | undefined;

export interface AuthError {
  code: string;
  message: string;
  httpStatus: number;
  /** The access key id the request claimed, when it could be parsed (for logging). */
  accessKeyId?: string;
}

export interface VerifySigV4Options {
  /** Current time, ms since epoch. */
  nowMs: number;
  /** Allowed clock skew, default 15 min (AWS's window). */
  maxSkewMs?: number;
  /** When set, the credential scope's service must be one of these (e.g. ['cloudtrail', 'cloudtrail-data']). */
  allowedServices?: readonly string[];
  /** When set, the credential scope's region must be one of these. */
  allowedRegions?: readonly string[];
  /** Accept `x-amz-content-sha256: UNSIGNED-PAYLOAD` (body not covered by the signature). Default true. */
  allowUnsignedPayload?: boolean;
}

export interface SigV4Success {
  ok: true;
  key: SigningSecret;
  service: string;
  region: string;
  /** Request timestamp (x-amz-date / Date / X-Amz-Date), ms since epoch. */
  signedAt: number;
  accessKeyId: string;
  /** True for the presigned query-string form. */
  presigned: boolean;
  /** False when the request was signed with UNSIGNED-PAYLOAD, i.e. the body is NOT authenticated. */
  payloadSigned: boolean;
}

export interface SigV4Failure {
  ok: false;
  error: AuthError;
}

export type SigV4Result = SigV4Success | SigV4Failure;

export const SIGV4_ALGORITHM = 'AWS4-HMAC-SHA256';
export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';
export const DEFAULT_MAX_SKEW_MS = 15 * 60 * 1000;
/** Longest X-Amz-Expires AWS accepts: one week. */
export const MAX_PRESIGNED_EXPIRES_SECONDS = 604_800;

/**
 * HTTP status per error code. AWS JSON (coral) services such as CloudTrail and DynamoDB answer all of the
 * signature errors with 400; AccessDeniedException for an expired presigned URL is our choice (S3 uses 403).
 */
export const AUTH_ERROR_HTTP_STATUS = {
  MissingAuthenticationTokenException: 400,
  IncompleteSignatureException: 400,
  InvalidSignatureException: 400,
  UnrecognizedClientException: 400,
  XAmzContentSHA256Mismatch: 400,
  AccessDeniedException: 403,
} as const;

export type AuthErrorCode = keyof typeof AUTH_ERROR_HTTP_STATUS;

export const MSG_MISSING_AUTH_TOKEN = 'Request is missing Authentication Token';
export const MSG_UNRECOGNIZED_CLIENT = 'The security token included in the request is invalid.';
export const MSG_SIGNATURE_MISMATCH =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';
export const MSG_HOST_NOT_SIGNED = "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.";
export const MSG_PRESIGNED_EXPIRED = 'Request has expired';
export const MSG_CONTENT_SHA256_MISMATCH =
  "The provided 'x-amz-content-sha256' header does not match what was computed.";

const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const KEY_TYPE_IDENTIFIER = 'aws4_request';
const AMZ_DATE_RE = /^\d{8}T\d{6}Z$/;
/** IMF-fixdate, the HTTP `Date` header format: "Tue, 15 Nov 1994 08:12:31 GMT". */
const HTTP_DATE_RE =
  /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/;
const HEX64_RE = /^[0-9a-fA-F]{64}$/;
const UNRESERVED_RE = /^[A-Za-z0-9\-._~]*$/;
const REGION_RE = /^[A-Za-z0-9._-]{1,64}$/;
const NON_ASCII_RE = /[\u0080-\uffff]/;
const ABOVE_LATIN1_RE = /[\u0100-\uffff]/;
const PRESIGN_PARAMS = [
  'X-Amz-Algorithm',
  'X-Amz-Credential',
  'X-Amz-Signature',
  'X-Amz-SignedHeaders',
  'X-Amz-Date',
] as const;

function fail(code: AuthErrorCode, message: string, accessKeyId?: string): SigV4Failure {
  const error: AuthError = { code, message, httpStatus: AUTH_ERROR_HTTP_STATUS[code] };
  if (accessKeyId) error.accessKeyId = accessKeyId;
  return { ok: false, error };
}

/** Clip client-supplied text echoed in error messages. */
function clip(s: string, max = 512): string {
  return s.length > max ? `${s.slice(0, max)}...` : s;
}

// ---------------------------------------------------------------------------------------------
// Signing-key cache: the same key signs thousands of requests per second, and deriving the key
// costs four HMACs. Bounded; oldest entry evicted first (Map keeps insertion order).
// ---------------------------------------------------------------------------------------------

const SIGNING_KEY_CACHE_MAX = 1024;

/** A derived signing key, with its HMAC inner/outer pad blocks precomputed (RFC 2104). */
interface SigningKey {
  key: Buffer;
  ipad: Buffer;
  opad: Buffer;
}

const signingKeyCache = new Map<string, SigningKey>();

/**
 * One-shot hashing (Node >= 20.12 / 21.7) is about twice as fast as createHash() for small inputs, and
 * lets HMAC-SHA256 with a cached key be two plain SHA-256 calls instead of a createHmac() object.
 */
const oneShotHash = (nodeCrypto as Partial<typeof nodeCrypto>).hash;

const SHA256_BLOCK = 64;

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}

function toSigningKey(key: Buffer): SigningKey {
  // The key is 32 bytes (shorter than the 64-byte block), so it is zero-padded, not hashed.
  const ipad = Buffer.alloc(SHA256_BLOCK, 0x36);
  const opad = Buffer.alloc(SHA256_BLOCK, 0x5c);
  for (let i = 0; i < key.length; i++) {
    ipad[i] = 0x36 ^ (key[i] as number);
    opad[i] = 0x5c ^ (key[i] as number);
  }
  return { key, ipad, opad };
}

/** HMAC-SHA256(signingKey, data) = H(opad || H(ipad || data)). */
function hmacWithSigningKey(k: SigningKey, data: string): Buffer {
  if (oneShotHash === undefined) return hmac(k.key, data);
  const inner = Buffer.allocUnsafe(SHA256_BLOCK + data.length * 3);
  k.ipad.copy(inner, 0);
  const n = inner.write(data, SHA256_BLOCK, 'utf8');
  const outer = Buffer.allocUnsafe(SHA256_BLOCK + 32);
  k.opad.copy(outer, 0);
  oneShotHash('sha256', inner.subarray(0, SHA256_BLOCK + n), 'buffer').copy(outer, SHA256_BLOCK);
  return oneShotHash('sha256', outer, 'buffer');
}

function getSigningKey(secret: string, shortDate: string, region: string, service: string): SigningKey {
  const cacheKey = `${shortDate}\n${region}\n${service}\n${secret}`;
  const cached = signingKeyCache.get(cacheKey);
  if (cached) return cached;
  const kDate = hmac(`AWS4${secret}`, shortDate);
  const kRegion = hmac(kDate, region);
  const kService = hmac(kRegion, service);
  const kSigning = toSigningKey(hmac(kService, KEY_TYPE_IDENTIFIER));
  if (signingKeyCache.size >= SIGNING_KEY_CACHE_MAX) {
    const oldest = signingKeyCache.keys().next();
    if (!oldest.done) signingKeyCache.delete(oldest.value);
  }
  signingKeyCache.set(cacheKey, kSigning);
  return kSigning;
}

/** Drop all cached signing keys (e.g. after revoking a key, or in tests). */
export function clearSigningKeyCache(): void {
  signingKeyCache.clear();
}

// ---------------------------------------------------------------------------------------------
// Encoding helpers
// ---------------------------------------------------------------------------------------------

/** RFC 3986 encoding as SigV4 wants it: everything except A-Z a-z 0-9 - _ . ~ is %XX (upper-case hex). */
export function awsUriEncode(s: string): string {
  if (UNRESERVED_RE.test(s)) return s;
  let encoded: string;
  try {
    encoded = encodeURIComponent(s);
  } catch {
    // Lone surrogates (cannot come from Node's HTTP parser): encode the U+FFFD-substituted form.
    encoded = encodeURIComponent(Buffer.from(s, 'utf8').toString('utf8'));
  }
  return encoded.replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function isHexDigit(code: number): boolean {
  return (code >= 48 && code <= 57) || (code >= 65 && code <= 70) || (code >= 97 && code <= 102);
}

/** Percent-decode; malformed escapes and invalid UTF-8 are kept/replaced instead of throwing. */
function pctDecode(s: string, plusAsSpace: boolean): string {
  if (plusAsSpace && s.includes('+')) s = s.replace(/\+/g, ' ');
  if (!s.includes('%')) return s;
  try {
    return decodeURIComponent(s);
  } catch {
    const bytes: number[] = [];
    for (let i = 0; i < s.length;) {
      const c = s.charCodeAt(i);
      if (c === 37 && i + 2 < s.length && isHexDigit(s.charCodeAt(i + 1)) && isHexDigit(s.charCodeAt(i + 2))) {
        bytes.push(parseInt(s.slice(i + 1, i + 3), 16));
        i += 3;
      } else {
        const cp = s.codePointAt(i) ?? c;
        const ch = String.fromCodePoint(cp);
        for (const b of Buffer.from(ch, 'utf8')) bytes.push(b);
        i += ch.length;
      }
    }
    return Buffer.from(bytes).toString('utf8');
  }
}

/** '/', '/PutAuditEvents', '/v1/events': no dots, no empty segments, nothing to encode. */
const PLAIN_PATH_RE = /^(?:\/[A-Za-z0-9_~-]+)*\/?$/;

/** Canonical URI as SDKs sign it for non-S3 services: normalised, then each segment encoded (again). */
function canonicalUriDoubleEncoded(path: string): string {
  if (PLAIN_PATH_RE.test(path) && path !== '') return path;
  const segments: string[] = [];
  for (const seg of path.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') segments.pop();
    else segments.push(awsUriEncode(seg));
  }
  const lead = path.startsWith('/') ? '/' : '';
  const trail = segments.length > 0 && path.endsWith('/') ? '/' : '';
  return `${lead}${segments.join('/')}${trail}` || '/';
}

/** Canonical URI as S3 signs it: not normalised, each segment encoded once (decode, then encode). */
function canonicalUriSingleEncoded(path: string): string {
  return (
    path
      .split('/')
      .map((seg) => awsUriEncode(pctDecode(seg, false)))
      .join('/') || '/'
  );
}

interface QueryPair {
  key: string;
  value: string;
}

function parseQuery(raw: string, plusAsSpace: boolean): QueryPair[] {
  const out: QueryPair[] = [];
  if (raw === '') return out;
  for (const part of raw.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const rawKey = eq === -1 ? part : part.slice(0, eq);
    const rawValue = eq === -1 ? '' : part.slice(eq + 1);
    out.push({ key: pctDecode(rawKey, plusAsSpace), value: pctDecode(rawValue, plusAsSpace) });
  }
  return out;
}

function canonicalQuery(pairs: readonly QueryPair[], excludeSignature: boolean): string {
  if (pairs.length === 0) return '';
  const encoded: [string, string][] = [];
  for (const { key, value } of pairs) {
    if (excludeSignature && key.toLowerCase() === 'x-amz-signature') continue;
    encoded.push([awsUriEncode(key), awsUriEncode(value)]);
  }
  if (encoded.length > 1) {
    encoded.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  }
  let s = '';
  for (let i = 0; i < encoded.length; i++) {
    const pair = encoded[i] as [string, string];
    s += `${i === 0 ? '' : '&'}${pair[0]}=${pair[1]}`;
  }
  return s;
}

function firstQueryValue(pairs: readonly QueryPair[], key: string): string | undefined {
  for (const p of pairs) if (p.key === key) return p.value;
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Header helpers
// ---------------------------------------------------------------------------------------------

const hasOwn = Object.prototype.hasOwnProperty;

function rawHeader(headers: SigV4Request['headers'], name: string): string | string[] | undefined {
  if (!hasOwn.call(headers, name)) return undefined;
  const v = headers[name];
  return typeof v === 'string' || Array.isArray(v) ? v : undefined;
}

function firstHeader(headers: SigV4Request['headers'], name: string): string | undefined {
  const v = rawHeader(headers, name);
  if (v === undefined) return undefined;
  if (typeof v === 'string') return v;
  const first = v[0];
  return typeof first === 'string' ? first : undefined;
}

const NEEDS_TRIM_RE = /[\t\r\n]| {2}|^ | $/;

function trimAll(v: string): string {
  if (!NEEDS_TRIM_RE.test(v)) return v;
  return v.replace(/[ \t\r\n]+/g, ' ').replace(/^ | $/g, '');
}

function canonicalHeaderValue(headers: SigV4Request['headers'], name: string): string {
  let v = rawHeader(headers, name);
  if (v === undefined && name === 'host') v = rawHeader(headers, ':authority');
  if (v === undefined) return '';
  if (typeof v === 'string') return trimAll(v);
  return v.map((x) => trimAll(String(x))).join(',');
}

// ---------------------------------------------------------------------------------------------
// Dates
// ---------------------------------------------------------------------------------------------

function digits(s: string, from: number, count: number): number {
  let n = 0;
  for (let i = from; i < from + count; i++) n = n * 10 + (s.charCodeAt(i) - 48);
  return n;
}

/** "20240101T000000Z" -> ms since epoch; undefined unless a valid UTC date-time in ISO 8601 basic format. */
function parseAmzDate(s: string): number | undefined {
  if (!AMZ_DATE_RE.test(s)) return undefined;
  const y = digits(s, 0, 4);
  const mo = digits(s, 4, 2);
  const d = digits(s, 6, 2);
  const h = digits(s, 9, 2);
  const mi = digits(s, 11, 2);
  const se = digits(s, 13, 2);
  if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || se > 59) return undefined;
  const leap = y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
  const daysInMonth = mo === 2 ? (leap ? 29 : 28) : mo === 4 || mo === 6 || mo === 9 || mo === 11 ? 30 : 31;
  if (d > daysInMonth) return undefined;
  return Date.UTC(y, mo - 1, d, h, mi, se);
}

/** ms -> "20240101T000000Z" */
export function formatAmzDate(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]|\.\d{3}/g, '');
}

function formatMinutes(ms: number): string {
  return `${Math.round((ms / 60_000) * 1000) / 1000} min.`;
}

/** Clock-skew check for header auth (and presigned URLs without X-Amz-Expires). */
function skewError(
  signedAt: number,
  longDate: string,
  nowMs: number,
  maxSkewMs: number,
  akid?: string,
): SigV4Failure | undefined {
  if (signedAt < nowMs - maxSkewMs) {
    return fail(
      'InvalidSignatureException',
      `Signature expired: ${longDate} is now earlier than ${formatAmzDate(nowMs - maxSkewMs)} (${formatAmzDate(nowMs)} - ${formatMinutes(maxSkewMs)})`,
      akid,
    );
  }
  return notYetCurrentError(signedAt, longDate, nowMs, maxSkewMs, akid);
}

function notYetCurrentError(
  signedAt: number,
  longDate: string,
  nowMs: number,
  maxSkewMs: number,
  akid?: string,
): SigV4Failure | undefined {
  if (signedAt > nowMs + maxSkewMs) {
    return fail(
      'InvalidSignatureException',
      `Signature not yet current: ${longDate} is still later than ${formatAmzDate(nowMs + maxSkewMs)} (${formatAmzDate(nowMs)} + ${formatMinutes(maxSkewMs)})`,
      akid,
    );
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Verification
// ---------------------------------------------------------------------------------------------

interface ParsedAuth {
  presigned: boolean;
  algorithm: string;
  credential: string;
  signedHeaders: string;
  signature: string;
  longDate: string;
  signedAt: number;
  /** Presigned only: X-Amz-Expires in seconds, when given. */
  expiresSeconds: number | undefined;
}

/** What every SDK, botocore and curl send; anything else goes through the general parser. */
const STANDARD_AUTH_RE =
  /^AWS4-HMAC-SHA256 Credential=([^\s,=]+), ?SignedHeaders=([^\s,=]+), ?Signature=([0-9a-f]{64})$/;

function parseAuthorizationHeader(authHeader: string, headers: SigV4Request['headers']): ParsedAuth | SigV4Failure {
  let algorithm: string;
  let credential: string;
  let signature: string;
  let signedHeaders: string | undefined;
  const m = STANDARD_AUTH_RE.exec(authHeader);
  if (m) {
    algorithm = SIGV4_ALGORITHM;
    credential = m[1] as string;
    signedHeaders = m[2] as string;
    signature = m[3] as string;
  } else {
    const trimmed = authHeader.trim();
    const ws = trimmed.search(/\s/);
    algorithm = ws === -1 ? trimmed : trimmed.slice(0, ws);
    const rest = ws === -1 ? '' : trimmed.slice(ws + 1);
    const params = new Map<string, string>();
    for (const piece of rest.split(/[\s,]+/)) {
      if (piece === '') continue;
      const eq = piece.indexOf('=');
      if (eq === -1) {
        return fail(
          'IncompleteSignatureException',
          `'${clip(piece)}' not a valid key=value pair (missing equal-sign) in Authorization header: '${clip(authHeader)}'.`,
        );
      }
      const k = piece.slice(0, eq);
      if (!params.has(k)) params.set(k, piece.slice(eq + 1));
    }
    credential = params.get('Credential') ?? '';
    signature = params.get('Signature') ?? '';
    signedHeaders = params.get('SignedHeaders');
  }
  const amzDate = firstHeader(headers, 'x-amz-date');
  const dateHeader = amzDate === undefined ? firstHeader(headers, 'date') : undefined;

  let msg = '';
  if (credential === '') msg += "Authorization header requires 'Credential' parameter. ";
  if (signature === '') msg += "Authorization header requires 'Signature' parameter. ";
  if (signedHeaders === undefined) msg += "Authorization header requires 'SignedHeaders' parameter. ";
  if (amzDate === undefined && dateHeader === undefined) {
    msg += "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ";
  }
  const akid = credential.split('/')[0] || undefined;
  if (msg) return fail('IncompleteSignatureException', `${msg}Authorization=${clip(authHeader)}`, akid);

  let signedAt: number | undefined;
  let longDate: string;
  if (amzDate !== undefined) {
    longDate = amzDate.trim();
    signedAt = parseAmzDate(longDate);
  } else {
    const d = (dateHeader ?? '').trim();
    signedAt = parseAmzDate(d);
    if (signedAt === undefined && HTTP_DATE_RE.test(d)) {
      const parsed = Date.parse(d);
      if (Number.isFinite(parsed)) signedAt = parsed;
    }
    longDate = signedAt === undefined ? d : formatAmzDate(signedAt);
  }
  if (signedAt === undefined) {
    return fail(
      'IncompleteSignatureException',
      `Date must be in ISO-8601 'basic format'. Got '${clip(longDate, 64)}'. See http://en.wikipedia.org/wiki/ISO_8601`,
      akid,
    );
  }
  return {
    presigned: false,
    algorithm,
    credential,
    signedHeaders: signedHeaders ?? '',
    signature,
    longDate,
    signedAt,
    expiresSeconds: undefined,
  };
}

function parsePresigned(pairs: readonly QueryPair[]): ParsedAuth | SigV4Failure {
  const values = PRESIGN_PARAMS.map((p) => firstQueryValue(pairs, p) ?? '');
  let msg = '';
  PRESIGN_PARAMS.forEach((p, i) => {
    if (values[i] === '') msg += `AWS query-string parameters must include '${p}'. `;
  });
  const [algorithm, credential, signature, signedHeaders, amzDate] = values as [string, string, string, string, string];
  const akid = credential.split('/')[0] || undefined;
  if (msg) return fail('IncompleteSignatureException', `${msg}Re-examine the query-string parameters.`, akid);

  const signedAt = parseAmzDate(amzDate);
  if (signedAt === undefined) {
    return fail(
      'IncompleteSignatureException',
      `Date must be in ISO-8601 'basic format'. Got '${clip(amzDate, 64)}'. See http://en.wikipedia.org/wiki/ISO_8601`,
      akid,
    );
  }
  let expiresSeconds: number | undefined;
  const expires = firstQueryValue(pairs, 'X-Amz-Expires');
  if (expires !== undefined) {
    // S3's wording for these two.
    if (!/^\d{1,10}$/.test(expires))
      return fail('IncompleteSignatureException', 'X-Amz-Expires should be a number', akid);
    expiresSeconds = Number(expires);
    if (expiresSeconds > MAX_PRESIGNED_EXPIRES_SECONDS) {
      return fail(
        'IncompleteSignatureException',
        `X-Amz-Expires must be less than a week (in seconds) that is ${MAX_PRESIGNED_EXPIRES_SECONDS}`,
        akid,
      );
    }
  }
  return {
    presigned: true,
    algorithm,
    credential,
    signedHeaders,
    signature,
    longDate: amzDate,
    signedAt,
    expiresSeconds,
  };
}

function sha256Hex(data: Buffer | string, encoding: 'utf8' | 'latin1' = 'utf8'): string {
  if (oneShotHash !== undefined) {
    return oneShotHash(
      'sha256',
      typeof data === 'string' && encoding !== 'utf8' ? Buffer.from(data, encoding) : data,
      'hex',
    );
  }
  const h = createHash('sha256');
  if (typeof data === 'string') h.update(data, encoding);
  else h.update(data);
  return h.digest('hex');
}

/**
 * Verify an AWS SigV4-signed request (Authorization header or presigned query string).
 * Pure and synchronous; never throws for malformed input (a throwing `lookup` propagates).
 */
export function verifySigV4(req: SigV4Request, lookup: SigningSecretLookup, opts: VerifySigV4Options): SigV4Result {
  const maxSkewMs = opts.maxSkewMs ?? DEFAULT_MAX_SKEW_MS;
  const headers = req.headers;
  const authHeader = firstHeader(headers, 'authorization');
  const pairs = parseQuery(req.query, false);

  let presignedQuery = false;
  for (const p of pairs) {
    if (
      p.key === 'X-Amz-Algorithm' ||
      p.key === 'X-Amz-Credential' ||
      p.key === 'X-Amz-Signature' ||
      p.key === 'X-Amz-SignedHeaders'
    ) {
      presignedQuery = true;
      break;
    }
  }

  // 1. Which mechanism (coral's order: both -> missing -> incomplete -> date -> expiry -> host -> algorithm
  //    -> credential shape -> credential scope -> access key -> signature).
  if (authHeader !== undefined && authHeader.trim() !== '' && presignedQuery) {
    return fail(
      'InvalidSignatureException',
      "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header.",
    );
  }
  let parsed: ParsedAuth | SigV4Failure;
  if (presignedQuery) {
    parsed = parsePresigned(pairs);
  } else {
    // Like AWS: anything that is not an AWS4-* Authorization header counts as no token at all
    // (so a "Bearer ..." token is never echoed back).
    if (authHeader === undefined || !authHeader.trimStart().startsWith('AWS4-')) {
      return fail('MissingAuthenticationTokenException', MSG_MISSING_AUTH_TOKEN);
    }
    parsed = parseAuthorizationHeader(authHeader, headers);
  }
  if ('ok' in parsed) return parsed;
  const auth = parsed;
  const akidHint = auth.credential.split('/')[0] || undefined;

  // 2. Time window.
  if (auth.presigned && auth.expiresSeconds !== undefined) {
    const notYet = notYetCurrentError(auth.signedAt, auth.longDate, opts.nowMs, maxSkewMs, akidHint);
    if (notYet) return notYet;
    if (opts.nowMs > auth.signedAt + auth.expiresSeconds * 1000) {
      return fail('AccessDeniedException', MSG_PRESIGNED_EXPIRED, akidHint);
    }
  } else {
    const skew = skewError(auth.signedAt, auth.longDate, opts.nowMs, maxSkewMs, akidHint);
    if (skew) return skew;
  }

  // 3. Host must be signed.
  const signedHeaderNames =
    auth.signedHeaders === '' ? [] : auth.signedHeaders.split(';').map((h) => h.trim().toLowerCase());
  if (!signedHeaderNames.includes('host') && !signedHeaderNames.includes(':authority')) {
    return fail('InvalidSignatureException', MSG_HOST_NOT_SIGNED, akidHint);
  }

  // 4. Algorithm.
  if (auth.algorithm !== SIGV4_ALGORITHM) {
    return fail(
      'IncompleteSignatureException',
      `Unsupported AWS 'algorithm': '${clip(auth.algorithm, 64)}' (only AWS4-HMAC-SHA256 for now). `,
      akidHint,
    );
  }

  // 5. Credential: keyid/date/region/service/aws4_request (trailing slashes ignored, like AWS).
  const credParts = auth.credential.split('/');
  while (credParts.length > 5 && credParts[credParts.length - 1] === '') credParts.pop();
  if (credParts.length !== 5) {
    return fail(
      'IncompleteSignatureException',
      `Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '${clip(auth.credential)}'`,
      akidHint,
    );
  }
  const [accessKeyId, scopeDate, region, service, terminator] = credParts as [string, string, string, string, string];
  let scopeMsg = '';
  if (!REGION_RE.test(region) || (opts.allowedRegions !== undefined && !opts.allowedRegions.includes(region))) {
    scopeMsg += `Credential should be scoped to a valid region, not '${clip(region, 64)}'. `;
  }
  if (opts.allowedServices !== undefined && opts.allowedServices.length > 0) {
    if (!opts.allowedServices.includes(service)) {
      scopeMsg += `Credential should be scoped to correct service: '${opts.allowedServices[0]}'. `;
    }
  } else if (service === '') {
    scopeMsg += "Credential should be scoped to a valid service, not ''. ";
  }
  if (terminator !== KEY_TYPE_IDENTIFIER) {
    scopeMsg += `Credential should be scoped with a valid terminator: '${KEY_TYPE_IDENTIFIER}', not '${clip(terminator, 64)}'. `;
  }
  const httpDay = auth.longDate.slice(0, 8);
  if (scopeDate !== httpDay) {
    scopeMsg += `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${clip(scopeDate, 64)}' != '${httpDay}', from '${auth.longDate}'.`;
  }
  if (scopeMsg) return fail('InvalidSignatureException', scopeMsg, accessKeyId || undefined);

  // 6. Access key.
  const key = accessKeyId === '' ? undefined : lookup(accessKeyId);
  if (!key) return fail('UnrecognizedClientException', MSG_UNRECOGNIZED_CLIENT, accessKeyId || undefined);

  // 7. Payload hash.
  const allowUnsigned = opts.allowUnsignedPayload ?? true;
  let contentSha = firstHeader(headers, 'x-amz-content-sha256');
  if (contentSha === undefined && auth.presigned) contentSha = firstQueryValue(pairs, 'X-Amz-Content-Sha256');
  const payloadCandidates: string[] = [];
  let claimedHash: string | undefined;
  let bodyHash: string | undefined;
  if (contentSha !== undefined) {
    contentSha = contentSha.trim();
    if (contentSha === UNSIGNED_PAYLOAD) {
      if (!allowUnsigned) {
        return fail(
          'IncompleteSignatureException',
          'UNSIGNED-PAYLOAD is not accepted here; the payload must be signed.',
          accessKeyId,
        );
      }
    } else if (HEX64_RE.test(contentSha)) {
      claimedHash = contentSha.toLowerCase();
    } else {
      return fail(
        'IncompleteSignatureException',
        'x-amz-content-sha256 must be UNSIGNED-PAYLOAD or a valid sha256 value.',
        accessKeyId,
      );
    }
    payloadCandidates.push(contentSha);
  } else {
    bodyHash = req.body.length === 0 ? EMPTY_SHA256 : sha256Hex(req.body);
    payloadCandidates.push(bodyHash);
    // S3-style presigners sign UNSIGNED-PAYLOAD without sending it anywhere.
    if (auth.presigned && allowUnsigned) payloadCandidates.push(UNSIGNED_PAYLOAD);
  }

  // 8. Signature.
  const provided = HEX64_RE.test(auth.signature) ? Buffer.from(auth.signature, 'hex') : undefined;
  if (!provided) return fail('InvalidSignatureException', MSG_SIGNATURE_MISMATCH, accessKeyId);

  let canonicalHeaders = '';
  for (const name of signedHeaderNames) canonicalHeaders += `${name}:${canonicalHeaderValue(headers, name)}\n`;
  // Node hands header values over as latin1 strings of the raw bytes, which the client hashed as bytes.
  const encodings: ('utf8' | 'latin1')[] = !NON_ASCII_RE.test(canonicalHeaders)
    ? ['utf8']
    : ABOVE_LATIN1_RE.test(canonicalHeaders)
      ? ['utf8']
      : ['latin1', 'utf8'];

  const scope = `${scopeDate}/${region}/${service}/${KEY_TYPE_IDENTIFIER}`;
  const signingKey = getSigningKey(key.secretAccessKey, scopeDate, region, service);
  const method = req.method.toUpperCase();
  const rawPath = req.path === '' ? '/' : req.path;

  const tryCandidate = (uri: string, query: string, payloadHash: string): boolean => {
    for (const enc of encodings) {
      const canonicalRequest = `${method}\n${uri}\n${query}\n${canonicalHeaders}\n${auth.signedHeaders}\n${payloadHash}`;
      const stringToSign = `${SIGV4_ALGORITHM}\n${auth.longDate}\n${scope}\n${sha256Hex(canonicalRequest, enc)}`;
      const expected = hmacWithSigningKey(signingKey, stringToSign);
      if (timingSafeEqual(expected, provided)) return true;
    }
    return false;
  };

  const query0 = canonicalQuery(pairs, auth.presigned);
  const uriA = canonicalUriDoubleEncoded(rawPath);
  let matchedPayload: string | undefined;
  const firstPayload = payloadCandidates[0] as string;
  if (tryCandidate(uriA, query0, firstPayload)) {
    matchedPayload = firstPayload;
  } else {
    // Slow path: alternative canonical forms real clients produce. Only distinct forms are tried.
    // A plain path has no other canonical form.
    const uris = [uriA];
    if (!PLAIN_PATH_RE.test(rawPath)) {
      for (const u of [rawPath, canonicalUriSingleEncoded(rawPath)]) if (!uris.includes(u)) uris.push(u);
    }
    const queries = [query0];
    if (req.query.includes('+')) {
      const q = canonicalQuery(parseQuery(req.query, true), auth.presigned);
      if (q !== query0) queries.push(q);
    }
    // Some signers (curl < 8.x) sign the query string exactly as sent: unsorted, not re-encoded. Never
    // equal to another request's canonical form unless identical to it, so accepting it is safe.
    if (!auth.presigned && !queries.includes(req.query)) queries.push(req.query);
    outer: for (const uri of uris) {
      for (const q of queries) {
        for (const p of payloadCandidates) {
          if (uri === uriA && q === query0 && p === firstPayload) continue;
          if (tryCandidate(uri, q, p)) {
            matchedPayload = p;
            break outer;
          }
        }
      }
    }
  }
  if (matchedPayload === undefined) return fail('InvalidSignatureException', MSG_SIGNATURE_MISMATCH, accessKeyId);

  // 9. The signed hash must really be the body's (checked after the signature, like S3 does).
  if (claimedHash !== undefined) {
    bodyHash ??= req.body.length === 0 ? EMPTY_SHA256 : sha256Hex(req.body);
    if (bodyHash !== claimedHash) return fail('XAmzContentSHA256Mismatch', MSG_CONTENT_SHA256_MISMATCH, accessKeyId);
  }

  return {
    ok: true,
    key,
    service,
    region,
    signedAt: auth.signedAt,
    accessKeyId,
    presigned: auth.presigned,
    payloadSigned: matchedPayload !== UNSIGNED_PAYLOAD,
  };
}
