import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.js';
import { ApiError } from '../errors.js';
import { parseJsonObject } from '../body.js';
import { authenticate, authorize } from '../authenticate.js';
import { auditCall, auditFailedAuthentication } from '../audit-request.js';
import { CLOUDTRAIL_OPERATIONS } from './operations/index.js';

const TARGET = /^(?:com\.amazonaws\.cloudtrail\.v20131101\.)?CloudTrail_20131101\.([A-Za-z]+)$/;
const EVENT_SOURCE = 'cloudtrail.amazonaws.com';

/**
 * AWS JSON 1.1 on `POST /`, dispatched on X-Amz-Target (spec §4.1). Every call of a known
 * operation is recorded by the self-audit — failed authentications, refusals and errors too.
 * A mutating call answers only once its audit record is durable, so a crash can never leave,
 * say, a StopLogging that happened but was not logged; read-only calls do not wait.
 */
export function registerCloudTrailJson(app: FastifyInstance, ctx: AppContext): void {
  app.post('/', (req, reply) => handleCloudTrailJson(req, reply, ctx));
}

/** The CloudTrail handler of `POST /`, for the target router (src/api/target-router.ts). */
export async function handleCloudTrailJson(
  req: FastifyRequest,
  reply: FastifyReply,
  ctx: AppContext,
): Promise<FastifyReply> {
  const target = String(req.headers['x-amz-target'] ?? '');
  const m = TARGET.exec(target);
  const op = m ? CLOUDTRAIL_OPERATIONS.get(m[1]!) : undefined;
  const shape = op && ({ eventSource: EVENT_SOURCE, eventName: op.name, readOnly: op.readOnly } as const);
  let caller;
  try {
    caller = authenticate(req, ctx);
  } catch (err) {
    if (shape) await auditFailedAuthentication(req, ctx, shape, err);
    throw err;
  }
  if (!op || !shape) {
    throw new ApiError(
      'UnknownOperationException',
      target ? `Unknown operation ${target}.` : 'X-Amz-Target is missing.',
    );
  }
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
    authorize(caller, `cloudtrail:${op.name}`);
    input = parseJsonObject(req.body);
    output = await op.handle(input, { ctx, caller });
  } catch (err) {
    await auditCall(req, ctx, shape, caller, { ...(input !== undefined ? { request: input } : {}), error: err });
    throw err;
  }
  const audited = auditCall(req, ctx, shape, caller, { request: input, response: output });
  if (!op.readOnly) await audited;
  return reply
    .header('x-amzn-RequestId', req.requestId)
    .header('content-type', 'application/x-amz-json-1.1')
    .send(Buffer.from(JSON.stringify(output)));
}
