/**
 * Connections, API destinations (CreateConnection / CreateApiDestination request members) and
 * notification channels (the notify module's own definition) in the config file. Values go
 * through the notify schemas the EventBridge operations use; an existing resource with another
 * definition is updated in place, keeping its ARN, so rules and alarms naming it still reach it.
 */
import { EVENTS_SERVICE } from '../../api/events/service.js';
import { int, str } from '../../api/events/members.js';
import type { Declared } from '../../config/config-file.js';
import type { ChannelDefinition, CreateChannelInput, CreateConnectionInput } from '../../notify/index.js';
import { createChannelSchema, createConnectionSchema, parseOrThrow } from '../../notify/config.js';
import { audited } from './audit.js';
import { declarationErrorFrom } from './declaration-error.js';
import { sameJson } from './same-json.js';
import { member, type AccountScope, type DeclarationHandler } from './scope.js';

function connectionInput(v: Record<string, unknown>): CreateConnectionInput {
  return {
    name: v.Name as string,
    ...(v.Description !== undefined ? { description: v.Description as string } : {}),
    authorizationType: v.AuthorizationType as CreateConnectionInput['authorizationType'],
    authParameters: (v.AuthParameters ?? {}) as CreateConnectionInput['authParameters'],
    ...(v.SigningSecret !== undefined ? { signingSecret: v.SigningSecret as string } : {}),
  };
}

export const connectionDeclarations: DeclarationHandler = {
  async check(d, scope) {
    try {
      parseOrThrow(createConnectionSchema, connectionInput(d.value), `connection for account ${scope.accountId}`);
    } catch (err) {
      throw declarationErrorFrom(err, d.path, d.value);
    }
  },
  async apply(d, scope) {
    const { rt, accountId } = scope;
    const notify = rt.detect.notify;
    const input = connectionInput(d.value);
    try {
      const existing = await notify.getConnection(accountId, input.name);
      // Credentials never reach the audit record: the name and the kind of authorization only.
      const request = {
        Name: input.name,
        ...(input.description !== undefined ? { Description: input.description } : {}),
        AuthorizationType: input.authorizationType,
      };
      if (!existing) {
        await audited(scope, 'events.amazonaws.com', 'CreateConnection', request, async () => {
          const c = await notify.createConnection(accountId, input);
          return { ConnectionArn: c.connectionArn, ConnectionState: c.connectionState };
        });
        return 'created';
      }
      const want = parseOrThrow(createConnectionSchema, input, `connection for account ${accountId}`);
      const same =
        existing.description === want.description &&
        existing.authorizationType === want.authorizationType &&
        sameJson(existing.authParameters, want.authParameters) &&
        (want.signingSecret === undefined || want.signingSecret === existing.signingSecret);
      if (same) return 'unchanged';
      await audited(scope, 'events.amazonaws.com', 'UpdateConnection', request, async () => {
        const c = await notify.updateConnection(accountId, input);
        return { ConnectionArn: c.connectionArn, ConnectionState: c.connectionState };
      });
      return 'updated';
    } catch (err) {
      throw declarationErrorFrom(err, d.path, d.value);
    }
  },
};

/** CreateApiDestination's members read as the operation reads them, as a webhook channel definition. */
async function apiDestinationInput(d: Declared, scope: AccountScope): Promise<CreateChannelInput> {
  const v = d.value;
  const rate = int(v, 'InvocationRateLimitPerSecond', 1);
  return {
    name: str(v, 'Name', true),
    ...(v.Description !== undefined ? { description: str(v, 'Description') } : {}),
    config: {
      kind: 'webhook',
      connectionArn: String(await scope.refs.arn(str(v, 'ConnectionArn', true), member(d.path, 'ConnectionArn'))),
      invocationEndpoint: str(v, 'InvocationEndpoint', true),
      httpMethod: str(v, 'HttpMethod', true) as 'POST',
      ...(rate !== undefined ? { invocationRateLimitPerSecond: rate } : {}),
    },
  };
}

async function channelInput(d: Declared, scope: AccountScope): Promise<CreateChannelInput> {
  const v = d.value as unknown as CreateChannelInput;
  const config = v.config as unknown;
  if (typeof config === 'object' && config !== null && (config as { kind?: unknown }).kind === 'webhook') {
    const c = config as { connectionArn?: unknown };
    const arn = await scope.refs.arn(c.connectionArn, member(member(d.path, 'config'), 'connectionArn'));
    return { ...v, config: { ...(config as object), connectionArn: arn } as CreateChannelInput['config'] };
  }
  return v;
}

/** Whether the channel is missing, stored as `input` says, or stored otherwise (then it is returned). */
async function channelState(
  scope: AccountScope,
  input: CreateChannelInput,
): Promise<{ state: 'missing' } | { state: 'same' } | { state: 'different'; existing: ChannelDefinition }> {
  const want = parseOrThrow(createChannelSchema, input, `notification channel for account ${scope.accountId}`);
  const existing = await scope.rt.detect.notify.getChannel(scope.accountId, want.name);
  if (!existing) return { state: 'missing' };
  if (existing.description === want.description && sameJson(existing.config, want.config)) return { state: 'same' };
  return { state: 'different', existing };
}

/** Updates a channel in place; the registry drops what it opened for the old definition. */
async function updateChannel(scope: AccountScope, input: CreateChannelInput, arn: string): Promise<void> {
  await scope.rt.detect.notify.updateChannel(scope.accountId, input);
  await scope.rt.detect.registry.invalidate(arn);
}

export const apiDestinationDeclarations: DeclarationHandler = {
  async check(d, scope) {
    try {
      parseOrThrow(
        createChannelSchema,
        await apiDestinationInput(d, scope),
        `API destination for account ${scope.accountId}`,
      );
    } catch (err) {
      throw declarationErrorFrom(err, d.path, d.value);
    }
  },
  async apply(d, scope) {
    try {
      const input = await apiDestinationInput(d, scope);
      const resolved = { ...d.value, ConnectionArn: (input.config as { connectionArn: string }).connectionArn };
      const current = await channelState(scope, input);
      if (current.state === 'same') return 'unchanged';
      if (current.state === 'missing') {
        // The operation itself, so a destination from the file is one from CreateApiDestination.
        const op = EVENTS_SERVICE.operations.get('CreateApiDestination')!;
        await audited(scope, 'events.amazonaws.com', 'CreateApiDestination', resolved, () =>
          op.handle(resolved, { ctx: scope.rt, caller: scope.caller }).catch((err: unknown) => {
            throw EVENTS_SERVICE.mapError(err) ?? err;
          }),
        );
        return 'created';
      }
      const arn = current.existing.arn;
      await audited(scope, 'events.amazonaws.com', 'UpdateApiDestination', resolved, async () => {
        await updateChannel(scope, input, arn);
        return { ApiDestinationArn: arn, ApiDestinationState: 'ACTIVE' };
      });
      return 'updated';
    } catch (err) {
      throw declarationErrorFrom(err, d.path, d.value);
    }
  },
};

export const channelDeclarations: DeclarationHandler = {
  async check(d, scope) {
    try {
      parseOrThrow(
        createChannelSchema,
        await channelInput(d, scope),
        `notification channel for account ${scope.accountId}`,
      );
    } catch (err) {
      throw declarationErrorFrom(err, d.path, d.value);
    }
  },
  async apply(d, scope) {
    try {
      // Ours, with no AWS operation to record it as (like `opentrail channels create`).
      const input = await channelInput(d, scope);
      const current = await channelState(scope, input);
      if (current.state === 'same') return 'unchanged';
      if (current.state === 'missing') {
        await scope.rt.detect.notify.createChannel(scope.accountId, input);
        return 'created';
      }
      await updateChannel(scope, input, current.existing.arn);
      return 'updated';
    } catch (err) {
      throw declarationErrorFrom(err, d.path, d.value);
    }
  },
};
