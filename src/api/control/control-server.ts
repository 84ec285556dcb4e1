import { chmodSync, existsSync, unlinkSync } from 'node:fs';
import Fastify, { type FastifyInstance } from 'fastify';
import type { AppContext } from '../context.js';
import { isAccountId } from '../../auth/access-keys.js';
import {
  KeyStoreError,
  LastAdminKeyError,
  NoSuchKeyError,
  type CreateKeyOptions,
  type KeyStatus,
} from '../../auth/key-store.js';
import { MalformedPolicyDocumentError } from '../../auth/policies.js';
import { registerDetectRoutes } from './detect-routes.js';
import { registerOrganizationRoutes } from './organization-routes.js';

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
  // A plugin of its own, so its error handler applies to these routes only.
  await app.register(async (scope) => registerKeyRoutes(scope, ctx));
  await app.register(async (scope) => registerOrganizationRoutes(scope, ctx));
  app.get('/internal/accounts', async () => ({ accounts: await ctx.keys.listAccounts() }));
  registerDetectRoutes(app, ctx);
  // A socket file left by a killed server would make listen fail; nobody else holds it, because
  // we hold the database lock.
  if (existsSync(socketPath)) unlinkSync(socketPath);
  await app.listen({ path: socketPath });
  chmodSync(socketPath, 0o600);
  return app;
}

/** What `opentrail keys create` sends. */
export interface ControlCreateKeyRequest extends CreateKeyOptions {
  accountId: string;
}

/** The HTTP status a key operation's error is answered with; other errors are internal. */
function keyErrorStatus(err: unknown): number | undefined {
  if (err instanceof NoSuchKeyError) return 404;
  if (err instanceof LastAdminKeyError) return 409;
  if (err instanceof KeyStoreError || err instanceof MalformedPolicyDocumentError) return 400;
  return undefined;
}

/** The key lifecycle, as `opentrail keys` uses it while a server holds the database. */
function registerKeyRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.setErrorHandler((err, _req, reply) => {
    const status = keyErrorStatus(err) ?? (err as { statusCode?: number }).statusCode ?? 500;
    return reply.code(status).send({ message: err instanceof Error ? err.message : String(err) });
  });
  app.post('/internal/keys', async (req, reply) => {
    const { accountId, ...options } = (req.body ?? {}) as ControlCreateKeyRequest;
    if (!isAccountId(accountId)) {
      return reply.code(400).send({ message: `${String(accountId)} is not a 12-digit account ID` });
    }
    return ctx.keys.create(accountId, options);
  });
  app.get('/internal/keys', async (req) => {
    const q = req.query as { accountId?: string; userName?: string };
    return {
      keys: ctx.keys.list({
        ...(q.accountId ? { accountId: q.accountId } : {}),
        ...(q.userName ? { userName: q.userName } : {}),
      }),
    };
  });
  app.delete('/internal/keys/:id', async (req) => {
    const { id } = req.params as { id: string };
    const q = req.query as { force?: string };
    return ctx.keys.delete(id, { force: q.force === 'true' });
  });
  app.post('/internal/keys/:id/status', async (req) => {
    const { id } = req.params as { id: string };
    const body = (req.body ?? {}) as { status: KeyStatus; force?: boolean };
    return ctx.keys.setStatus(id, body.status, { force: body.force === true });
  });
  app.post('/internal/keys/:id/rotate', async (req) => {
    const { id } = req.params as { id: string };
    const body = (req.body ?? {}) as { deactivateOld?: boolean };
    return ctx.keys.rotate(id, { deactivateOld: body.deactivateOld === true });
  });
}
