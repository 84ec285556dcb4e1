import { createHash, hash } from 'node:crypto';
import type { EventError, NormalizedEvent } from '../event/types.js';
import { MAX_RECORD_BYTES, fitsRecordLimit, normalizeRecord, type NormalizeContext } from '../event/normalize.js';
import type { Channel } from './channels.js';

/** One entry of a PutAuditEvents call (spec §4.6). */
export interface AuditEventEntry {
  id: string;
  eventData: string;
  eventDataChecksum?: string;
}

export type MappedAuditEvent =
  { ok: true; id: string; event: NormalizedEvent } | ({ ok: false; id: string } & EventError);

/** Members of `eventData` that the CloudTrail Lake integration schema requires. */
const REQUIRED_MEMBERS = ['version', 'eventSource', 'eventName', 'eventTime', 'UID'] as const;

/** The members CloudTrail sets around eventData here (spec §4.6), in the order they are set. */
const ADDED_MEMBERS = ['eventCategory', 'eventType', 'eventID', 'awsRegion', 'recipientAccountId', 'metadata'] as const;

/**
 * The eventID CloudTrail assigns, made deterministic: the same UID sent twice on one channel
 * (a client retrying after a timeout) is the same event, so the log stores it once.
 * Laid out as an RFC 4122 version-5 UUID.
 */
export function auditEventId(channel: Channel, uid: string): string {
  // One-shot crypto.hash to hex: no Hash object or Buffer per event, on ingest's hot path.
  const x = hash('sha1', `${channel.accountId}\n${channel.channelArn}\n${uid}`, 'hex');
  // Version 5 in the high nibble of byte 6; the variant bits 10 in the top of byte 8.
  const variant = VARIANT_NIBBLE[x.charCodeAt(16)]!;
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-5${x.slice(13, 16)}-${variant}${x.slice(17, 20)}-${x.slice(20, 32)}`;
}

/** By char code of a hex digit d: the hex digit of (d & 0x3) | 0x8. */
const VARIANT_NIBBLE: string[] = [];
for (const d of '0123456789abcdef') VARIANT_NIBBLE[d.charCodeAt(0)] = ((parseInt(d, 16) & 0x3) | 0x8).toString(16);

function namesNone(d: Record<string, unknown>, members: readonly string[]): boolean {
  for (const m of members) if (d[m] !== undefined) return false;
  return true;
}

function fail(id: string, errorCode: EventError['errorCode'], errorMessage: string): MappedAuditEvent {
  return { ok: false, id, errorCode, errorMessage };
}

function checksumMatches(eventData: string, checksum: string): boolean {
  const digest = createHash('sha256').update(eventData, 'utf8').digest();
  // The API documents base64; hex is what many hand-written clients send, so both are accepted.
  return checksum === digest.toString('base64') || checksum.toLowerCase() === digest.toString('hex');
}

/**
 * Turns PutAuditEvents entries into ordinary CloudTrail records: the caller's `eventData`
 * members at the top level (UID kept), plus the fields CloudTrail adds. One shape for every
 * event means lookups, trails, patterns and queries need no special case for custom events.
 */
export function mapAuditEvents(
  entries: readonly AuditEventEntry[],
  channel: Channel,
  receivedAtMs: number,
): MappedAuditEvent[] {
  const ingestionTime = new Date(receivedAtMs).toISOString().slice(0, 19) + 'Z';
  const ctx: NormalizeContext = {
    accountId: channel.accountId,
    region: channel.region,
    receivedAtMs,
    profile: 'api',
    enforceRecipient: true,
  };
  return entries.map((entry): MappedAuditEvent => {
    const { id, eventData, eventDataChecksum } = entry;
    if (!fitsRecordLimit(eventData)) {
      return fail(id, 'FieldTooLong', `eventData is longer than ${MAX_RECORD_BYTES} bytes (256 KB)`);
    }
    if (eventDataChecksum !== undefined && !checksumMatches(eventData, eventDataChecksum)) {
      return fail(id, 'InvalidChecksum', 'eventDataChecksum is not the base64 SHA-256 of eventData');
    }
    let data: unknown;
    try {
      data = JSON.parse(eventData);
    } catch (err) {
      return fail(id, 'InvalidData', `eventData is not valid JSON: ${(err as Error).message}`);
    }
    if (typeof data !== 'object' || data === null || Array.isArray(data)) {
      return fail(id, 'InvalidData', 'eventData must be a JSON object');
    }
    const d = data as Record<string, unknown>;
    for (const member of REQUIRED_MEMBERS) {
      if (d[member] === undefined || d[member] === null || d[member] === '') {
        return fail(id, 'FieldNotFound', `eventData.${member} is required`);
      }
    }
    const ui = d.userIdentity as Record<string, unknown> | undefined;
    if (typeof ui !== 'object' || ui === null || Array.isArray(ui)) {
      return fail(id, 'FieldNotFound', 'eventData.userIdentity is required (an object with type and principalId)');
    }
    for (const member of ['type', 'principalId'] as const) {
      if (typeof ui[member] !== 'string' || ui[member] === '') {
        return fail(id, 'FieldNotFound', `eventData.userIdentity.${member} is required`);
      }
    }
    if (typeof d.UID !== 'string') return fail(id, 'InvalidData', 'eventData.UID must be a string');
    if (d.recipientAccountId !== undefined && d.recipientAccountId !== channel.accountId) {
      return fail(
        id,
        'InvalidRecipient',
        `eventData.recipientAccountId ${String(d.recipientAccountId)} is not the account that owns the channel (${channel.accountId})`,
      );
    }
    // eventData naming none of the added members is stored as its own text plus theirs (see
    // RecordSource); otherwise the added members win over the same-named ones, and the record is
    // serialised again.
    const untouched = namesNone(d, ADDED_MEMBERS);
    // The fields CloudTrail adds around eventData (spec §4.6); they win over same-named members.
    // eventVersion is filled by normalisation.
    d.eventCategory = 'ActivityAuditLog';
    d.eventType = 'ActivityLog';
    d.eventID = auditEventId(channel, d.UID);
    d.awsRegion = channel.region;
    d.recipientAccountId = channel.accountId;
    d.metadata = { ingestionTime, channelARN: channel.channelArn };
    const r = normalizeRecord(d, ctx, untouched ? { text: eventData, added: ADDED_MEMBERS } : undefined);
    return r.ok ? { ok: true, id, event: r.event } : fail(id, r.error.errorCode, r.error.errorMessage);
  });
}
