import { randomUUID } from 'node:crypto';
import Fastify, {
  LogController,
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import type { AppContext } from './context.js';
import { ApiError } from './errors.js';
import { registerTargetRouter } from './target-router.js';
import { registerPutAuditEvents } from './cloudtrail-data/put-audit-events.js';
import { registerEventsApi } from './opentrail/events.js';

export interface ApiServerOptions {
  /** Largest body accepted on any route, bytes. */
  bodyLimit?: number;
  /** Idle and whole-request limits against slow or half-open connections, ms. */
  requestTimeoutMs?: number;
}

/** How an error is written depends on the protocol of the route that failed. */
export type ErrorStyle = 'json-1.1' | 'rest-json';

declare module 'fastify' {
  interface FastifyRequest {
    requestId: string;
    errorStyle: ErrorStyle;
  }
}

export function sendError(reply: FastifyReply, req: FastifyRequest, err: ApiError): FastifyReply {
  const contentType = req.errorStyle === 'json-1.1' ? 'application/x-amz-json-1.1' : 'application/json';
  // botocore reads rest-json error codes from x-amzn-ErrorType; JSON 1.1 clients from __type.
  return reply
    .code(err.status)
    .header('x-amzn-RequestId', req.requestId)
    .header('x-amzn-ErrorType', err.code)
    .header('content-type', contentType)
    .send(JSON.stringify({ __type: err.code, message: err.message }));
}

/** Maps anything thrown to the AWS error a client expects; never leaks internals. */
function toApiError(err: unknown, ctx: AppContext, req: FastifyRequest): ApiError {
  if (err instanceof ApiError) return err;
  const fe = err as FastifyError;
  if (fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    return new ApiError('RequestEntityTooLargeException', 'The request body is larger than this operation accepts.');
  }
  if (fe.code === 'FST_ERR_CTP_INVALID_CONTENT_LENGTH' || fe.statusCode === 400) {
    return new ApiError('SerializationException', fe.message);
  }
  ctx.logger.error({ err, requestId: req.requestId, url: req.url }, 'unexpected error');
  return new ApiError('InternalFailure', `An internal error occurred (request ${req.requestId}); it is safe to retry.`);
}

export async function buildApiServer(ctx: AppContext, options: ApiServerOptions = {}): Promise<FastifyInstance> {
  // Typed as the default instance: our handlers need nothing of pino's own logger type.
  const app = Fastify({
    loggerInstance: ctx.logger,
    // One log line per request would cost more than the request at 300+ calls/s; errors are logged.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: options.bodyLimit ?? 6 * 1024 * 1024,
    requestTimeout: options.requestTimeoutMs ?? 30_000,
    connectionTimeout: options.requestTimeoutMs ?? 30_000,
    // Longer than clients keep idle sockets (the SDKs reuse them), so a reused socket is never
    // closed under a request in flight ("socket hang up"); idle ones still go after a minute.
    keepAliveTimeout: 65_000,
    return503OnClosing: true,
    genReqId: () => randomUUID(),
  }) as unknown as FastifyInstance;
  // Every body stays raw: SigV4 signs the exact bytes, and each protocol parses its own JSON.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  app.decorateRequest('requestId', '');
  app.decorateRequest('errorStyle', 'json-1.1');
  app.addHook('onRequest', async (req) => {
    req.requestId = req.id;
    req.errorStyle = req.url.startsWith('/PutAuditEvents') || req.url.startsWith('/v1/') ? 'rest-json' : 'json-1.1';
  });
  app.setErrorHandler((err, req, reply) => sendError(reply, req, toApiError(err, ctx, req)));
  app.setNotFoundHandler((req, reply) =>
    sendError(reply, req, new ApiError('NotFoundException', `No route for ${req.method} ${req.url.split('?')[0]}.`)),
  );

  app.get('/health', async () => ({ status: 'ok' }));
  // POST /: CloudTrail, EventBridge, CloudWatch Logs and CloudWatch, by X-Amz-Target.
  registerTargetRouter(app, ctx);
  registerPutAuditEvents(app, ctx);
  registerEventsApi(app, ctx);
  return app;
}
