/**
 * Detect-and-respond operations of the CLI (`opentrail cis install`, `opentrail channels …`),
 * one implementation for both paths: the control socket's routes of a running server call these
 * functions, and the CLI calls them on the data directory when no server runs.
 */
import type { FastifyInstance } from 'fastify';
import { isAccountId } from '../../auth/access-keys.js';
import { cisInstallPlan, CIS_CONTROLS } from '../../monitor/cis-pack.js';
import { MonitorError } from '../../monitor/errors.js';
import {
  InvalidChannelConfigError,
  NotifyResourceExistsError,
  NotifyResourceNotFoundError,
  redactChannel,
  type ChannelDefinition,
  type ChannelConfigInput,
} from '../../notify/index.js';
import type { AppContext } from '../context.js';
import type { DetectContext } from '../detect-context.js';
import { detectOf } from '../detect-context.js';

/** A refusal the CLI shows as it is (bad input, unknown channel), answered 400/404 on the socket. */
export class DetectCommandError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface CisInstallRequest {
  accountId: string;
  /** Notification channel (or API destination) the alarms notify. */
  channelArn?: string;
  logGroupName?: string;
}

export interface CisInstallResult {
  accountId: string;
  filters: string[];
  alarms: string[];
  alarmActions: string[];
}

function checkAccount(accountId: unknown): string {
  if (typeof accountId !== 'string' || !isAccountId(accountId)) {
    throw new DetectCommandError(400, `${String(accountId)} is not a 12-digit account ID`);
  }
  return accountId;
}

/** Installs (or re-installs: puts replace) the CIS metric filters and alarms in one account. */
export async function cisInstall(
  d: DetectContext,
  req: CisInstallRequest,
  nowMs = Date.now(),
): Promise<CisInstallResult> {
  const accountId = checkAccount(req.accountId);
  const actions: string[] = [];
  if (req.channelArn !== undefined) {
    const def = await d.notify.findByArn(req.channelArn);
    if (!def || def.accountId !== accountId) {
      throw new DetectCommandError(404, `no notification channel ${req.channelArn} in account ${accountId}`);
    }
    actions.push(def.arn);
  }
  const plan = cisInstallPlan(accountId, {
    alarmActions: actions,
    ...(req.logGroupName !== undefined ? { logGroupName: req.logGroupName } : {}),
  });
  try {
    for (const f of plan.filters) await d.filters.put(accountId, f, nowMs);
    for (const a of plan.alarms) await d.alarms.put(accountId, a, nowMs);
  } catch (err) {
    if (err instanceof MonitorError) throw new DetectCommandError(400, err.message);
    throw err;
  }
  return {
    accountId,
    filters: plan.filters.map((f) => f.filterName),
    alarms: plan.alarms.map((a) => a.AlarmName),
    alarmActions: actions,
  };
}

/** What `opentrail channels create` asks for: one channel, plus a connection for a webhook. */
export interface CreateChannelRequest {
  accountId: string;
  name: string;
  description?: string;
  /** webhook: an API destination with its own NONE-auth connection (`<name>-connection`). */
  webhookUrl?: string;
  /** The webhook's HMAC signing secret; generated when absent. */
  signingSecret?: string;
  chatUrl?: string;
  email?: { from: string; to: string[]; smtpHost: string; smtpPort?: number; secure?: boolean };
}

export interface CreatedChannel {
  channel: ChannelDefinition;
  /** For a webhook: the secret receivers verify X-OpenTrail-Signature with. */
  signingSecret?: string;
}

function notifyError(err: unknown): never {
  if (err instanceof InvalidChannelConfigError) throw new DetectCommandError(400, err.message);
  if (err instanceof NotifyResourceExistsError) throw new DetectCommandError(409, err.message);
  if (err instanceof NotifyResourceNotFoundError) throw new DetectCommandError(404, err.message);
  throw err;
}

export async function createChannel(d: DetectContext, req: CreateChannelRequest): Promise<CreatedChannel> {
  const accountId = checkAccount(req.accountId);
  const kinds = [req.webhookUrl, req.chatUrl, req.email].filter((k) => k !== undefined).length;
  if (kinds !== 1)
    throw new DetectCommandError(400, 'give exactly one of a webhook URL, a chat URL or an email configuration');
  try {
    let config: ChannelConfigInput;
    let signingSecret: string | undefined;
    if (req.webhookUrl !== undefined) {
      const conn = await d.notify.createConnection(accountId, {
        name: `${req.name}-connection`.slice(0, 64),
        authorizationType: 'NONE',
        ...(req.signingSecret !== undefined ? { signingSecret: req.signingSecret } : {}),
      });
      signingSecret = conn.signingSecret;
      config = { kind: 'webhook', connectionArn: conn.connectionArn, invocationEndpoint: req.webhookUrl };
    } else if (req.chatUrl !== undefined) {
      config = { kind: 'chat', webhookUrl: req.chatUrl };
    } else {
      const e = req.email!;
      config = {
        kind: 'email',
        from: e.from,
        to: e.to,
        smtp: {
          host: e.smtpHost,
          ...(e.smtpPort !== undefined ? { port: e.smtpPort } : {}),
          ...(e.secure ? { secure: true } : {}),
        },
      };
    }
    const channel = await d.notify.createChannel(accountId, {
      name: req.name,
      ...(req.description !== undefined ? { description: req.description } : {}),
      config,
    });
    return { channel: redactChannel(channel), ...(signingSecret !== undefined ? { signingSecret } : {}) };
  } catch (err) {
    return notifyError(err);
  }
}

export async function listChannels(d: DetectContext, accountId: string): Promise<ChannelDefinition[]> {
  return (await d.notify.listChannels(checkAccount(accountId))).map(redactChannel);
}

/** Deletes a channel (and a webhook's own `<name>-connection`); refused while a rule targets it. */
export async function deleteChannel(
  d: DetectContext,
  accountId: string,
  nameOrArn: string,
): Promise<ChannelDefinition> {
  checkAccount(accountId);
  const def = await d.notify.getChannel(accountId, nameOrArn);
  if (!def) throw new DetectCommandError(404, `no notification channel ${nameOrArn} in account ${accountId}`);
  const users = d.rules.rulesTargeting(accountId, def.arn);
  if (users.length > 0) {
    throw new DetectCommandError(
      409,
      `channel ${def.name} is a target of rule(s) ${users.map((r) => r.name).join(', ')}; remove those targets first`,
    );
  }
  try {
    await d.notify.deleteChannel(accountId, def.arn);
    await d.registry.invalidate(def.arn);
    if (def.config.kind === 'webhook') {
      const own = await d.notify.getConnection(accountId, def.config.connectionArn);
      if (own && own.name === `${def.name}-connection`.slice(0, 64))
        await d.notify.deleteConnection(accountId, own.connectionArn);
    }
  } catch (err) {
    return notifyError(err);
  }
  return redactChannel(def);
}

/** The control socket's routes for the functions above. */
export function registerDetectRoutes(app: FastifyInstance, ctx: AppContext): void {
  void app.register(async (scope) => {
    scope.setErrorHandler((err, _req, reply) => {
      const status = err instanceof DetectCommandError ? err.status : 500;
      return reply.code(status).send({ message: err instanceof Error ? err.message : String(err) });
    });
    scope.post('/internal/cis/install', async (req) => cisInstall(detectOf(ctx), req.body as CisInstallRequest));
    scope.post('/internal/channels', async (req) => createChannel(detectOf(ctx), req.body as CreateChannelRequest));
    scope.get('/internal/channels', async (req) => ({
      channels: await listChannels(detectOf(ctx), String((req.query as { accountId?: string }).accountId)),
    }));
    scope.delete('/internal/channels/:name', async (req) =>
      deleteChannel(
        detectOf(ctx),
        String((req.query as { accountId?: string }).accountId),
        (req.params as { name: string }).name,
      ),
    );
  });
}

/** How many controls the pack installs (for messages). */
export const CIS_CONTROL_COUNT = CIS_CONTROLS.length;
