import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { generateAccountId } from '../auth/access-keys.js';
import type { AccessKeyRecord, KeyStore } from '../auth/key-store.js';
import { CREDENTIALS_FILE } from '../config/defaults.js';

/** An AWS shared-credentials profile for a key. */
export function credentialsProfile(key: AccessKeyRecord, profile = 'opentrail'): string {
  return `# OpenTrail account ${key.accountId}\n[${profile}]\naws_access_key_id = ${key.accessKeyId}\naws_secret_access_key = ${key.secretAccessKey}\n`;
}

/**
 * The first start of a fresh data directory creates an account and an administrator key, and
 * writes them as an AWS credentials file (0600) beside the database. Returns the key when it
 * made one, so `serve` can say how to use it — once, on the terminal, never in the log.
 */
export async function bootstrapAdmin(
  keys: KeyStore,
  dataDir: string,
): Promise<{ key: AccessKeyRecord; file: string } | undefined> {
  if ((await keys.listAccounts()).length > 0) return undefined;
  const key = await keys.create(generateAccountId(), { policy: 'administrator', userName: 'admin' });
  const file = resolve(join(dataDir, CREDENTIALS_FILE));
  writeFileSync(file, credentialsProfile(key), { mode: 0o600 });
  return { key, file };
}
