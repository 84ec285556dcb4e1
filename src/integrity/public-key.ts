/**
 * Public keys in the form `ListPublicKeys` serves and the AWS CLI loads (spec §3.4): PKCS#1
 * `RSAPublicKey` DER, base64 in JSON; the fingerprint is the lowercase hex MD5 of those DER bytes.
 */
import { createHash, createPublicKey, type KeyObject } from 'node:crypto';

/** The PKCS#1 DER bytes of an RSA public key (from a public or private KeyObject). */
export function publicKeyDer(key: KeyObject): Buffer {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  return pub.export({ type: 'pkcs1', format: 'der' });
}

export function publicKeyFingerprint(der: Buffer): string {
  return createHash('md5').update(der).digest('hex');
}

/** Loads PKCS#1 DER; throws when the bytes are not an RSA public key in that form. */
export function loadPkcs1PublicKey(der: Buffer): KeyObject {
  return createPublicKey({ key: der, format: 'der', type: 'pkcs1' });
}

/** One `PublicKeyList` entry; times as Dates (the API layer serialises them for its protocol). */
export interface PublicKeyEntry {
  /** base64 of the PKCS#1 DER bytes. */
  Value: string;
  ValidityStartTime: Date;
  ValidityEndTime: Date;
  Fingerprint: string;
}
