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

/**
 * The JSON text a record was parsed from, for callers that hold it (PutAuditEvents' eventData).
 * When normalisation only adds members, the stored JSON is that text with the added members
 * spliced in before its closing brace: serialising the whole record again cost ~7 µs of a 1.4 KB
 * event, near a tenth of PutAuditEvents' main-thread CPU. JSON.parse of either text gives the
 * same record.
 */
export interface RecordSource {
  /** What `JSON.parse` turned into the input object. */
  text: string;
  /** Members the caller set on the parsed object, in order, none of them named in `text`. */
  added: readonly string[];
}

/**
 * Members normalisation may add, in the order it adds them (a bit each in `Splice.added`).
 * Their names need no escaping in JSON.
 */
const DEFAULTED = [
  'eventTime',
  'recipientAccountId',
  'eventID',
  'eventVersion',
  'awsRegion',
  'eventType',
  'eventCategory',
  'managementEvent',
  'readOnly',
] as const;
type Defaulted = (typeof DEFAULTED)[number];
const DEFAULTED_BIT = Object.fromEntries(DEFAULTED.map((k, i) => [k, 1 << i])) as Record<Defaulted, number>;

/**
 * What normalisation did to a record with a source text: the members it added (bits of
 * DEFAULTED), or `changed` when it rewrote a member the text holds (then the record is
 * serialised whole).
 */
interface Splice {
  added: number;
  changed: boolean;
}

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

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : `${typeof v} ${JSON.stringify(v)?.slice(0, 40)}`;
}

/** What a typed top-level member must hold. */
const enum Kind {
  String,
  Object,
  NullableObject,
  Boolean,
  Resources,
  Identity,
}

/**
 * The typed members by name. checkFields walks the record's members and looks each up here: a
 * record holds ~15 members and the lists name 32, each a property load on records of many shapes.
 */
const FIELD_KINDS = new Map<string, Kind>([
  ...STRING_FIELDS.map((f) => [f, Kind.String] as const),
  ...OBJECT_FIELDS.map((f) => [f, Kind.Object] as const),
  ...NULLABLE_OBJECT_FIELDS.map((f) => [f, Kind.NullableObject] as const),
  ['readOnly', Kind.Boolean],
  ['managementEvent', Kind.Boolean],
  ['resources', Kind.Resources],
  ['userIdentity', Kind.Identity],
]);
const IDENTITY_STRING_FIELDS = new Set<string>(USER_IDENTITY_STRING_FIELDS);

function checkFields(rec: Record<string, unknown>, splice: Splice | undefined): void {
  for (const f in rec) {
    const kind = FIELD_KINDS.get(f);
    if (kind === undefined) continue;
    const v = rec[f];
    if (v === undefined) continue;
    switch (kind) {
      case Kind.String:
        if (typeof v !== 'string') throw new RecordError('InvalidData', `${f} must be a string, got ${describe(v)}`);
        break;
      case Kind.Object:
        if (!isPlainObject(v)) throw new RecordError('InvalidData', `${f} must be a JSON object, got ${describe(v)}`);
        break;
      case Kind.NullableObject:
        if (v !== null && !isPlainObject(v)) {
          throw new RecordError('InvalidData', `${f} must be a JSON object or null, got ${describe(v)}`);
        }
        break;
      case Kind.Boolean:
        // LookupEvents hands readOnly back as a string; accept that spelling and store the boolean.
        if (v === 'true' || v === 'false') {
          rec[f] = v === 'true';
          if (splice) splice.changed = true;
        } else if (typeof v !== 'boolean') {
          throw new RecordError('InvalidData', `${f} must be a boolean, got ${describe(v)}`);
        }
        break;
      case Kind.Resources:
        checkResources(v);
        break;
      case Kind.Identity:
        checkIdentity(v);
        break;
    }
  }
}

function checkResources(resources: unknown): void {
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

function checkIdentity(ui: unknown): void {
  if (!isPlainObject(ui)) {
    throw new RecordError('InvalidData', `userIdentity must be a JSON object, got ${describe(ui)}`);
  }
  for (const f in ui) {
    const v = ui[f];
    if (IDENTITY_STRING_FIELDS.has(f)) {
      if (v !== undefined && v !== null && typeof v !== 'string') {
        throw new RecordError('InvalidData', `userIdentity.${f} must be a string, got ${describe(v)}`);
      }
    } else if (f === 'sessionContext' && v !== undefined && !isPlainObject(v)) {
      throw new RecordError('InvalidData', `userIdentity.sessionContext must be a JSON object, got ${describe(v)}`);
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
 * (mutated), which saves a copy on the ingest hot path; callers pass freshly parsed JSON, and
 * `source` when they hold the text it was parsed from (see RecordSource).
 * Validation is written by hand rather than with a schema library because this runs for every
 * event at 100,000+ events/s and its messages name the exact field to fix.
 */
export function normalizeRecord(input: unknown, ctx: NormalizeContext, source?: RecordSource): NormalizeResult {
  try {
    if (!isPlainObject(input)) {
      throw new RecordError('InvalidData', `an event must be a JSON object, got ${describe(input)}`);
    }
    const rec = input;
    const splice: Splice | undefined = source && { added: 0, changed: false };
    checkFields(rec, splice);
    const isInsight = rec.eventType === 'AwsCloudTrailInsight' || rec.eventCategory === 'Insight';
    if (ctx.profile === 'api' && !isInsight) requireApiFields(rec);

    let eventTimeMs: number;
    if (rec.eventTime === undefined) {
      eventTimeMs = Math.floor(ctx.receivedAtMs / 1000) * 1000;
      fill(rec, splice, 'eventTime', formatEventTime(eventTimeMs));
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
      if (canonical === undefined) {
        rec.eventTime = formatEventTime(ms);
        if (splice) splice.changed = true;
      }
    }

    if (rec.recipientAccountId === undefined) {
      fill(rec, splice, 'recipientAccountId', ctx.accountId);
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

    if (rec.eventID === undefined) fill(rec, splice, 'eventID', randomUUID());
    else if (rec.eventID === '') {
      rec.eventID = randomUUID();
      if (splice) splice.changed = true;
    }
    // The log keys events by (recipientAccountId, eventID) in UTF-8: ill-formed UTF-16 would
    // collapse to U+FFFD there, and two different events would become one.
    for (const f of ['eventID', 'recipientAccountId'] as const) {
      if (!(rec[f] as string).isWellFormed()) {
        throw new RecordError('InvalidData', `${f} must be well-formed Unicode text (it holds a lone surrogate)`);
      }
    }
    if (rec.eventVersion === undefined) fill(rec, splice, 'eventVersion', CURRENT_EVENT_VERSION);
    if (rec.awsRegion === undefined) fill(rec, splice, 'awsRegion', ctx.region);
    if (rec.eventType === undefined) fill(rec, splice, 'eventType', isInsight ? 'AwsCloudTrailInsight' : 'AwsApiCall');
    if (rec.eventCategory === undefined) {
      fill(
        rec,
        splice,
        'eventCategory',
        rec.eventType === 'AwsCloudTrailInsight'
          ? 'Insight'
          : rec.eventType === 'ActivityLog'
            ? 'ActivityAuditLog'
            : rec.eventType === 'AwsVpceEvent'
              ? 'NetworkActivity'
              : 'Management',
      );
    }
    if (rec.managementEvent === undefined && MANAGEMENT_FLAG_TYPES.has(rec.eventType as string)) {
      fill(rec, splice, 'managementEvent', rec.eventCategory === 'Management');
    }
    if (rec.readOnly === undefined && !isInsight) {
      const ro = inferReadOnly(rec.eventName as string | undefined);
      if (ro !== undefined) fill(rec, splice, 'readOnly', ro);
    }

    const json = (source && splice && !splice.changed && splicedJson(rec, source, splice.added)) || stringify(rec);
    // Byte length without allocating a Buffer; JSON.stringify escapes lone surrogates.
    if (!fitsRecordLimit(json)) {
      const bytes = Buffer.byteLength(json, 'utf8');
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

/** Sets a default on a member the record lacks (a spliced JSON appends it). */
function fill(rec: Record<string, unknown>, splice: Splice | undefined, key: Defaulted, value: unknown): void {
  rec[key] = value;
  if (splice) splice.added |= DEFAULTED_BIT[key];
}

/**
 * Whether a JSON text is within MAX_RECORD_BYTES in UTF-8. A UTF-16 code unit takes at most 3
 * bytes, so most records are decided by their length, without scanning (which, for a spliced
 * text, also joins its pieces into one string before the log needs it).
 */
export function fitsRecordLimit(json: string): boolean {
  return json.length * 3 <= MAX_RECORD_BYTES || Buffer.byteLength(json, 'utf8') <= MAX_RECORD_BYTES;
}

function stringify(rec: Record<string, unknown>): string {
  try {
    return JSON.stringify(rec);
  } catch {
    // JSON.parse accepts nesting deeper than JSON.stringify can recurse.
    throw new RecordError('InvalidData', 'the event is nested too deeply to be stored');
  }
}

/**
 * Texts with more brackets than this are serialised whole: JSON.parse accepts nesting deeper than
 * JSON.stringify (and consumers that walk a record) can recurse into, and stringify is what
 * refuses it. Depth never exceeds the number of `{` and `[`; ~4,500 levels overflow the stack.
 */
const SPLICE_MAX_OPENERS = 1000;

/** Whether `text` holds fewer than `limit` `{` and `[` together (a bound on its nesting depth). */
function fewerOpenersThan(text: string, limit: number): boolean {
  let n = 0;
  // indexOf is native: ~0.5 µs for a 1.4 KB record, against ~7 µs for JSON.stringify.
  for (let i = text.indexOf('{'); i >= 0; i = text.indexOf('{', i + 1)) if (++n >= limit) return false;
  for (let i = text.indexOf('['); i >= 0; i = text.indexOf('[', i + 1)) if (++n >= limit) return false;
  return true;
}

/**
 * The source text with the added members before its closing brace, or undefined when the text
 * cannot be stored as it is: a newline would break the log's one-record-a-line segments, a lone
 * surrogate would become U+FFFD in UTF-8 (JSON.stringify escapes it instead), and deep nesting
 * must be refused (see SPLICE_MAX_OPENERS). Whitespace between tokens, number spellings and
 * escapes stay as the caller wrote them; they parse to the same record.
 */
function splicedJson(rec: Record<string, unknown>, source: RecordSource, defaulted: number): string | undefined {
  const { text } = source;
  const close = text.lastIndexOf('}');
  // JSON.parse made an object of it, so only whitespace can follow the closing brace.
  if (text.charCodeAt(0) !== 0x7b || close < 0 || text.indexOf('\n') >= 0 || text.indexOf('\r') >= 0) {
    return undefined;
  }
  if (!text.isWellFormed() || !fewerOpenersThan(text, SPLICE_MAX_OPENERS)) return undefined;
  let members = '';
  for (const key of source.added) members += `,${JSON.stringify(key)}:${JSON.stringify(rec[key])}`;
  for (let i = 0; i < DEFAULTED.length; i++) {
    if (defaulted & (1 << i)) members += `,"${DEFAULTED[i]!}":${JSON.stringify(rec[DEFAULTED[i]!])}`;
  }
  if (members === '') return close === text.length - 1 ? text : text.slice(0, close + 1);
  // An object with no members ("{}") takes the first added one without a comma.
  const body = text.slice(0, close).trimEnd();
  return (body === '{' ? '{' + members.slice(1) : body + members) + '}';
}
