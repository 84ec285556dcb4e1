import { hash as oneShotHash } from 'node:crypto';
import { lookupAttributesOf, usernameOf } from '../../../event/attributes.js';
import {
  LOOKUP_ATTRIBUTE_KEYS,
  type LookupAttributeKey,
  type LookupPage,
  type LookupQuery,
  type StoredEvent,
} from '../../../store/event-store.js';
import { InvalidCursorError } from '../../../store/duckdb/duckdb-event-store.js';
import { ApiError } from '../../errors.js';
import { optionalArray } from '../../params.js';
import type { Operation } from '../operation.js';

const ATTRIBUTE_KEYS: readonly LookupAttributeKey[] = LOOKUP_ATTRIBUTE_KEYS;
/** Insights events can be looked up by these only (spec §4.4). */
const INSIGHT_ATTRIBUTE_KEYS: readonly LookupAttributeKey[] = ['EventId', 'EventName', 'EventSource'];
const MAX_ATTRIBUTE_VALUE = 2000;
const DEFAULT_MAX_RESULTS = 50;
const MAX_RESULTS = 50;
/** Latest time a request may name (the end of year 9999, as for event times). */
const MAX_TIME_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

interface Attribute {
  key: LookupAttributeKey;
  value: string;
}

interface Params {
  attributes: Attribute[];
  startTimeMs?: number;
  endTimeMs?: number;
  eventCategory?: 'insight';
  maxResults: number;
}

function attributeError(message: string): ApiError {
  return new ApiError('InvalidLookupAttributesException', message);
}

function lookupAttributes(input: Record<string, unknown>, insight: boolean): Attribute[] {
  const list = optionalArray(input, 'LookupAttributes') ?? [];
  if (list.length > 1) {
    throw attributeError(
      `LookupAttributes can contain only one item; this request has ${list.length}. Look up by one attribute and filter the results.`,
    );
  }
  return list.map((item) => {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      throw new ApiError('SerializationException', 'Each LookupAttributes item must be an object.');
    }
    const { AttributeKey: key, AttributeValue: value } = item as Record<string, unknown>;
    if (key !== undefined && key !== null && typeof key !== 'string') {
      throw new ApiError('SerializationException', 'AttributeKey must be a string.');
    }
    if (value !== undefined && value !== null && typeof value !== 'string') {
      throw new ApiError('SerializationException', 'AttributeValue must be a string.');
    }
    if (typeof key !== 'string' || !(ATTRIBUTE_KEYS as readonly string[]).includes(key)) {
      throw attributeError(
        `${typeof key === 'string' ? `'${key.slice(0, 100)}' is not a valid AttributeKey` : 'AttributeKey is required'}; use one of ${ATTRIBUTE_KEYS.join(', ')}.`,
      );
    }
    if (typeof value !== 'string' || value.length < 1 || value.length > MAX_ATTRIBUTE_VALUE) {
      throw attributeError(`AttributeValue must be 1 to ${MAX_ATTRIBUTE_VALUE} characters long.`);
    }
    const k = key as LookupAttributeKey;
    if (insight && !INSIGHT_ATTRIBUTE_KEYS.includes(k)) {
      throw attributeError(
        `Insights events can be looked up by ${INSIGHT_ATTRIBUTE_KEYS.join(', ')} only, not by ${k}.`,
      );
    }
    return { key: k, value };
  });
}

/** A timestamp member: epoch seconds as a JSON number (fractions allowed), spec §4.1. */
function timestamp(input: Record<string, unknown>, field: string): number | undefined {
  const v = input[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new ApiError('SerializationException', `${field} must be a timestamp in epoch seconds.`);
  }
  const ms = v * 1000;
  if (ms < 0 || ms > MAX_TIME_MS) {
    throw new ApiError('InvalidTimeRangeException', `${field} is outside the range of possible values.`);
  }
  return ms;
}

function parseParams(input: Record<string, unknown>): Params {
  const category = input.EventCategory;
  if (category !== undefined && category !== null) {
    if (typeof category !== 'string') throw new ApiError('SerializationException', 'EventCategory must be a string.');
    if (category !== 'insight') {
      throw new ApiError(
        'InvalidEventCategoryException',
        `'${category.slice(0, 100)}' is not a valid EventCategory; the only valid value is insight.`,
      );
    }
  }
  const insight = category === 'insight';
  const attributes = lookupAttributes(input, insight);
  const start = timestamp(input, 'StartTime');
  const end = timestamp(input, 'EndTime');
  if (start !== undefined && end !== undefined && start > end) {
    throw new ApiError('InvalidTimeRangeException', 'The start time of the time range is after its end time.');
  }
  const max = input.MaxResults;
  let maxResults = DEFAULT_MAX_RESULTS;
  if (max !== undefined && max !== null) {
    if (typeof max !== 'number') throw new ApiError('SerializationException', 'MaxResults must be an integer.');
    if (!Number.isInteger(max) || max < 1 || max > MAX_RESULTS) {
      throw new ApiError(
        'InvalidMaxResultsException',
        `MaxResults must be an integer from 1 to ${MAX_RESULTS}; got ${String(max).slice(0, 30)}.`,
      );
    }
    maxResults = max;
  }
  return {
    attributes,
    maxResults,
    // Events carry whole seconds: rounding inwards keeps both ends inclusive and exact.
    ...(start !== undefined ? { startTimeMs: Math.ceil(start) } : {}),
    ...(end !== undefined ? { endTimeMs: Math.floor(end) } : {}),
    ...(insight ? { eventCategory: 'insight' as const } : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// NextToken: the store's cursor, bound to the query it continues. `p` is a hash of the query
// parameters (account, attributes, time range, category; not MaxResults, which callers such as
// the AWS CLI vary between pages), so a token reused with other parameters is refused; `m` is a
// checksum over both, so a token we did not issue is refused. The cursor is a position in the
// newest-first order, so the token stays valid while new events arrive.
// ---------------------------------------------------------------------------------------------

const TOKEN_VERSION = 1;

/** One-shot hashing: no Hash object per call, twice a lookup. */
function digest(text: string): string {
  return oneShotHash('sha256', text, 'base64url').slice(0, 22);
}

function paramsHash(accountId: string, p: Params): string {
  return digest(
    JSON.stringify([
      'LookupEvents',
      accountId,
      p.attributes.map((a) => [a.key, a.value]),
      p.startTimeMs ?? null,
      p.endTimeMs ?? null,
      p.eventCategory ?? null,
    ]),
  );
}

export function encodeNextToken(cursor: string, paramsDigest: string): string {
  const body = { v: TOKEN_VERSION, c: cursor, p: paramsDigest };
  return Buffer.from(JSON.stringify({ ...body, m: digest(JSON.stringify(body)) })).toString('base64url');
}

/** The store cursor in a token, or an InvalidNextTokenException. */
export function decodeNextToken(token: string, paramsDigest: string): string {
  const invalid = new ApiError(
    'InvalidNextTokenException',
    'The NextToken is not valid: it was not issued by this service for this account.',
  );
  if (token.length > 4096 || !/^[A-Za-z0-9_-]+$/.test(token)) throw invalid;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw invalid;
  }
  const t = parsed as { v?: unknown; c?: unknown; p?: unknown; m?: unknown };
  if (t === null || typeof t !== 'object' || t.v !== TOKEN_VERSION) throw invalid;
  if (typeof t.c !== 'string' || typeof t.p !== 'string' || typeof t.m !== 'string') throw invalid;
  if (digest(JSON.stringify({ v: t.v, c: t.c, p: t.p })) !== t.m) throw invalid;
  if (t.p !== paramsDigest) {
    throw new ApiError(
      'InvalidNextTokenException',
      'The NextToken was issued for a request with different parameters; pass the same LookupAttributes, StartTime, EndTime and EventCategory as the call that returned it.',
    );
  }
  return t.c;
}

// ---------------------------------------------------------------------------------------------
// Response shape
// ---------------------------------------------------------------------------------------------

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function toEvent(e: StoredEvent): Record<string, unknown> {
  const r = e.record;
  const out: Record<string, unknown> = {};
  const set = (name: string, v: unknown) => {
    if (v !== undefined && v !== null) out[name] = v;
  };
  set('EventId', str(r.eventID));
  const attrs = lookupAttributesOf(r);
  set('EventName', attrs.eventName);
  set('ReadOnly', typeof r.readOnly === 'boolean' ? String(r.readOnly) : str(r.readOnly));
  set('AccessKeyId', str(r.userIdentity?.accessKeyId));
  const ms = Date.parse(r.eventTime);
  set('EventTime', Number.isFinite(ms) ? ms / 1000 : undefined);
  set('EventSource', attrs.eventSource);
  set('Username', usernameOf(r) ?? undefined);
  out.Resources = (Array.isArray(r.resources) ? r.resources : []).map((res) => {
    const o: Record<string, string> = {};
    const type = str(res?.type);
    const arn = str(res?.ARN);
    if (type !== undefined) o.ResourceType = type;
    if (arn !== undefined) o.ResourceName = arn;
    return o;
  });
  out.CloudTrailEvent = e.json;
  return out;
}

// ---------------------------------------------------------------------------------------------
// Reads
// ---------------------------------------------------------------------------------------------

export const lookupEvents: Operation = {
  name: 'LookupEvents',
  readOnly: true,
  async handle(input, { ctx, caller }) {
    const p = parseParams(input);
    const hash = paramsHash(caller.accountId, p);
    const token = input.NextToken;
    if (token !== undefined && token !== null && typeof token !== 'string') {
      throw new ApiError('SerializationException', 'NextToken must be a string.');
    }
    const cursor = typeof token === 'string' && token !== '' ? decodeNextToken(token, hash) : undefined;
    const query: LookupQuery = {
      accountId: caller.accountId,
      attributes: p.attributes,
      limit: p.maxResults,
      ...(p.startTimeMs !== undefined ? { startTimeMs: p.startTimeMs } : {}),
      ...(p.endTimeMs !== undefined ? { endTimeMs: p.endTimeMs } : {}),
      ...(p.eventCategory ? { eventCategory: p.eventCategory } : {}),
      ...(cursor !== undefined ? { cursor } : {}),
    };
    let page: LookupPage;
    try {
      // Insights records name their API inside insightDetails; the store indexes it from there.
      page = await ctx.store.lookup(query);
    } catch (err) {
      if (err instanceof InvalidCursorError) {
        throw new ApiError('InvalidNextTokenException', 'The NextToken is not valid.');
      }
      throw err;
    }
    return {
      Events: page.events.map(toEvent),
      ...(page.cursor !== undefined ? { NextToken: encodeNextToken(page.cursor, hash) } : {}),
    };
  },
};
