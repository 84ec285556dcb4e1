/**
 * Digest signatures (spec §3.3): RSASSA-PKCS1-v1_5 with SHA-256 over the string to sign, hex in
 * the object's `signature` metadata, with `signature-algorithm: SHA256withRSA` beside it.
 */
import { createHash, createSign, createVerify, type KeyObject } from 'node:crypto';
import { DIGEST_SIGNATURE_ALGORITHM, type BuiltDigest } from './digest.js';

/** The digest fields the string to sign is made of, as they appear in the JSON. */
export interface SignedDigestFields {
  digestEndTime: string;
  digestS3Bucket: string;
  digestS3Object: string;
  previousDigestSignature: string | null;
}

/** S3 user metadata of a digest object (without the `x-amz-meta-` prefix). */
export interface DigestSignatureMetadata {
  signature: string;
  'signature-algorithm': string;
  [key: string]: string;
}

/**
 * `endTime\nbucket/key\nsha256hex(uncompressed digest)\nprevious signature`, no trailing newline;
 * a null previous signature is the four characters `null` (the CLI says: to match AWS's Java).
 */
export function digestStringToSign(fields: SignedDigestFields, uncompressedDigest: Uint8Array): string {
  const hash = createHash('sha256').update(uncompressedDigest).digest('hex');
  const previous = fields.previousDigestSignature ?? 'null';
  return `${fields.digestEndTime}\n${fields.digestS3Bucket}/${fields.digestS3Object}\n${hash}\n${previous}`;
}

export function signStringHex(privateKey: KeyObject, text: string): string {
  return createSign('sha256').update(text, 'utf8').sign(privateKey, 'hex');
}

/** Signs a built digest; the result is the metadata to store with its object. */
export function signDigest(privateKey: KeyObject, digest: BuiltDigest): DigestSignatureMetadata {
  return {
    signature: signStringHex(privateKey, digestStringToSign(digest.document, digest.uncompressed)),
    'signature-algorithm': DIGEST_SIGNATURE_ALGORITHM,
  };
}

/** True when `signature` is a valid PKCS#1 v1.5 SHA-256 signature of `text` under `publicKey`. */
export function verifyString(publicKey: KeyObject, text: string, signature: Uint8Array): boolean {
  return createVerify('sha256').update(text, 'utf8').verify(publicKey, signature);
}
