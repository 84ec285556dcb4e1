import { isAccountId } from '../auth/access-keys.js';
import type { AccessKeyRecord } from '../auth/key-store.js';
import { ControlClient } from './control-client.js';
import { openEmbedded } from './runtime.js';
import { UsageError } from './usage-error.js';

/** Runs `fn` against a running server's control socket, or against the database directly. */
async function withKeys<T>(
  dataDir: string,
  region: string,
  remote: (c: ControlClient) => Promise<T>,
  local: (rt: Awaited<ReturnType<typeof openEmbedded>>) => Promise<T>,
): Promise<T> {
  const client = await ControlClient.connect(dataDir);
  if (client) return remote(client);
  const rt = await openEmbedded(dataDir, { region });
  try {
    return await local(rt);
  } finally {
    await rt.close();
  }
}

export async function createKey(opts: {
  dataDir: string;
  account: string;
  policy?: string;
  userName?: string;
  region: string;
}): Promise<AccessKeyRecord> {
  if (!isAccountId(opts.account))
    throw new UsageError(`--account must be a 12-digit account ID, got "${opts.account}"`);
  const options = {
    ...(opts.policy ? { policy: opts.policy } : {}),
    ...(opts.userName ? { userName: opts.userName } : {}),
  };
  return withKeys(
    opts.dataDir,
    opts.region,
    (c) => c.call<AccessKeyRecord>('POST', '/internal/keys', { accountId: opts.account, ...options }),
    (rt) => rt.keys.create(opts.account, options),
  );
}

export async function listKeys(opts: {
  dataDir: string;
  account?: string;
  region: string;
}): Promise<Omit<AccessKeyRecord, 'secretAccessKey'>[]> {
  return withKeys(
    opts.dataDir,
    opts.region,
    async (c) =>
      (
        await c.call<{ keys: Omit<AccessKeyRecord, 'secretAccessKey'>[] }>(
          'GET',
          `/internal/keys${opts.account ? `?accountId=${opts.account}` : ''}`,
        )
      ).keys,
    async (rt) => rt.keys.list(opts.account),
  );
}
