/**
 * How `opentrail cis` and `opentrail channels` reach the data: through a running server's
 * control socket when one holds the database, else by opening it directly; both paths run the
 * same functions (src/api/control/detect-routes.ts). The account defaults to the first one.
 */
import { DetectCommandError } from '../api/control/detect-routes.js';
import type { DetectContext } from '../api/detect-context.js';
import { ControlClient, ControlError } from './control-client.js';
import { openEmbedded } from './runtime.js';
import { UsageError } from './usage-error.js';

export interface DetectTarget {
  dataDir: string;
  region: string;
  account?: string;
}

export async function withDetect<T>(
  target: DetectTarget,
  remote: (c: ControlClient, accountId: string) => Promise<T>,
  local: (d: DetectContext, accountId: string) => Promise<T>,
): Promise<T> {
  try {
    const client = await ControlClient.connect(target.dataDir);
    if (client) {
      const accountId =
        target.account ?? (await client.call<{ accounts: string[] }>('GET', '/internal/accounts')).accounts[0];
      if (!accountId) throw new UsageError('the data directory has no account yet; start `opentrail serve` once');
      return await remote(client, accountId);
    }
    const rt = await openEmbedded(target.dataDir, { region: target.region });
    try {
      const accountId = target.account ?? (await rt.keys.listAccounts())[0];
      if (!accountId) throw new UsageError('the data directory has no account yet; start `opentrail serve` once');
      return await local(rt.detect, accountId);
    } finally {
      await rt.close();
    }
  } catch (err) {
    if (err instanceof DetectCommandError || err instanceof ControlError) throw new UsageError(err.message);
    throw err;
  }
}
