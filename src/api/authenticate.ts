import type { FastifyRequest } from 'fastify';
import { verifySigV4 } from '../auth/sigv4.js';
import { builtInPolicy } from '../auth/policies.js';
import type { AppContext, Caller } from './context.js';
import { callerArn } from './context.js';
import { ApiError, type ErrorCode } from './errors.js';

/**
 * Services whose SigV4 scope this server accepts; `opentrail` is our own JSON API; `events`,
 * `logs` and `monitoring` are EventBridge, CloudWatch Logs and CloudWatch (rules and alarms);
 * `organizations` is AWS Organizations' read operations.
 */
const SERVICES = ['cloudtrail', 'cloudtrail-data', 'opentrail', 'events', 'logs', 'monitoring', 'organizations'];

/** AWS's wording for a throttled call, whatever the cause. */
export const MSG_RATE_EXCEEDED = 'Rate exceeded';

/**
 * Verifies the request's SigV4 signature and returns who sent it. Two limits answer
 * ThrottlingException, as AWS does when a caller is over a limit: a key over its request rate, and
 * a source IP over its rate of failed authentications — then its further failures are answered
 * with the throttle instead of the authentication error, so a client stuck on a bad key (or a
 * prober) cannot make each failure cost an error path and an audit record. A correctly signed
 * request is never refused for its IP's failures: clients behind one NAT do not lock each other out.
 */
export function authenticate(req: FastifyRequest, ctx: AppContext): Caller {
  const sourceIp = req.ip;
  const url = req.raw.url ?? '/';
  const q = url.indexOf('?');
  const result = verifySigV4(
    {
      method: req.method,
      path: q >= 0 ? url.slice(0, q) : url,
      query: q >= 0 ? url.slice(q + 1) : '',
      // Repeated headers are signed joined with ','; Node's merged view joins them with ', '.
      headers: req.raw.headersDistinct,
      body: Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0),
    },
    (id) => {
      const key = ctx.keys.get(id);
      // An inactive (or deleted) key is answered like an unknown one, as AWS does:
      // UnrecognizedClientException, "The security token included in the request is invalid."
      return key && key.status === 'Active'
        ? { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey, accountId: key.accountId }
        : undefined;
    },
    // Events are the payload: an UNSIGNED-PAYLOAD request could be altered in flight unnoticed.
    { nowMs: Date.now(), allowedServices: SERVICES, allowUnsignedPayload: false },
  );
  if (!result.ok) {
    if (!ctx.limits.failedAuthPerIp.take(sourceIp)) throw new ApiError('ThrottlingException', MSG_RATE_EXCEEDED);
    throw new ApiError(result.error.code as ErrorCode, result.error.message);
  }
  const key = ctx.keys.get(result.key.accessKeyId)!;
  if (!ctx.limits.perKey.take(key.accessKeyId)) throw new ApiError('ThrottlingException', MSG_RATE_EXCEEDED);
  const permissions = ctx.keys.permissions(key.accessKeyId);
  return {
    accountId: key.accountId,
    accessKeyId: key.accessKeyId,
    userName: key.userName,
    policy: key.policy,
    ...(permissions ? { permissions } : {}),
    sourceIp,
    userAgent: String(req.headers['user-agent'] ?? ''),
    signingRegion: result.region,
  };
}

/**
 * AWS's AccessDenied wording for identity-based policies. The resource clause appears only for
 * actions on a resource; actions without one (LookupEvents, ListTrails) are shown without it.
 */
export function accessDeniedMessage(
  principalArn: string,
  action: string,
  resource: string | undefined,
  explicit: boolean,
): string {
  const on = resource !== undefined && resource !== '*' ? ` on resource: ${resource}` : '';
  const why = explicit
    ? ' with an explicit deny in an identity-based policy'
    : ` because no identity-based policy allows the ${action} action`;
  return `User: ${principalArn} is not authorized to perform: ${action}${on}${why}`;
}

/**
 * Refuses the call unless the caller's policy allows `action` (e.g. `cloudtrail:GetChannel`) on
 * `resource` (an ARN; omitted for actions that have none, which policies see as `*`).
 */
export function authorize(caller: Caller, action: string, resource?: string): void {
  const policy = caller.permissions ?? builtInPolicy(caller.policy);
  const decision = policy ? policy.evaluate(action, resource ?? '*') : 'ImplicitDeny';
  if (decision !== 'Allow') {
    throw new ApiError(
      'AccessDeniedException',
      accessDeniedMessage(callerArn(caller), action, resource, decision === 'ExplicitDeny'),
    );
  }
}
