import type { FastifyRequest } from 'fastify';
import { requestRegion, type AppContext, type Caller } from './context.js';
import { ApiError } from './errors.js';
import type { AuditedCall } from './self-audit.js';

/** The access key a request claims, from the Authorization header or a presigned query. */
function claimedAccessKeyId(req: FastifyRequest): string | undefined {
  const auth = req.headers.authorization;
  const fromHeader = typeof auth === 'string' ? /Credential=([^/\s,]+)\//.exec(auth)?.[1] : undefined;
  if (fromHeader) return fromHeader;
  const q = (req.query ?? {}) as Record<string, unknown>;
  const cred = q['X-Amz-Credential'];
  return typeof cred === 'string' ? cred.split('/')[0] : undefined;
}

function errorParts(err: unknown): { errorCode: string; errorMessage: string } {
  return err instanceof ApiError
    ? { errorCode: err.code, errorMessage: err.message }
    : { errorCode: 'InternalFailure', errorMessage: 'An internal error occurred.' };
}

type CallShape = Pick<AuditedCall, 'eventSource' | 'eventName' | 'readOnly'>;

/** The members every audited call has; `from` is where the caller's address and agent are read. */
function base(req: FastifyRequest, ctx: AppContext, shape: CallShape, from: { sourceIp: string; userAgent: string }) {
  return {
    ...shape,
    sourceIp: from.sourceIp,
    userAgent: from.userAgent,
    requestId: req.requestId,
    region: ctx.region,
    timeMs: Date.now(),
  };
}

/**
 * A request whose authentication failed is recorded in the account that owns the access key it
 * names (someone trying that account's key is exactly what its owner must see). A key nobody
 * owns belongs to no account: it is logged by the server, without any secret, and counted.
 */
export async function auditFailedAuthentication(
  req: FastifyRequest,
  ctx: AppContext,
  shape: CallShape,
  err: unknown,
): Promise<void> {
  // A throttled request is refused before it costs anything; recording each one would let a
  // client that hammers the server flood the audit trail. They are counted by the limiter.
  if (err instanceof ApiError && err.code === 'ThrottlingException') return;
  const keyId = claimedAccessKeyId(req);
  const key = keyId !== undefined ? ctx.keys.get(keyId) : undefined;
  if (!key) {
    ctx.logger.warn(
      { sourceIp: req.ip, accessKeyId: keyId?.slice(0, 128), ...errorParts(err) },
      'authentication failed for an unknown access key',
    );
    return;
  }
  await ctx.audit.record({
    ...base(req, ctx, shape, { sourceIp: req.ip, userAgent: String(req.headers['user-agent'] ?? '') }),
    identity: { accountId: key.accountId, accessKeyId: key.accessKeyId },
    ...errorParts(err),
  });
}

/** Records an authenticated call, successful or not; waits for durability only when asked. */
export function auditCall(
  req: FastifyRequest,
  ctx: AppContext,
  shape: CallShape,
  caller: Caller,
  outcome: { request?: Record<string, unknown>; response?: Record<string, unknown>; error?: unknown },
): Promise<void> {
  return ctx.audit.record({
    // What authentication already read (req.ip asks the socket again, a system call each time).
    ...base(req, ctx, shape, caller),
    // In the region the call was signed for, as AWS records a call in the region of its endpoint.
    region: requestRegion(ctx, caller),
    identity: { accountId: caller.accountId, accessKeyId: caller.accessKeyId, userName: caller.userName },
    ...(outcome.request !== undefined ? { request: outcome.request } : {}),
    ...(outcome.response !== undefined ? { response: outcome.response } : {}),
    ...(outcome.error !== undefined ? errorParts(outcome.error) : {}),
  });
}
