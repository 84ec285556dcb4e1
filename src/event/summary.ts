import { lookupAttributesOf } from './attributes.js';
import type { CloudTrailRecord } from './types.js';

/**
 * What event history shows of a record besides the record itself: the columns of a
 * LookupEvents answer (Events[].EventId, EventName, ReadOnly, …, Resources). Absent members are
 * left out, as AWS leaves them out. Small enough to pass between threads cheaply, so a store
 * that checks records in a worker thread hands this over instead of the parsed record.
 */
export interface EventSummary {
  eventId?: string;
  eventName?: string;
  /** As the record has it: `"true"`/`"false"` for a boolean, a string as given. */
  readOnly?: string;
  accessKeyId?: string;
  eventTimeMs?: number;
  eventSource?: string;
  username?: string;
  resources: { type?: string; arn?: string }[];
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

export function summaryOf(r: CloudTrailRecord): EventSummary {
  const attrs = lookupAttributesOf(r);
  const out: EventSummary = {
    resources: (Array.isArray(r.resources) ? r.resources : []).map((res) => {
      const o: { type?: string; arn?: string } = {};
      const type = str(res?.type);
      const arn = str(res?.ARN);
      if (type !== undefined) o.type = type;
      if (arn !== undefined) o.arn = arn;
      return o;
    }),
  };
  const eventId = str(r.eventID);
  if (eventId !== undefined) out.eventId = eventId;
  if (attrs.eventName !== null) out.eventName = attrs.eventName;
  const readOnly: unknown = r.readOnly;
  const ro = typeof readOnly === 'boolean' ? String(readOnly) : str(readOnly);
  if (ro !== undefined) out.readOnly = ro;
  const accessKeyId = str(r.userIdentity?.accessKeyId);
  if (accessKeyId !== undefined) out.accessKeyId = accessKeyId;
  const ms = Date.parse(r.eventTime);
  if (Number.isFinite(ms)) out.eventTimeMs = ms;
  if (attrs.eventSource !== null) out.eventSource = attrs.eventSource;
  if (attrs.username !== null) out.username = attrs.username;
  return out;
}
