/**
 * `opentrail keys`: the access-key lifecycle, against a running server's control socket when one
 * holds the database, else against the database directly. Both paths run the same KeyStore code.
 */
import { readFileSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { isAccountId } from '../auth/access-keys.js';
import {
  KeyStoreError,
  type AccessKeyInfo,
  type AccessKeyRecord,
  type CreateKeyOptions,
  type KeyStatus,
} from '../auth/key-store.js';
import { MalformedPolicyDocumentError } from '../auth/policies.js';
import { ControlClient, ControlError } from './control-client.js';
import { openEmbedded } from './runtime.js';
import { renderTable } from './table.js';
import { UsageError } from './usage-error.js';

interface Target {
  dataDir: string;
  region: string;
}

/** Runs `fn` against a running server's control socket, or against the database directly. */
async function withKeys<T>(
  target: Target,
  remote: (c: ControlClient) => Promise<T>,
  local: (rt: Awaited<ReturnType<typeof openEmbedded>>) => Promise<T>,
  context = '',
): Promise<T> {
  try {
    const client = await ControlClient.connect(target.dataDir);
    if (client) return await remote(client);
    const rt = await openEmbedded(target.dataDir, { region: target.region });
    try {
      return await local(rt);
    } finally {
      await rt.close();
    }
  } catch (err) {
    // The same refusals read the same with and without a server.
    if (err instanceof KeyStoreError || err instanceof MalformedPolicyDocumentError || err instanceof ControlError) {
      throw new UsageError(`${context}${err.message}`);
    }
    throw err;
  }
}

export async function createKey(
  opts: Target & { account: string; policy?: string; policyFile?: string; userName?: string },
): Promise<AccessKeyRecord> {
  if (!isAccountId(opts.account))
    throw new UsageError(`--account must be a 12-digit account ID, got "${opts.account}"`);
  const options: CreateKeyOptions = {
    ...(opts.policy ? { policy: opts.policy } : {}),
    ...(opts.userName ? { userName: opts.userName } : {}),
  };
  if (opts.policyFile !== undefined) {
    try {
      options.policyDocument = readFileSync(opts.policyFile, 'utf8');
    } catch (err) {
      throw new UsageError(`cannot read --policy-file ${opts.policyFile}: ${(err as Error).message}`);
    }
    options.policyName = basename(opts.policyFile, extname(opts.policyFile));
  }
  return withKeys(
    opts,
    (c) => c.call<AccessKeyRecord>('POST', '/internal/keys', { accountId: opts.account, ...options }),
    (rt) => rt.keys.create(opts.account, options),
    opts.policyFile !== undefined ? `--policy-file ${opts.policyFile}: ` : '',
  );
}

export async function listKeys(opts: Target & { account?: string; userName?: string }): Promise<AccessKeyInfo[]> {
  const filter = {
    ...(opts.account ? { accountId: opts.account } : {}),
    ...(opts.userName ? { userName: opts.userName } : {}),
  };
  return withKeys(
    opts,
    async (c) =>
      (await c.call<{ keys: AccessKeyInfo[] }>('GET', `/internal/keys?${new URLSearchParams(filter).toString()}`)).keys,
    async (rt) => rt.keys.list(filter),
  );
}

export async function deleteKey(opts: Target & { accessKeyId: string; force: boolean }): Promise<AccessKeyInfo> {
  const id = encodeURIComponent(opts.accessKeyId);
  return withKeys(
    opts,
    (c) => c.call<AccessKeyInfo>('DELETE', `/internal/keys/${id}?force=${opts.force}`),
    (rt) => rt.keys.delete(opts.accessKeyId, { force: opts.force }),
  );
}

export async function setKeyStatus(
  opts: Target & { accessKeyId: string; status: KeyStatus; force: boolean },
): Promise<AccessKeyInfo> {
  const id = encodeURIComponent(opts.accessKeyId);
  return withKeys(
    opts,
    (c) => c.call<AccessKeyInfo>('POST', `/internal/keys/${id}/status`, { status: opts.status, force: opts.force }),
    (rt) => rt.keys.setStatus(opts.accessKeyId, opts.status, { force: opts.force }),
  );
}

export async function rotateKey(
  opts: Target & { accessKeyId: string; deactivateOld: boolean },
): Promise<{ key: AccessKeyRecord; previous: AccessKeyInfo }> {
  const id = encodeURIComponent(opts.accessKeyId);
  return withKeys(
    opts,
    (c) => c.call('POST', `/internal/keys/${id}/rotate`, { deactivateOld: opts.deactivateOld }),
    (rt) => rt.keys.rotate(opts.accessKeyId, { deactivateOld: opts.deactivateOld }),
  );
}

// Output: JSON for scripts, plain text and tables for people. Secrets only where a key is new.

export function formatNewKey(key: AccessKeyRecord): string {
  return (
    `Created ${key.policy} key for account ${key.accountId} (user ${key.userName}):\n` +
    `  aws_access_key_id     = ${key.accessKeyId}\n  aws_secret_access_key = ${key.secretAccessKey}\n` +
    'The secret is shown once; store it now.\n'
  );
}

export function newKeyJson(key: AccessKeyRecord): string {
  return (
    JSON.stringify({ accountId: key.accountId, accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey }) +
    '\n'
  );
}

export function formatKeyTable(keys: AccessKeyInfo[]): string {
  if (keys.length === 0) return 'No access keys.\n';
  return (
    renderTable(
      ['account', 'access key', 'user', 'policy', 'status', 'created'],
      keys.map((k) => [
        k.accountId,
        k.accessKeyId,
        k.userName,
        k.policy,
        k.status,
        new Date(k.createdAtMs).toISOString().slice(0, 19) + 'Z',
      ]),
    ) + '\n'
  );
}

export function formatRotation(r: { key: AccessKeyRecord; previous: AccessKeyInfo }): string {
  return (
    formatNewKey(r.key) +
    `It replaces ${r.previous.accessKeyId}, which is ${r.previous.status === 'Active' ? 'still active: deactivate it once every client uses the new key' : 'now inactive'}.\n`
  );
}

export function rotationJson(r: { key: AccessKeyRecord; previous: AccessKeyInfo }): string {
  return (
    JSON.stringify({
      accountId: r.key.accountId,
      userName: r.key.userName,
      policy: r.key.policy,
      accessKeyId: r.key.accessKeyId,
      secretAccessKey: r.key.secretAccessKey,
      previousAccessKeyId: r.previous.accessKeyId,
      previousStatus: r.previous.status,
    }) + '\n'
  );
}
