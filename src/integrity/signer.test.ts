import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { loadPkcs1PublicKey, publicKeyDer, publicKeyFingerprint } from './public-key.js';
import { digestStringToSign, signStringHex, verifyString } from './signer.js';
import { DIGEST_BASICS } from './testdata/chain.js';

const fixture = (name: string) => readFileSync(join(DIGEST_BASICS, name));
const sampleKey = createPrivateKey(fixture('keys/awscli_sample_private_key.pem'));
const vector = JSON.parse(fixture('awscli_string_to_sign_vector.json').toString()) as {
  digest_data: { digestEndTime: string; digestS3Bucket: string; digestS3Object: string; previousDigestSignature: null };
  inflated_digest_utf8: string;
  expected_string_to_sign: string;
  signature_hex_with_awscli_sample_key_RSA_PKCS1v15_SHA256: string;
};

describe('string to sign and signature', () => {
  it("matches aws-cli's vector byte for byte, and the sample key's deterministic signature", () => {
    const text = digestStringToSign(vector.digest_data, Buffer.from(vector.inflated_digest_utf8));
    expect(text).toBe(vector.expected_string_to_sign);
    expect(signStringHex(sampleKey, text)).toBe(vector.signature_hex_with_awscli_sample_key_RSA_PKCS1v15_SHA256);
  });

  it('reproduces every signature of the fixture chain from the digests alone', () => {
    const scenarioDir = join(DIGEST_BASICS, 'scenarios/01_valid_chain');
    const scenario = JSON.parse(readFileSync(join(scenarioDir, 'scenario.json'), 'utf8')) as {
      digests_as_generated: { key: string; string_to_sign: string; signature_hex: string }[];
    };
    for (const d of scenario.digests_as_generated) {
      const raw = gunzipSync(readFileSync(join(scenarioDir, 'bucket/heldout-ct-bucket', d.key)));
      const text = digestStringToSign(JSON.parse(raw.toString()), raw);
      expect(text).toBe(d.string_to_sign);
      expect(signStringHex(sampleKey, text)).toBe(d.signature_hex);
    }
  });

  it('verifies with the PKCS#1 public key and rejects another key or another text', () => {
    const text = vector.expected_string_to_sign;
    const sig = Buffer.from(vector.signature_hex_with_awscli_sample_key_RSA_PKCS1v15_SHA256, 'hex');
    const pub = loadPkcs1PublicKey(fixture('keys/public_key_pkcs1.der'));
    expect(verifyString(pub, text, sig)).toBe(true);
    expect(verifyString(pub, text + ' ', sig)).toBe(false);
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey;
    expect(verifyString(other, text, sig)).toBe(false);
  });
});

describe('public keys', () => {
  it('serves PKCS#1 DER whose MD5 is the fixture fingerprint', () => {
    const der = publicKeyDer(sampleKey);
    expect(der.equals(fixture('keys/public_key_pkcs1.der'))).toBe(true);
    expect(der.toString('base64')).toBe(fixture('keys/public_key_pkcs1.der.b64').toString().trim());
    expect(der.toString('base64').startsWith('MIIBCgKCAQEA')).toBe(true);
    expect(publicKeyFingerprint(der)).toBe('3a35183f878722f06327a2c6f5948836');
  });

  it("fingerprints the aws-cli test key (the AWS docs' sample) as documented", () => {
    const v = JSON.parse(fixture('awscli_negative_key_vectors.json').toString()) as {
      VALID_TEST_KEY_pkcs1_der_b64: string;
    };
    expect(publicKeyFingerprint(Buffer.from(v.VALID_TEST_KEY_pkcs1_der_b64, 'base64'))).toBe(
      '8eba5db5bea9b640d1c96a77256fe7f2',
    );
  });

  it('refuses a key that is not PKCS#1 DER', () => {
    expect(() => loadPkcs1PublicKey(Buffer.from('a\n'))).toThrow();
    const spki = createPrivateKey(fixture('keys/awscli_sample_private_key.pem'));
    const spkiDer = loadPkcs1PublicKey(publicKeyDer(spki)).export({ type: 'spki', format: 'der' });
    expect(() => loadPkcs1PublicKey(spkiDer)).toThrow();
  });
});
