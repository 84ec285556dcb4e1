import { chmodSync, existsSync, unlinkSync } from 'node:fs';
import Fastify, { type FastifyInstance } from 'fastify';
import type { AppContext } from '../context.js';
import { UnknownPolicyError } from '../../auth/key-store.js';
import { isAccountId } from '../../auth/access-keys.js';

/** What `opentrail import` sends through the control socket. */
export interface ControlIngestRequest {
  records: unknown[];
  accountId: string;
  profile: 'api' | 'archive';
}

/**
 * The control socket: how `opentrail import` and `opentrail keys` reach a running server, since
 * the embedded database admits one process. A Unix socket in the data directory (0600), so the
 * file system's permissions are its authentication — whoever may read the database may use it.
 */
export async function startControlServer(ctx: AppContext, socketPath: string): Promise<FastifyInstance> {
  const app = Fastify({ bodyLimit: 256 * 1024 * 1024 }) as unknown as FastifyInstance;
  app.post('/internal/ingest', async (req) => {
    const body = req.body as ControlIngestRequest;
    const results = await ctx.ingestor.ingest(body.records, {
      accountId: body.accountId,
      region: ctx.region,
      profile: body.profile,
      enforceRecipient: false,
    });
    return { results };
  });
  app.post('/internal/keys', async (req, reply) => {
    const body = req.body as { accountId: string; policy?: string; userName?: string };
    if (!isAccountId(body.accountId))
      return reply.code(400).send({ message: `${body.accountId} is not a 12-digit account ID` });
    try {
      return await ctx.keys.create(body.accountId, {
        ...(body.policy ? { policy: body.policy } : {}),
        ...(body.userName ? { userName: body.userName } : {}),
      });
    } catch (err) {
      if (err instanceof UnknownPolicyError) return reply.code(400).send({ message: err.message });
      throw err;
    }
  });
  app.get('/internal/keys', async (req) => {
    const q = req.query as { accountId?: string };
    return { keys: ctx.keys.list(q.accountId) };
  });
  app.get('/internal/accounts', async () => ({ accounts: await ctx.keys.listAccounts() }));
  // A socket file left by a killed server would make listen fail; nobody else holds it, because
  // we hold the database lock.
  if (existsSync(socketPath)) unlinkSync(socketPath);
  await app.listen({ path: socketPath });
  chmodSync(socketPath, 0o600);
  return app;
}
