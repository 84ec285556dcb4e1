import type { FastifyInstance } from 'fastify';
import { mapAuditEvents, type AuditEventEntry } from '../../ingest/put-audit-events.js';
import { parseChannelArn } from '../../ingest/channels.js';
import type { NormalizedEvent } from '../../event/types.js';
import { lookupViewOf } from '../../event/attributes.js';
import type { AppContext } from '../context.js';
import { ApiError } from '../errors.js';
import { parseJsonObject } from '../body.js';
import { authenticate, authorize } from '../authenticate.js';
import { auditFailedAuthentication } from '../audit-request.js';

export const MAX_AUDIT_EVENTS = 100;
export const MAX_PUT_AUDIT_EVENTS_BYTES = 1024 * 1024;
const AUDIT_SHAPE = {
  eventSource: 'cloudtrail-data.amazonaws.com',
  eventName: 'PutAuditEvents',
  readOnly: false,
} as const;
const ENTRY_ID = /^[-_A-Za-z0-9]+$/;
const EXTERNAL_ID = /^[\w+=,.@:/-]*$/;

function validationError(what: string): ApiError {
  return new ApiError('ValidationException', `1 validation error detected: ${what}`);
}

/** Checks the request's shape (spec §4.6) and returns its entries. */
function readEntries(body: Record<string, unknown>): AuditEventEntry[] {
  const list = body.auditEvents;
  if (!Array.isArray(list))
    throw validationError("Value null at 'auditEvents' failed to satisfy constraint: Member must not be null");
  if (list.length < 1 || list.length > MAX_AUDIT_EVENTS) {
    throw validationError(
      `Value at 'auditEvents' failed to satisfy constraint: Member must have length between 1 and ${MAX_AUDIT_EVENTS} (got ${list.length})`,
    );
  }
  const ids = new Set<string>();
  return list.map((e, i) => {
    const entry = e as Record<string, unknown>;
    if (typeof entry !== 'object' || entry === null) {
      throw new ApiError('SerializationException', `auditEvents[${i}] must be an object.`);
    }
    const { id, eventData, eventDataChecksum } = entry;
    if (typeof id !== 'string' || id.length < 1 || id.length > 128 || !ENTRY_ID.test(id)) {
      throw validationError(
        `Value '${String(id)}' at 'auditEvents.${i + 1}.member.id' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[-_A-Za-z0-9]+$ and have length between 1 and 128`,
      );
    }
    if (typeof eventData !== 'string') {
      throw validationError(
        `Value null at 'auditEvents.${i + 1}.member.eventData' failed to satisfy constraint: Member must not be null`,
      );
    }
    if (eventDataChecksum !== undefined && typeof eventDataChecksum !== 'string') {
      throw new ApiError('SerializationException', `auditEvents[${i}].eventDataChecksum must be a string.`);
    }
    if (ids.has(id)) {
      throw new ApiError(
        'DuplicatedAuditEventId',
        `Two audit events have the same id ${id}; ids must be unique within a request.`,
      );
    }
    ids.add(id);
    return { id, eventData, ...(eventDataChecksum !== undefined ? { eventDataChecksum } : {}) };
  });
}

/** cloudtrail-data `PutAuditEvents`, REST-JSON, exactly as AWS serves it. */
export function registerPutAuditEvents(app: FastifyInstance, ctx: AppContext): void {
  app.post('/PutAuditEvents', { bodyLimit: MAX_PUT_AUDIT_EVENTS_BYTES + 64 * 1024 }, async (req, reply) => {
    let caller;
    try {
      caller = authenticate(req, ctx);
    } catch (err) {
      // Ingest calls are data-plane traffic and are not recorded; a refused key is (DESIGN §1).
      await auditFailedAuthentication(req, ctx, AUDIT_SHAPE, err);
      throw err;
    }
    authorize(caller, 'cloudtrail-data:PutAuditEvents');
    const query = req.query as Record<string, string | undefined>;
    const channelRef = query.channelArn;
    if (!channelRef) throw new ApiError('InvalidChannelARN', 'The channelArn query parameter is required.');
    if (
      query.externalId !== undefined &&
      (query.externalId.length < 2 || query.externalId.length > 1224 || !EXTERNAL_ID.test(query.externalId))
    ) {
      throw validationError(
        `Value '${query.externalId}' at 'externalId' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[\\w+=,.@:\\/-]*$`,
      );
    }
    const parsed = parseChannelArn(channelRef);
    if (channelRef.startsWith('arn:') && !parsed) {
      throw new ApiError('InvalidChannelARN', `The channel ARN ${channelRef} is not valid.`);
    }
    if (parsed && parsed.accountId !== caller.accountId) {
      throw new ApiError(
        'ChannelInsufficientPermission',
        `The caller's account ${caller.accountId} can't write to channel ${channelRef}.`,
      );
    }
    const channel = await ctx.channels.find(caller.accountId, channelRef);
    if (!channel) throw new ApiError('ChannelNotFound', `The channel ${channelRef} was not found.`);
    const body = req.body as Buffer;
    if (body.length > MAX_PUT_AUDIT_EVENTS_BYTES) {
      throw validationError(`The request is ${body.length} bytes; PutAuditEvents accepts at most 1 MB.`);
    }
    const entries = readEntries(parseJsonObject(body));
    const receivedAtMs = Date.now();
    const events: NormalizedEvent[] = [];
    const successful: { id: string; eventID: string }[] = [];
    const failed: { id: string; errorCode: string; errorMessage: string }[] = [];
    for (const m of mapAuditEvents(entries, channel, receivedAtMs)) {
      if (m.ok) {
        // The log needs only the lookup view until the sync; the parsed record dies here, young,
        // instead of surviving the wait for the sync into the old generation (GC ran on the
        // other core).
        m.event.record = lookupViewOf(m.event.record);
        events.push(m.event);
        successful.push({ id: m.id, eventID: m.event.eventId });
      } else {
        failed.push({ id: m.id, errorCode: m.errorCode, errorMessage: m.errorMessage });
      }
    }
    await ctx.ingestor.appendNormalized(events, receivedAtMs);
    return reply
      .header('x-amzn-RequestId', req.requestId)
      .header('content-type', 'application/json')
      .send(JSON.stringify({ successful, failed }));
  });
}
