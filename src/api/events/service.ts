/** EventBridge (`AWSEvents.<Operation>`, SigV4 service `events`) on POST /, AWS JSON 1.1. */
import {
  ConnectionInUseError,
  InvalidChannelConfigError,
  NotifyResourceExistsError,
  NotifyResourceNotFoundError,
} from '../../notify/index.js';
import { RuleError } from '../../rules/index.js';
import { ApiError } from '../errors.js';
import type { JsonOperation, JsonService } from '../json-service.js';
import {
  createApiDestination,
  createConnection,
  deleteApiDestination,
  deleteConnection,
  describeApiDestination,
  describeConnection,
  listApiDestinations,
  listConnections,
} from './connections.js';
import { deleteRule, describeRule, disableRule, enableRule, listRules, putRule } from './rules.js';
import { listTargetsByRule, putTargets, removeTargets } from './targets.js';
import { testEventPattern } from './test-event-pattern.js';

const OPERATIONS: JsonOperation[] = [
  putRule,
  describeRule,
  listRules,
  deleteRule,
  enableRule,
  disableRule,
  putTargets,
  removeTargets,
  listTargetsByRule,
  testEventPattern,
  createConnection,
  describeConnection,
  listConnections,
  deleteConnection,
  createApiDestination,
  describeApiDestination,
  listApiDestinations,
  deleteApiDestination,
];

export const EVENTS_SERVICE: JsonService = {
  targetPrefix: 'AWSEvents',
  actionPrefix: 'events',
  eventSource: 'events.amazonaws.com',
  operations: new Map(OPERATIONS.map((o) => [o.name, o])),
  mapError(err) {
    if (err instanceof RuleError) return new ApiError(err.code, err.message);
    if (err instanceof NotifyResourceExistsError) return new ApiError('ResourceAlreadyExistsException', err.message);
    if (err instanceof NotifyResourceNotFoundError) return new ApiError('ResourceNotFoundException', err.message);
    if (err instanceof InvalidChannelConfigError) return new ApiError('ValidationException', err.message);
    if (err instanceof ConnectionInUseError) return new ApiError('ValidationException', err.message);
    return undefined;
  },
};
