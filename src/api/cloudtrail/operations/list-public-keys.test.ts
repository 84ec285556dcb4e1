import { createPublicKey } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SigningKeyStore } from '../../../integrity/key-store.js';
import { publicKeyFingerprint } from '../../../integrity/public-key.js';
import type { AppContext, Caller } from '../../context.js';
import { ApiError } from '../../errors.js';
import { listPublicKeys } from './list-public-keys.js';

const dir = mkdtempSync(join(tmpdir(), 'ot-lpk-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const caller = { accountId: '111111111111' } as Caller;
// The operation uses only the signing keys and the region.
const ctx = { signingKeys: new SigningKeyStore(dir), region: 'us-east-1' } as unknown as AppContext;
const call = (input: Record<string, unknown>) => listPublicKeys.handle(input, { ctx, caller });

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (err instanceof ApiError) return err.code;
    throw err;
  }
  return 'ok';
}

describe('ListPublicKeys', () => {
  it('answers the current key: Value base64 of PKCS#1 DER, fingerprint its MD5, times in epoch seconds', async () => {
    const out = (await call({})) as { PublicKeyList: Record<string, unknown>[] };
    expect(out.PublicKeyList).toHaveLength(1);
    const key = out.PublicKeyList[0]!;
    const der = Buffer.from(key.Value as string, 'base64');
    // Encoded once: the bytes are DER (a SEQUENCE), loadable as PKCS#1, not base64 text again.
    expect(der[0]).toBe(0x30);
    expect(createPublicKey({ key: der, format: 'der', type: 'pkcs1' }).asymmetricKeyType).toBe('rsa');
    expect(key.Value as string).toMatch(/^MIIBCgKCAQEA/);
    expect(key.Fingerprint).toBe(publicKeyFingerprint(der));
    expect(typeof key.ValidityStartTime).toBe('number');
    const now = Date.now() / 1000;
    expect(key.ValidityStartTime as number).toBeLessThanOrEqual(now);
    expect(key.ValidityEndTime as number).toBeGreaterThan(now);
    expect(out).not.toHaveProperty('NextToken');
  });

  it('lists every key whose validity overlaps the range, retired ones too', async () => {
    const before = Date.now() / 1000;
    await ctx.signingKeys.rotate('us-east-1');
    const out = (await call({ StartTime: before - 60, EndTime: Date.now() / 1000 + 60 })) as {
      PublicKeyList: { Fingerprint: string }[];
    };
    expect(new Set(out.PublicKeyList.map((k) => k.Fingerprint)).size).toBe(2);
    const past = (await call({ StartTime: 1, EndTime: 2 })) as { PublicKeyList: unknown[] };
    expect(past.PublicKeyList).toEqual([]);
  });

  it('refuses a range that ends before it starts, bad times and a NextToken it never issued', async () => {
    expect(await codeOf(call({ StartTime: 2000, EndTime: 1000 }))).toBe('InvalidTimeRangeException');
    expect(await codeOf(call({ StartTime: 'yesterday' }))).toBe('SerializationException');
    expect(await codeOf(call({ EndTime: -5 }))).toBe('InvalidTimeRangeException');
    expect(await codeOf(call({ NextToken: 'abc' }))).toBe('InvalidTokenException');
  });
});
