/**
 * Access keys and account ids shaped like AWS's, so SDKs, CLIs and log tooling that pattern-match them work.
 */
import { randomBytes, randomInt } from 'node:crypto';

const BASE32_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

const ACCESS_KEY_ID_RE = /^AKIA[A-Z2-7]{16}$/;
const SECRET_ACCESS_KEY_RE = /^[A-Za-z0-9/+]{40}$/;
const ACCOUNT_ID_RE = /^[0-9]{12}$/;

/** RFC 4648 base32 without padding; 10 bytes -> exactly 16 characters. */
function base32(bytes: Buffer): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32_ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
  }
  if (bits > 0) out += BASE32_ALPHABET[(value << (5 - bits)) & 31];
  return out;
}

/**
 * A new long-term access key pair:
 *  - accessKeyId: 'AKIA' + 16 characters of [A-Z2-7] (80 random bits), 20 characters like AWS's;
 *  - secretAccessKey: 40 characters of [A-Za-z0-9/+] (base64 of 30 random bytes = 240 bits, no padding).
 */
export function generateAccessKey(): { accessKeyId: string; secretAccessKey: string } {
  return {
    accessKeyId: `AKIA${base32(randomBytes(10))}`,
    secretAccessKey: randomBytes(30).toString('base64'),
  };
}

/** A new 12-digit account id whose first digit is not zero (uniform over 100000000000..999999999999). */
export function generateAccountId(): string {
  return String(randomInt(100_000_000_000, 1_000_000_000_000));
}

/**
 * True for a syntactically valid AWS account id: exactly 12 ASCII digits. A leading zero is allowed because
 * real AWS account ids can start with 0 (generateAccountId just never produces one).
 */
export function isAccountId(s: unknown): s is string {
  return typeof s === 'string' && ACCOUNT_ID_RE.test(s);
}

/** True for an access key id of the shape generateAccessKey produces ('AKIA' + 16 x [A-Z2-7]). */
export function isAccessKeyId(s: unknown): s is string {
  return typeof s === 'string' && ACCESS_KEY_ID_RE.test(s);
}

/** True for a secret of the shape generateAccessKey produces (40 x [A-Za-z0-9/+]). */
export function isSecretAccessKey(s: unknown): s is string {
  return typeof s === 'string' && SECRET_ACCESS_KEY_RE.test(s);
}
