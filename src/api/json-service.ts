/**
 * AWS JSON 1.1 services on `POST /` other than CloudTrail (EventBridge, CloudWatch Logs): the
 * same steps as the CloudTrail dispatcher — authenticate, check the media type, authorise
 * `<service>:<Operation>`, parse, handle — and the same self-audit: every call of a known
 * operation is recorded (eventSource `events.amazonaws.com`, `logs.amazonaws.com`), mutating calls
 * answer only once their record is durable. Module errors are mapped to AWS codes by `mapError`.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { auditCall, auditFailedAuthentication } from './audit-request.js';
import { authenticate, authorize } from './authenticate.js';
import { parseJsonObject } from './body.js';
import type { AppContext, Caller } from './context.js';
import { ApiError } from './errors.js';
import type { AuditedCall } from './self-audit.js';

export interface JsonOperation {
  name: string;
  readOnly: boolean;
  handle(input: Record<string, unknown>, call: { ctx: AppContext; caller: Caller }): Promise<Record<string, unknown>>;
}

export interface JsonService {
  /** X-Amz-Target prefix before the dot, e.g. `AWSEvents`. */
  targetPrefix: string;
  /** IAM service prefix of the actions, e.g. `events`. */
  actionPrefix: string;
  eventSource: AuditedCall['eventSource'];
  operations: ReadonlyMap<string, JsonOperation>;
  /** `1.1` (EventBridge, Logs) or `1.0` (CloudWatch). */
  jsonVersion?: '1.0' | '1.1';
  /**
   * awsQueryCompatible services (CloudWatch): error codes are the Query protocol's, also sent in
   * `x-amzn-query-error: <code>;Sender`, which botocore reads instead of `__type`.
   */
  queryCompatible?: boolean;
  /** Turns a module's error into the AWS error of this service; undefined leaves it as is. */
  mapError(err: unknown): ApiError | undefined;
}

export async function handleJsonService(
  service: JsonService,
  req: FastifyRequest,
  reply: FastifyReply,
  ctx: AppContext,
): Promise<FastifyReply> {
  const target = String(req.headers['x-amz-target'] ?? '');
  const name = target.slice(service.targetPrefix.length + 1);
  const op = service.operations.get(name);
  const shape = op && { eventSource: service.eventSource, eventName: op.name, readOnly: op.readOnly };
  let caller: Caller;
  try {
    caller = authenticate(req, ctx);
  } catch (err) {
    if (shape) await auditFailedAuthentication(req, ctx, shape, err);
    throw err;
  }
  if (!op || !shape) throw new ApiError('UnknownOperationException', `Unknown operation ${target}.`);
  let input: Record<string, unknown> | undefined;
  let output: Record<string, unknown>;
  try {
    const contentType = String(req.headers['content-type'] ?? '');
    if (contentType && !/^application\/(x-amz-json-1\.[01]|json)\b/.test(contentType)) {
      throw new ApiError(
        'UnsupportedMediaTypeException',
        `Content-Type ${contentType} is not supported; use application/x-amz-json-1.1.`,
      );
    }
    authorize(caller, `${service.actionPrefix}:${op.name}`);
    input = parseJsonObject(req.body);
    try {
      output = await op.handle(input, { ctx, caller });
    } catch (err) {
      throw service.mapError(err) ?? err;
    }
  } catch (err) {
    if (service.queryCompatible && err instanceof ApiError) {
      void reply.header('x-amzn-query-error', `${err.code};${err.status >= 500 ? 'Receiver' : 'Sender'}`);
    }
    await auditCall(req, ctx, shape, caller, { ...(input !== undefined ? { request: input } : {}), error: err });
    throw err;
  }
  const audited = auditCall(req, ctx, shape, caller, { request: input, response: output });
  if (!op.readOnly) await audited;
  return reply
    .header('x-amzn-RequestId', req.requestId)
    .header('content-type', `application/x-amz-json-${service.jsonVersion ?? '1.1'}`)
    .send(Buffer.from(JSON.stringify(output)));
}
