/**
 * CreateConnection and CreateApiDestination: EventBridge's webhook pair, stored as notify
 * connections and webhook channels (src/notify), so rules and alarms can name them as targets.
 */
import { detectOf } from '../detect-context.js';
import type { JsonOperation } from '../json-service.js';
import { int, str } from './members.js';

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
    const rate = int(input, 'InvocationRateLimitPerSecond', 1, 300);
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
