import { describe, expect, it } from 'vitest';
import { computeSignature, signatureHeaderValue, verifySignature } from './signature.js';

const secret = 'a-test-secret-of-enough-length';
const body = '{"detail-type":"AWS API Call via CloudTrail"}';

describe('X-OpenTrail-Signature', () => {
  it('is HMAC-SHA256 of "t.body" in hex, matching an independent computation', async () => {
    const { createHmac } = await import('node:crypto');
    const expected = createHmac('sha256', secret).update(`1700000000.${body}`).digest('hex');
    expect(computeSignature(secret, 1700000000, body)).toBe(expected);
    expect(signatureHeaderValue(secret, 1700000000, body)).toBe(`t=1700000000,v1=${expected}`);
  });

  it('verifies its own header and refuses a changed body, another secret, and a stale timestamp', () => {
    const header = signatureHeaderValue(secret, 1700000000, body);
    expect(verifySignature(secret, header, body, { nowSec: 1700000010 })).toEqual({
      valid: true,
      timestampSec: 1700000000,
    });
    expect(verifySignature(secret, header, Buffer.from(body), { nowSec: 1700000010 }).valid).toBe(true);
    expect(verifySignature(secret, header, body + ' ', { nowSec: 1700000010 })).toEqual({
      valid: false,
      reason: 'no v1 signature matches the body',
    });
    expect(verifySignature('another-secret-entirely', header, body, { nowSec: 1700000010 }).valid).toBe(false);
    const stale = verifySignature(secret, header, body, { nowSec: 1700000000 + 301 });
    expect(stale).toEqual({ valid: false, reason: 'timestamp 1700000000 is more than 300 s from now (1700000301)' });
    expect(verifySignature(secret, header, body, { nowSec: 1700000000 + 301, toleranceSec: 600 }).valid).toBe(true);
  });

  it('accepts any one valid v1 among several (secret rotation)', () => {
    const good = computeSignature(secret, 1700000000, body);
    expect(
      verifySignature(secret, `t=1700000000,v1=${'0'.repeat(64)},v1=${good}`, body, { nowSec: 1700000000 }).valid,
    ).toBe(true);
  });

  it('explains malformed headers', () => {
    const opts = { nowSec: 1700000000 };
    expect(verifySignature(secret, undefined, body, opts)).toEqual({
      valid: false,
      reason: 'missing X-OpenTrail-Signature header',
    });
    expect(verifySignature(secret, 'v1=abc', body, opts)).toEqual({
      valid: false,
      reason: 'malformed X-OpenTrail-Signature: no t= entry',
    });
    expect(verifySignature(secret, 't=1700000000', body, opts)).toEqual({
      valid: false,
      reason: 'malformed X-OpenTrail-Signature: no v1= entry',
    });
    expect(verifySignature(secret, 't=soon,v1=ab', body, opts)).toEqual({
      valid: false,
      reason: 'malformed X-OpenTrail-Signature: t must be unix seconds',
    });
    expect(verifySignature(secret, 'garbage', body, opts)).toEqual({
      valid: false,
      reason: 'malformed X-OpenTrail-Signature: "garbage" is not key=value',
    });
    expect(verifySignature(secret, 't=1700000000,v1=short', body, opts).valid).toBe(false);
  });
});
