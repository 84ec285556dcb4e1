import type { FastifyRequest } from 'fastify';
import { verifySigV4 } from '../auth/sigv4.js';
import { BUILT_IN_POLICIES, isAllowed } from '../auth/policies.js';
import type { AppContext, Caller } from './context.js';
import { callerArn } from './context.js';
import { ApiError, type ErrorCode } from './errors.js';

/** Services whose SigV4 scope this server accepts; `opentrail` is our own JSON API. */
const SERVICES = ['cloudtrail', 'cloudtrail-data', 'opentrail'];

/** Verifies the request's SigV4 signature and returns who sent it. */
export function authenticate(req: FastifyRequest, ctx: AppContext): Caller {
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
      // An inactive key is answered like an unknown one, as AWS does.
      return key && key.status === 'Active'
        ? { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey, accountId: key.accountId }
        : undefined;
    },
    // Events are the payload: an UNSIGNED-PAYLOAD request could be altered in flight unnoticed.
    { nowMs: Date.now(), allowedServices: SERVICES, allowUnsignedPayload: false },
  );
  if (!result.ok) throw new ApiError(result.error.code as ErrorCode, result.error.message);
  const key = ctx.keys.get(result.key.accessKeyId)!;
  return {
    accountId: key.accountId,
    accessKeyId: key.accessKeyId,
    userName: key.userName,
    policy: key.policy,
    sourceIp: req.ip,
    userAgent: String(req.headers['user-agent'] ?? ''),
  };
}

/** Refuses the call unless the caller's policy allows `action` (e.g. `cloudtrail:GetChannel`). */
export function authorize(caller: Caller, action: string): void {
  const policy = BUILT_IN_POLICIES[caller.policy];
  if (!policy || !isAllowed(policy, action)) {
    throw new ApiError(
      'AccessDeniedException',
      `User: ${callerArn(caller)} is not authorized to perform: ${action} because no identity-based policy allows the ${action} action`,
    );
  }
}
