import { randomUUID } from 'node:crypto';
import type { CloudTrailRecord, EventError, EventErrorCode, NormalizedEvent } from './types.js';
import { canonicalEventTimeMs, formatEventTime, parseEventTime } from './time.js';
import { inferReadOnly } from './read-only.js';

/** Whole-record limit (spec §1: 256 KB since eventVersion 1.05). */
export const MAX_RECORD_BYTES = 256 * 1024;
export const CURRENT_EVENT_VERSION = '1.11';

export interface NormalizeContext {
  /** The account the event is recorded for when the record does not name one. */
  accountId: string;
  /** awsRegion when the record does not name one. */
  region: string;
  /** Receive time; eventTime defaults to it. */
  receivedAtMs: number;
  /**
   * `api`: events written by callers must name what happened (eventSource, eventName, an
   * identity). `archive`: records written by AWS are taken as they are, fragments included,
   * as long as the fields present have the right types.
   */
  profile: 'api' | 'archive';
  /** When set, a record naming another recipientAccountId is refused (callers write only to their account). */
  enforceRecipient: boolean;
}

export type NormalizeResult = { ok: true; event: NormalizedEvent } | { ok: false; error: EventError };

class RecordError extends Error {
  constructor(
    readonly code: EventErrorCode,
    message: string,
  ) {
    super(message);
  }
}

const STRING_FIELDS = [
  'eventVersion',
  'eventSource',
  'eventName',
  'awsRegion',
  'sourceIPAddress',
  'userAgent',
  'errorCode',
  'errorMessage',
  'requestID',
  'eventID',
  'eventType',
  'apiVersion',
  'recipientAccountId',
  'sharedEventID',
  'vpcEndpointId',
  'vpcEndpointAccountId',
  'eventCategory',
  'sessionCredentialFromConsole',
  'annotation',
  'UID',
] as const;

const OBJECT_FIELDS = [
  'additionalEventData',
  'serviceEventDetails',
  'addendum',
  'eventContext',
  'edgeDeviceDetails',
  'tlsDetails',
  'insightDetails',
  'metadata',
] as const;

const NULLABLE_OBJECT_FIELDS = ['requestParameters', 'responseElements'] as const;

const USER_IDENTITY_STRING_FIELDS = [
  'type',
  'principalId',
  'arn',
  'accountId',
  'accessKeyId',
  'userName',
  'invokedBy',
  'identityProvider',
  'credentialId',
] as const;

const MANAGEMENT_FLAG_TYPES = new Set(['AwsApiCall', 'AwsConsoleAction', 'AwsConsoleSignIn', 'AwsServiceEvent']);
const ACCOUNT_ID = /^\d{12}$/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : `${typeof v} ${JSON.stringify(v)?.slice(0, 40)}`;
}

function checkFields(rec: Record<string, unknown>): void {
  for (const f of STRING_FIELDS) {
    const v = rec[f];
    if (v !== undefined && typeof v !== 'string') {
      throw new RecordError('InvalidData', `${f} must be a string, got ${describe(v)}`);
    }
  }
  for (const f of OBJECT_FIELDS) {
    const v = rec[f];
    if (v !== undefined && !isPlainObject(v)) {
      throw new RecordError('InvalidData', `${f} must be a JSON object, got ${describe(v)}`);
    }
  }
  for (const f of NULLABLE_OBJECT_FIELDS) {
    const v = rec[f];
    if (v !== undefined && v !== null && !isPlainObject(v)) {
      throw new RecordError('InvalidData', `${f} must be a JSON object or null, got ${describe(v)}`);
    }
  }
  for (const f of ['readOnly', 'managementEvent'] as const) {
    const v = rec[f];
    // LookupEvents hands readOnly back as a string; accept that spelling and store the boolean.
    if (v === 'true' || v === 'false') rec[f] = v === 'true';
    else if (v !== undefined && typeof v !== 'boolean') {
      throw new RecordError('InvalidData', `${f} must be a boolean, got ${describe(v)}`);
    }
  }
  const resources = rec.resources;
  if (resources !== undefined) {
    if (!Array.isArray(resources)) {
      throw new RecordError('InvalidData', `resources must be an array, got ${describe(resources)}`);
    }
    resources.forEach((r, i) => {
      if (!isPlainObject(r))
        throw new RecordError('InvalidData', `resources[${i}] must be a JSON object, got ${describe(r)}`);
      for (const k of ['ARN', 'accountId', 'type']) {
        if (r[k] !== undefined && r[k] !== null && typeof r[k] !== 'string') {
          throw new RecordError('InvalidData', `resources[${i}].${k} must be a string, got ${describe(r[k])}`);
        }
      }
    });
  }
  const ui = rec.userIdentity;
  if (ui !== undefined) {
    if (!isPlainObject(ui)) {
      throw new RecordError('InvalidData', `userIdentity must be a JSON object, got ${describe(ui)}`);
    }
    for (const f of USER_IDENTITY_STRING_FIELDS) {
      const v = ui[f];
      if (v !== undefined && v !== null && typeof v !== 'string') {
        throw new RecordError('InvalidData', `userIdentity.${f} must be a string, got ${describe(v)}`);
      }
    }
    if (ui.sessionContext !== undefined && !isPlainObject(ui.sessionContext)) {
      throw new RecordError(
        'InvalidData',
        `userIdentity.sessionContext must be a JSON object, got ${describe(ui.sessionContext)}`,
      );
    }
  }
}

function requireApiFields(rec: Record<string, unknown>): void {
  for (const f of ['eventSource', 'eventName'] as const) {
    if (rec[f] === undefined || rec[f] === '') {
      throw new RecordError(
        'FieldNotFound',
        `${f} is required: name the service (e.g. "orders.example.com") and the action (e.g. "CreateOrder")`,
      );
    }
  }
  const ui = rec.userIdentity as Record<string, unknown> | undefined;
  if (ui === undefined)
    throw new RecordError(
      'FieldNotFound',
      'userIdentity is required: say who acted, e.g. {"type":"IAMUser","userName":"alice"}',
    );
  if (typeof ui.type !== 'string' || ui.type === '') {
    throw new RecordError(
      'FieldNotFound',
      'userIdentity.type is required, e.g. "IAMUser", "AssumedRole" or a type of your own',
    );
  }
}

/**
 * Validates one incoming record and fills CloudTrail's defaults. The input object is taken over
 * (mutated), which saves a copy on the ingest hot path; callers pass freshly parsed JSON.
 * Validation is written by hand rather than with a schema library because this runs for every
 * event at 100,000+ events/s and its messages name the exact field to fix.
 */
export function normalizeRecord(input: unknown, ctx: NormalizeContext): NormalizeResult {
  try {
    if (!isPlainObject(input)) {
      throw new RecordError('InvalidData', `an event must be a JSON object, got ${describe(input)}`);
    }
    const rec = input;
    checkFields(rec);
    const isInsight = rec.eventType === 'AwsCloudTrailInsight' || rec.eventCategory === 'Insight';
    if (ctx.profile === 'api' && !isInsight) requireApiFields(rec);

    let eventTimeMs: number;
    if (rec.eventTime === undefined) {
      eventTimeMs = Math.floor(ctx.receivedAtMs / 1000) * 1000;
      rec.eventTime = formatEventTime(eventTimeMs);
    } else {
      // Already canonical (archives nearly always are): kept as it is, nothing to reformat.
      const canonical = typeof rec.eventTime === 'string' ? canonicalEventTimeMs(rec.eventTime) : undefined;
      const ms = canonical ?? parseEventTime(rec.eventTime);
      if (ms === undefined) {
        throw new RecordError(
          'InvalidData',
          `eventTime ${describe(rec.eventTime)} is not a time: use ISO-8601 such as "2024-05-01T12:34:56Z" or epoch seconds`,
        );
      }
      eventTimeMs = ms;
      if (canonical === undefined) rec.eventTime = formatEventTime(ms);
    }

    if (rec.recipientAccountId === undefined) {
      rec.recipientAccountId = ctx.accountId;
    } else if (!ACCOUNT_ID.test(rec.recipientAccountId as string) && ctx.profile === 'api') {
      throw new RecordError(
        'InvalidRecipient',
        `recipientAccountId must be a 12-digit account ID, got ${describe(rec.recipientAccountId)}`,
      );
    } else if (ctx.enforceRecipient && rec.recipientAccountId !== ctx.accountId) {
      throw new RecordError(
        'InvalidRecipient',
        `recipientAccountId ${rec.recipientAccountId as string} is not the caller's account ${ctx.accountId}`,
      );
    }

    if (rec.eventID === undefined || rec.eventID === '') rec.eventID = randomUUID();
    // The log keys events by (recipientAccountId, eventID) in UTF-8: ill-formed UTF-16 would
    // collapse to U+FFFD there, and two different events would become one.
    for (const f of ['eventID', 'recipientAccountId'] as const) {
      if (LONE_SURROGATE.test(rec[f] as string)) {
        throw new RecordError('InvalidData', `${f} must be well-formed Unicode text (it holds a lone surrogate)`);
      }
    }
    if (rec.eventVersion === undefined) rec.eventVersion = CURRENT_EVENT_VERSION;
    if (rec.awsRegion === undefined) rec.awsRegion = ctx.region;
    if (rec.eventType === undefined) rec.eventType = isInsight ? 'AwsCloudTrailInsight' : 'AwsApiCall';
    if (rec.eventCategory === undefined) {
      rec.eventCategory =
        rec.eventType === 'AwsCloudTrailInsight'
          ? 'Insight'
          : rec.eventType === 'ActivityLog'
            ? 'ActivityAuditLog'
            : rec.eventType === 'AwsVpceEvent'
              ? 'NetworkActivity'
              : 'Management';
    }
    if (rec.managementEvent === undefined && MANAGEMENT_FLAG_TYPES.has(rec.eventType as string)) {
      rec.managementEvent = rec.eventCategory === 'Management';
    }
    if (rec.readOnly === undefined && !isInsight) {
      const ro = inferReadOnly(rec.eventName as string | undefined);
      if (ro !== undefined) rec.readOnly = ro;
    }

    let json: string;
    try {
      json = JSON.stringify(rec);
    } catch {
      // JSON.parse accepts nesting deeper than JSON.stringify can recurse.
      throw new RecordError('InvalidData', 'the event is nested too deeply to be stored');
    }
    // Byte length without allocating a Buffer; JSON.stringify escapes lone surrogates.
    const bytes = Buffer.byteLength(json, 'utf8');
    if (bytes > MAX_RECORD_BYTES) {
      throw new RecordError(
        'FieldTooLong',
        `the event is ${bytes} bytes; CloudTrail's limit is ${MAX_RECORD_BYTES} bytes (256 KB)`,
      );
    }
    const record = rec as unknown as CloudTrailRecord;
    return {
      ok: true,
      event: {
        record,
        json,
        accountId: record.recipientAccountId,
        eventId: record.eventID,
        eventTimeMs,
      },
    };
  } catch (err) {
    if (err instanceof RecordError) return { ok: false, error: { errorCode: err.code, errorMessage: err.message } };
    throw err;
  }
}
