/**
 * Changes the config file makes are recorded by the self-audit like the API calls they stand
 * for (DESIGN §1: turning logging off is itself logged, whoever does it). The caller is the
 * account's `opentrail-config` principal with the pseudo key `opentrail-config-file`, from
 * 127.0.0.1, so a lookup by user name or access key finds every change a config file made.
 */
import { randomUUID } from 'node:crypto';
import { ApiError } from '../../api/errors.js';
import type { AuditedCall } from '../../api/self-audit.js';
import type { AccountScope } from './scope.js';

export async function audited<T extends Record<string, unknown>>(
  scope: AccountScope,
  eventSource: AuditedCall['eventSource'],
  eventName: string,
  request: Record<string, unknown>,
  run: () => Promise<T>,
): Promise<T> {
  const call = {
    eventSource,
    eventName,
    readOnly: false,
    identity: {
      accountId: scope.accountId,
      accessKeyId: scope.caller.accessKeyId,
      userName: scope.caller.userName,
    },
    sourceIp: scope.caller.sourceIp,
    userAgent: scope.caller.userAgent,
    requestId: randomUUID(),
    region: scope.rt.region,
    timeMs: Date.now(),
    request,
  };
  let response: T;
  try {
    response = await run();
  } catch (err) {
    const code = err instanceof ApiError ? err.code : ((err as { code?: unknown }).code ?? 'ValidationException');
    await scope.rt.audit.record({
      ...call,
      errorCode: String(code),
      errorMessage: err instanceof Error ? err.message : String(err),
    });
    throw err;
  }
  await scope.rt.audit.record({ ...call, response });
  return response;
}
