/**
 * Organisations through the control socket, as `opentrail orgs` uses them while a server holds
 * the database. The server's own OrganizationStore makes each change, so its in-memory
 * memberships (which trail delivery reads per event) change at once.
 */
import type { FastifyInstance } from 'fastify';
import { NoSuchOrganizationError, OrganizationError } from '../../auth/organizations.js';
import type { AppContext } from '../context.js';

/** What `opentrail orgs create` sends. */
export interface ControlCreateOrganizationRequest {
  managementAccountId: string;
}

/** What `opentrail orgs add-account` and `remove-account` send. */
export interface ControlOrganizationAccountRequest {
  accountId: string;
}

export function registerOrganizationRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.setErrorHandler((err, _req, reply) => {
    const status =
      err instanceof NoSuchOrganizationError
        ? 404
        : err instanceof OrganizationError
          ? 400
          : ((err as { statusCode?: number }).statusCode ?? 500);
    return reply.code(status).send({ message: err instanceof Error ? err.message : String(err) });
  });
  const store = () => {
    if (!ctx.organizations) throw new OrganizationError('this server has no organisation store open');
    return ctx.organizations;
  };
  app.get('/internal/organizations', async () => ({ organizations: store().list() }));
  app.post('/internal/organizations', async (req) => {
    const body = (req.body ?? {}) as Partial<ControlCreateOrganizationRequest>;
    return store().create(String(body.managementAccountId ?? ''));
  });
  app.post('/internal/organizations/:id/accounts', async (req) => {
    const { id } = req.params as { id: string };
    const body = (req.body ?? {}) as Partial<ControlOrganizationAccountRequest>;
    return store().addAccount(id, String(body.accountId ?? ''));
  });
  app.delete('/internal/organizations/:id/accounts/:accountId', async (req) => {
    const { id, accountId } = req.params as { id: string; accountId: string };
    return store().removeAccount(id, accountId);
  });
}
