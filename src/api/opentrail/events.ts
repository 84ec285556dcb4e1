import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.js';
import { ApiError } from '../errors.js';
import { parseJsonBody } from '../body.js';
import { authenticate, authorize } from '../authenticate.js';
import { auditCall, auditFailedAuthentication } from '../audit-request.js';
import type { Caller } from '../context.js';
import type { FastifyRequest } from 'fastify';
import type { LookupAttributeKey } from '../../store/event-store.js';
import { InvalidCursorError } from '../../store/duckdb/duckdb-event-store.js';
import { parseEventTime } from '../../event/time.js';

export const MAX_EVENTS_PER_POST = 1000;

/** One record, an array of records, or a CloudTrail log file body `{"Records": [...]}`. */
export function recordsOf(body: unknown): unknown[] {
  if (Array.isArray(body)) return body;
  if (typeof body === 'object' && body !== null && Array.isArray((body as { Records?: unknown }).Records)) {
    return (body as { Records: unknown[] }).Records;
  }
  return [body];
}

/** Query parameters of GET /v1/events and the lookup attribute each filters. */
const LOOKUP_PARAMS: Record<string, LookupAttributeKey> = {
  eventId: 'EventId',
  eventName: 'EventName',
  readOnly: 'ReadOnly',
  username: 'Username',
  resourceType: 'ResourceType',
  resourceName: 'ResourceName',
  eventSource: 'EventSource',
  accessKeyId: 'AccessKeyId',
};

/** Ingest through our API is data-plane traffic: only refused keys are recorded. */
const PUT_SHAPE = { eventSource: 'cloudtrail-data.amazonaws.com', eventName: 'PutEvents', readOnly: false } as const;
/** Our lookup is recorded as LookupEvents, so one rule or alarm covers both APIs. */
const LOOKUP_SHAPE = { eventSource: 'cloudtrail.amazonaws.com', eventName: 'LookupEvents', readOnly: true } as const;

async function authenticated(
  req: FastifyRequest,
  ctx: AppContext,
  shape: typeof PUT_SHAPE | typeof LOOKUP_SHAPE,
): Promise<Caller> {
  try {
    return authenticate(req, ctx);
  } catch (err) {
    await auditFailedAuthentication(req, ctx, shape, err);
    throw err;
  }
}

/** Our own JSON API: write events, read them back. */
export function registerEventsApi(app: FastifyInstance, ctx: AppContext): void {
  app.post('/v1/events', async (req, reply) => {
    const caller = await authenticated(req, ctx, PUT_SHAPE);
    authorize(caller, 'opentrail:PutEvents');
    const records = recordsOf(parseJsonBody(req.body));
    if (records.length === 0 || records.length > MAX_EVENTS_PER_POST) {
      throw new ApiError(
        'ValidationException',
        `Send between 1 and ${MAX_EVENTS_PER_POST} events per request (got ${records.length}).`,
      );
    }
    const results = await ctx.ingestor.ingest(records, {
      accountId: caller.accountId,
      region: ctx.region,
      profile: 'api',
      enforceRecipient: true,
    });
    const successful: { id: string; eventID: string; status: string }[] = [];
    const failed: { id: string; errorCode: string; errorMessage: string }[] = [];
    results.forEach((r, i) => {
      if (r.ok) successful.push({ id: String(i), eventID: r.eventId, status: r.status });
      else failed.push({ id: String(i), errorCode: r.errorCode, errorMessage: r.errorMessage });
    });
    return reply
      .header('x-amzn-RequestId', req.requestId)
      .header('content-type', 'application/json')
      .send(JSON.stringify({ successful, failed }));
  });

  app.get('/v1/events', async (req, reply) => {
    const caller = await authenticated(req, ctx, LOOKUP_SHAPE);
    const q = req.query as Record<string, string | undefined>;
    try {
      authorize(caller, 'opentrail:LookupEvents');
      const out = await lookupPage(ctx, caller, q);
      void auditCall(req, ctx, LOOKUP_SHAPE, caller, { request: withoutToken(q) });
      return reply.header('x-amzn-RequestId', req.requestId).header('content-type', 'application/json').send(out);
    } catch (err) {
      void auditCall(req, ctx, LOOKUP_SHAPE, caller, { request: withoutToken(q), error: err });
      throw err;
    }
  });
}

function withoutToken(q: Record<string, string | undefined>): Record<string, unknown> {
  const { nextToken: _token, ...rest } = q;
  return rest;
}

/** One page of GET /v1/events as the response body. */
async function lookupPage(ctx: AppContext, caller: Caller, q: Record<string, string | undefined>): Promise<string> {
  const attributes = Object.entries(LOOKUP_PARAMS)
    .filter(([param]) => q[param] !== undefined)
    .map(([param, key]) => ({ key, value: q[param]! }));
  const time = (name: string): number | undefined => {
    const v = q[name];
    if (v === undefined) return undefined;
    const ms = parseEventTime(/^\d+$/.test(v) ? Number(v) : v);
    if (ms === undefined)
      throw new ApiError('ValidationException', `${name} must be an ISO-8601 time or epoch seconds.`);
    return ms;
  };
  const limit = q.limit === undefined ? 50 : Number(q.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
    throw new ApiError('InvalidMaxResultsException', 'limit must be an integer from 1 to 1000.');
  }
  const startTimeMs = time('startTime');
  const endTimeMs = time('endTime');
  if (startTimeMs !== undefined && endTimeMs !== undefined && startTimeMs > endTimeMs) {
    throw new ApiError('InvalidTimeRangeException', 'startTime must be before endTime.');
  }
  try {
    const page = await ctx.store.lookup({
      accountId: caller.accountId,
      attributes,
      limit,
      ...(startTimeMs !== undefined ? { startTimeMs } : {}),
      ...(endTimeMs !== undefined ? { endTimeMs } : {}),
      ...(q.category === 'insight' ? { eventCategory: 'insight' as const } : {}),
      ...(q.nextToken ? { cursor: q.nextToken } : {}),
    });
    return `{"events":[${page.events.map((e) => e.json).join(',')}]${page.cursor ? `,"nextToken":${JSON.stringify(page.cursor)}` : ''}}`;
  } catch (err) {
    if (err instanceof InvalidCursorError) throw new ApiError('InvalidNextTokenException', err.message);
    throw err;
  }
}
