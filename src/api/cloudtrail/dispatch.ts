import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.js';
import { ApiError } from '../errors.js';
import { parseJsonObject } from '../body.js';
import { authenticate, authorize } from '../authenticate.js';
import { CLOUDTRAIL_OPERATIONS } from './operations/index.js';

const TARGET = /^(?:com\.amazonaws\.cloudtrail\.v20131101\.)?CloudTrail_20131101\.([A-Za-z]+)$/;

/** AWS JSON 1.1 on `POST /`, dispatched on X-Amz-Target (spec §4.1). */
export function registerCloudTrailJson(app: FastifyInstance, ctx: AppContext): void {
  app.post('/', async (req, reply) => {
    const target = String(req.headers['x-amz-target'] ?? '');
    const caller = authenticate(req, ctx);
    const m = TARGET.exec(target);
    const op = m ? CLOUDTRAIL_OPERATIONS.get(m[1]!) : undefined;
    if (!op) {
      throw new ApiError(
        'UnknownOperationException',
        target ? `Unknown operation ${target}.` : 'X-Amz-Target is missing.',
      );
    }
    const contentType = String(req.headers['content-type'] ?? '');
    if (contentType && !/^application\/(x-amz-json-1\.[01]|json)\b/.test(contentType)) {
      throw new ApiError(
        'UnsupportedMediaTypeException',
        `Content-Type ${contentType} is not supported; use application/x-amz-json-1.1.`,
      );
    }
    authorize(caller, `cloudtrail:${op.name}`);
    const input = parseJsonObject(req.body);
    const output = await op.handle(input, { ctx, caller });
    return reply
      .header('x-amzn-RequestId', req.requestId)
      .header('content-type', 'application/x-amz-json-1.1')
      .send(JSON.stringify(output));
  });
}
