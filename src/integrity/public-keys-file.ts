/**
 * `--public-keys FILE`: a saved ListPublicKeys response (`aws cloudtrail list-public-keys` output
 * or our own) standing in for the API. The file is the answer as given: its keys are offered for
 * any range, since whoever saved it chose the range.
 */
import { readFile } from 'node:fs/promises';
import type { PublicKeyProvider, ValidationPublicKey } from './validate.js';

export class PublicKeysFileError extends Error {}

export async function readPublicKeysFile(path: string): Promise<ValidationPublicKey[]> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    throw new PublicKeysFileError(`cannot read public keys from ${path}: ${(err as Error).message}`);
  }
  const list = (parsed as { PublicKeyList?: unknown } | null)?.PublicKeyList;
  if (!Array.isArray(list))
    throw new PublicKeysFileError(`${path}: expected a ListPublicKeys response, {"PublicKeyList": [...]}`);
  return list.map((k: unknown, i) => {
    const entry = k as { Fingerprint?: unknown; Value?: unknown } | null;
    if (typeof entry?.Fingerprint !== 'string' || typeof entry.Value !== 'string')
      throw new PublicKeysFileError(`${path}: PublicKeyList[${i}] needs string Fingerprint and Value (base64 DER)`);
    return { Fingerprint: entry.Fingerprint, Value: entry.Value };
  });
}

export function publicKeysFromFile(path: string): PublicKeyProvider {
  let loaded: Promise<ValidationPublicKey[]> | undefined;
  return () => (loaded ??= readPublicKeysFile(path));
}
