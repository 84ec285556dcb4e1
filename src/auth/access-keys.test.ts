import { describe, expect, it } from 'vitest';
import { SignatureV4 } from '@smithy/signature-v4';
import { Sha256 } from '@aws-crypto/sha256-js';
import { generateAccessKey, generateAccountId, isAccessKeyId, isAccountId, isSecretAccessKey } from './access-keys.js';
import { verifySigV4 } from './sigv4.js';

describe('generateAccessKey', () => {
  it('has the shape of an AWS long-term access key', () => {
    for (let i = 0; i < 500; i++) {
      const { accessKeyId, secretAccessKey } = generateAccessKey();
      expect(accessKeyId).toMatch(/^AKIA[A-Z2-7]{16}$/);
      expect(accessKeyId).toHaveLength(20);
      expect(secretAccessKey).toMatch(/^[A-Za-z0-9/+]{40}$/);
      expect(isAccessKeyId(accessKeyId)).toBe(true);
      expect(isSecretAccessKey(secretAccessKey)).toBe(true);
    }
  });

  it('is random: no repeats, and every base32 character shows up', () => {
    const ids = new Set<string>();
    const secrets = new Set<string>();
    const chars = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const k = generateAccessKey();
      ids.add(k.accessKeyId);
      secrets.add(k.secretAccessKey);
      for (const c of k.accessKeyId.slice(4)) chars.add(c);
    }
    expect(ids.size).toBe(2000);
    expect(secrets.size).toBe(2000);
    expect(chars.size).toBe(32);
  });

  it('signs and verifies end to end with the AWS SDK signer', async () => {
    const key = { ...generateAccessKey(), accountId: generateAccountId() };
    const signer = new SignatureV4({
      service: 'cloudtrail',
      region: 'us-east-1',
      credentials: key,
      sha256: Sha256,
    });
    const now = Date.now();
    const signed = (await signer.sign(
      {
        method: 'POST',
        protocol: 'https:',
        hostname: 'localhost',
        path: '/',
        query: {},
        headers: { host: 'localhost:4566', 'content-type': 'application/x-amz-json-1.1' },
        body: '{}',
      } as never,
      { signingDate: new Date(now) },
    )) as unknown as { method: string; path: string; headers: Record<string, string> };
    const r = verifySigV4(
      { method: signed.method, path: signed.path, query: '', headers: signed.headers, body: Buffer.from('{}') },
      (id) => (id === key.accessKeyId ? key : undefined),
      { nowMs: now, allowedServices: ['cloudtrail'] },
    );
    expect(r.ok).toBe(true);
  });
});

describe('generateAccountId / isAccountId', () => {
  it('is 12 digits with a non-zero first digit', () => {
    const firstDigits = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const id = generateAccountId();
      expect(id).toMatch(/^[1-9][0-9]{11}$/);
      expect(isAccountId(id)).toBe(true);
      firstDigits.add(id.charAt(0));
    }
    expect(firstDigits.size).toBe(9);
  });

  it('accepts exactly 12 ASCII digits (a leading zero is a valid AWS account id)', () => {
    expect(isAccountId('123456789012')).toBe(true);
    expect(isAccountId('012345678901')).toBe(true);
    expect(isAccountId('12345678901')).toBe(false);
    expect(isAccountId('1234567890123')).toBe(false);
    expect(isAccountId('12345678901a')).toBe(false);
    expect(isAccountId(' 123456789012')).toBe(false);
    expect(isAccountId('123456789012\n')).toBe(false);
    expect(isAccountId('１２３４５６７８９０１２')).toBe(false);
    expect(isAccountId(123456789012)).toBe(false);
    expect(isAccountId(undefined)).toBe(false);
  });

  it('isAccessKeyId / isSecretAccessKey reject other shapes', () => {
    expect(isAccessKeyId('AKIAIOSFODNN7EXAMPLE')).toBe(true);
    expect(isAccessKeyId('ASIAIOSFODNN7EXAMPLE')).toBe(false);
    expect(isAccessKeyId('AKIAIOSFODNN7EXAMPL1')).toBe(false);
    expect(isAccessKeyId('akiaiosfodnn7example')).toBe(false);
    expect(isSecretAccessKey('wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY')).toBe(true);
    expect(isSecretAccessKey('wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKE=')).toBe(false);
    expect(isSecretAccessKey(null)).toBe(false);
  });
});
