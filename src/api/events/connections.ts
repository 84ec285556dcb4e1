/**
 * Connections and API destinations (Create, Describe, List, Delete): EventBridge's webhook pair,
 * stored as notify connections and webhook channels (src/notify), so rules and alarms can name
 * them as targets. Secrets never come back: DescribeConnection shows them redacted, as AWS does.
 */
import { redactConnection, type ChannelDefinition, type Connection } from '../../notify/index.js';
import { RuleError } from '../../rules/index.js';
import { detectOf } from '../detect-context.js';
import type { JsonOperation } from '../json-service.js';
import { int, page, str } from './members.js';

export const createConnection: JsonOperation = {
  name: 'CreateConnection',
  readOnly: false,
  async handle(input, { ctx, caller }) {
    const c = await detectOf(ctx).notify.createConnection(caller.accountId, {
      name: str(input, 'Name', true),
      ...(input.Description !== undefined ? { description: str(input, 'Description') } : {}),
      authorizationType: str(input, 'AuthorizationType', true) as 'API_KEY',
      authParameters: (input.AuthParameters ?? {}) as Record<string, never>,
    });
    return {
      ConnectionArn: c.connectionArn,
      ConnectionState: c.connectionState,
      CreationTime: c.createdAtMs / 1000,
      LastModifiedTime: c.lastModifiedAtMs / 1000,
    };
  },
};

export const createApiDestination: JsonOperation = {
  name: 'CreateApiDestination',
  readOnly: false,
  async handle(input, { ctx, caller }) {
    // AWS's API takes any rate from 1 up; 300 is only the default (and the default service quota).
    const rate = int(input, 'InvocationRateLimitPerSecond', 1);
    const def = await detectOf(ctx).notify.createChannel(caller.accountId, {
      name: str(input, 'Name', true),
      ...(input.Description !== undefined ? { description: str(input, 'Description') } : {}),
      config: {
        kind: 'webhook',
        connectionArn: str(input, 'ConnectionArn', true),
        invocationEndpoint: str(input, 'InvocationEndpoint', true),
        httpMethod: str(input, 'HttpMethod', true) as 'POST',
        ...(rate !== undefined ? { invocationRateLimitPerSecond: rate } : {}),
      },
    });
    return {
      ApiDestinationArn: def.arn,
      ApiDestinationState: 'ACTIVE',
      CreationTime: def.createdAtMs / 1000,
      LastModifiedTime: def.lastModifiedAtMs / 1000,
    };
  },
};

function connectionShape(c: Connection, detail: boolean): Record<string, unknown> {
  const r = redactConnection(c);
  return {
    ConnectionArn: c.connectionArn,
    Name: c.name,
    ConnectionState: c.connectionState,
    AuthorizationType: c.authorizationType,
    CreationTime: c.createdAtMs / 1000,
    LastModifiedTime: c.lastModifiedAtMs / 1000,
    ...(detail
      ? { ...(c.description !== undefined ? { Description: c.description } : {}), AuthParameters: r.authParameters }
      : {}),
  };
}

function destinationShape(d: ChannelDefinition, detail: boolean): Record<string, unknown> {
  if (d.config.kind !== 'webhook') throw new Error(`channel ${d.arn} is not an API destination`);
  return {
    ApiDestinationArn: d.arn,
    Name: d.name,
    ApiDestinationState: 'ACTIVE',
    ConnectionArn: d.config.connectionArn,
    InvocationEndpoint: d.config.invocationEndpoint,
    HttpMethod: d.config.httpMethod,
    InvocationRateLimitPerSecond: d.config.invocationRateLimitPerSecond,
    CreationTime: d.createdAtMs / 1000,
    LastModifiedTime: d.lastModifiedAtMs / 1000,
    ...(detail && d.description !== undefined ? { Description: d.description } : {}),
  };
}

function notFound(kind: string, name: string): RuleError {
  return new RuleError(
    'ResourceNotFoundException',
    `Failed to describe the ${kind}(s). ${kind} '${name}' does not exist.`,
  );
}

export const describeConnection: JsonOperation = {
  name: 'DescribeConnection',
  readOnly: true,
  async handle(input, { ctx, caller }) {
    const name = str(input, 'Name', true);
    const c = await detectOf(ctx).notify.getConnection(caller.accountId, name);
    if (!c) throw notFound('Connection', name);
    return connectionShape(c, true);
  },
};

export const listConnections: JsonOperation = {
  name: 'ListConnections',
  readOnly: true,
  async handle(input, { ctx, caller }) {
    const prefix = str(input, 'NamePrefix');
    const all = (await detectOf(ctx).notify.listConnections(caller.accountId)).filter(
      (c) => !prefix || c.name.startsWith(prefix),
    );
    const p = page(all, (c) => c.name, int(input, 'Limit', 1, 100) ?? 100, str(input, 'NextToken'));
    return { Connections: p.items.map((c) => connectionShape(c, false)), ...(p.next ? { NextToken: p.next } : {}) };
  },
};

export const deleteConnection: JsonOperation = {
  name: 'DeleteConnection',
  readOnly: false,
  async handle(input, { ctx, caller }) {
    const c = await detectOf(ctx).notify.deleteConnection(caller.accountId, str(input, 'Name', true));
    return { ...connectionShape(c, false), ConnectionState: 'DELETING' };
  },
};

export const describeApiDestination: JsonOperation = {
  name: 'DescribeApiDestination',
  readOnly: true,
  async handle(input, { ctx, caller }) {
    const name = str(input, 'Name', true);
    const d = await detectOf(ctx).notify.getChannel(caller.accountId, name);
    if (!d || d.config.kind !== 'webhook') throw notFound('ApiDestination', name);
    return destinationShape(d, true);
  },
};

export const listApiDestinations: JsonOperation = {
  name: 'ListApiDestinations',
  readOnly: true,
  async handle(input, { ctx, caller }) {
    const prefix = str(input, 'NamePrefix');
    const connection = str(input, 'ConnectionArn');
    const all = (await detectOf(ctx).notify.listChannels(caller.accountId, 'webhook')).filter(
      (d) =>
        (!prefix || d.name.startsWith(prefix)) &&
        (!connection || (d.config.kind === 'webhook' && d.config.connectionArn === connection)),
    );
    const p = page(all, (d) => d.name, int(input, 'Limit', 1, 100) ?? 100, str(input, 'NextToken'));
    return {
      ApiDestinations: p.items.map((d) => destinationShape(d, false)),
      ...(p.next ? { NextToken: p.next } : {}),
    };
  },
};

export const deleteApiDestination: JsonOperation = {
  name: 'DeleteApiDestination',
  readOnly: false,
  async handle(input, { ctx, caller }) {
    const d = detectOf(ctx);
    const name = str(input, 'Name', true);
    const def = await d.notify.getChannel(caller.accountId, name);
    if (!def || def.config.kind !== 'webhook') throw notFound('ApiDestination', name);
    const users = d.rules.rulesTargeting(caller.accountId, def.arn);
    if (users.length > 0) {
      throw new RuleError(
        'ValidationException',
        `API destination ${name} is a target of rule(s) ${users.map((r) => r.name).join(', ')}; remove those targets first.`,
      );
    }
    await d.notify.deleteChannel(caller.accountId, def.arn);
    await d.registry.invalidate(def.arn);
    return {};
  },
};
