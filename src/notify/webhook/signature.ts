import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Our webhook signature (EventBridge has none): every request carries
 *
 *   X-OpenTrail-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>
 *
 * Signing the timestamp with the body lets a receiver refuse replays older than its tolerance.
 * Several v1 entries may appear while a secret is being rotated; one valid entry suffices.
 */
export const SIGNATURE_HEADER = 'X-OpenTrail-Signature';
export const DEFAULT_TOLERANCE_SECONDS = 300;

export function computeSignature(secret: string, timestampSec: number, body: string): string {
  return createHmac('sha256', secret).update(`${timestampSec}.${body}`, 'utf8').digest('hex');
}

export function signatureHeaderValue(secret: string, timestampSec: number, body: string): string {
  return `t=${timestampSec},v1=${computeSignature(secret, timestampSec, body)}`;
}

export type SignatureCheck = { valid: true; timestampSec: number } | { valid: false; reason: string };

/**
 * Checks a header value against the raw body exactly as received (before any JSON parsing).
 * `nowSec` defaults to the current time; `toleranceSec` bounds how old (or how far ahead) `t` may be.
 */
export function verifySignature(
  secret: string,
  header: string | undefined | null,
  body: string | Buffer,
  options: { nowSec?: number; toleranceSec?: number } = {},
): SignatureCheck {
  if (!header) return { valid: false, reason: `missing ${SIGNATURE_HEADER} header` };
  let timestampSec: number | undefined;
  const candidates: string[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) return { valid: false, reason: `malformed ${SIGNATURE_HEADER}: "${part}" is not key=value` };
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 't') {
      if (!/^\d{1,12}$/.test(value))
        return { valid: false, reason: `malformed ${SIGNATURE_HEADER}: t must be unix seconds` };
      timestampSec = Number(value);
    } else if (key === 'v1') {
      candidates.push(value);
    }
  }
  if (timestampSec === undefined) return { valid: false, reason: `malformed ${SIGNATURE_HEADER}: no t= entry` };
  if (candidates.length === 0) return { valid: false, reason: `malformed ${SIGNATURE_HEADER}: no v1= entry` };
  const nowSec = options.nowSec ?? Math.floor(Date.now() / 1000);
  const tolerance = options.toleranceSec ?? DEFAULT_TOLERANCE_SECONDS;
  if (Math.abs(nowSec - timestampSec) > tolerance) {
    return { valid: false, reason: `timestamp ${timestampSec} is more than ${tolerance} s from now (${nowSec})` };
  }
  const raw = typeof body === 'string' ? body : body.toString('utf8');
  const expected = Buffer.from(computeSignature(secret, timestampSec, raw), 'hex');
  for (const c of candidates) {
    if (!/^[0-9a-f]{64}$/.test(c)) continue;
    if (timingSafeEqual(expected, Buffer.from(c, 'hex'))) return { valid: true, timestampSec };
  }
  return { valid: false, reason: 'no v1 signature matches the body' };
}
