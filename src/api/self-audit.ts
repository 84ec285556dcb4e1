import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { normalizeRecord } from '../event/normalize.js';
import { formatEventTime } from '../event/time.js';
import type { NormalizedEvent } from '../event/types.js';
import type { Ingestor } from '../ingest/ingestor.js';

/**
 * Self-audit (DESIGN §1): OpenTrail records its own API calls as CloudTrail events in the
 * caller's account, exactly as CloudTrail records calls to its own API — `eventSource`
 * `cloudtrail.amazonaws.com`, the caller's identity, source IP and user agent, the request
 * parameters in CloudTrail's lower-camel spelling, `errorCode`/`errorMessage` on failures.
 * They are ordinary events: looked up, delivered by trails and alarmed on like any other.
 */

/** Who made an audited call. `userName` is absent when only the access key is known. */
export interface AuditIdentity {
  accountId: string;
  accessKeyId: string;
  userName?: string;
}

export interface AuditedCall {
  eventSource:
    | 'cloudtrail.amazonaws.com'
    | 'cloudtrail-data.amazonaws.com'
    | 'events.amazonaws.com'
    | 'logs.amazonaws.com'
    | 'monitoring.amazonaws.com'
    | 'organizations.amazonaws.com';
  eventName: string;
  readOnly: boolean;
  identity: AuditIdentity;
  sourceIp: string;
  userAgent: string;
  requestId: string;
  region: string;
  timeMs: number;
  /** The request as the client sent it (AWS member names); secrets are removed here. */
  request?: Record<string, unknown> | undefined;
  /** The response of a successful mutating call; read-only calls record none, as CloudTrail does. */
  response?: Record<string, unknown> | undefined;
  errorCode?: string;
  errorMessage?: string;
}

/** Members whose values never go into an audit record (credentials, keys, passwords). */
const SECRET_MEMBER = /secret|password|apikeyvalue|clientsecret|privatekey|token$|authorization/i;
/** Members that are pagination state, not parameters: CloudTrail leaves them out too. */
const OMITTED_MEMBERS = new Set(['NextToken']);
/** CloudTrail truncates large request parameters; a bounded record keeps the audit cheap. */
const MAX_PARAMETERS_BYTES = 100 * 1024;

/** `LookupAttributes` → `lookupAttributes`, recursively, as CloudTrail spells API members. */
export function lowerCamelMembers(value: unknown, depth = 0): unknown {
  if (depth > 32) return '…';
  if (Array.isArray(value)) return value.map((v) => lowerCamelMembers(v, depth + 1));
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (OMITTED_MEMBERS.has(k)) continue;
    const name = k.length > 0 ? k[0]!.toLowerCase() + k.slice(1) : k;
    out[name] = SECRET_MEMBER.test(k) ? 'HIDDEN_DUE_TO_SECURITY_REASONS' : lowerCamelMembers(v, depth + 1);
  }
  return out;
}

function boundedParameters(value: Record<string, unknown> | undefined): Record<string, unknown> | null {
  if (value === undefined) return null;
  const converted = lowerCamelMembers(value) as Record<string, unknown>;
  const size = Buffer.byteLength(JSON.stringify(converted), 'utf8');
  return size > MAX_PARAMETERS_BYTES ? { omitted: `the parameters are ${size} bytes; too large to record` } : converted;
}

/** The CloudTrail record of one call. Pure, so its shape is tested without a server. */
export function auditRecord(call: AuditedCall): Record<string, unknown> {
  const { identity } = call;
  const userIdentity: Record<string, unknown> = {
    type: 'IAMUser',
    ...(identity.userName !== undefined
      ? {
          principalId: principalIdOf(identity.accountId, identity.userName),
          arn: `arn:aws:iam::${identity.accountId}:user/${identity.userName}`,
        }
      : {}),
    accountId: identity.accountId,
    accessKeyId: identity.accessKeyId,
    ...(identity.userName !== undefined ? { userName: identity.userName } : {}),
  };
  return {
    eventVersion: '1.11',
    userIdentity,
    eventTime: eventTimeOf(call.timeMs),
    eventSource: call.eventSource,
    eventName: call.eventName,
    awsRegion: call.region,
    sourceIPAddress: call.sourceIp,
    userAgent: call.userAgent,
    ...(call.errorCode !== undefined ? { errorCode: call.errorCode, errorMessage: call.errorMessage ?? '' } : {}),
    requestParameters: boundedParameters(call.request),
    responseElements: call.readOnly || call.errorCode !== undefined ? null : boundedParameters(call.response),
    requestID: call.requestId,
    eventID: randomUUID(),
    readOnly: call.readOnly,
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: identity.accountId,
    eventCategory: 'Management',
  };
}

/** The last second formatted: calls arrive hundreds a second, and most share the one before. */
let formatted = { second: Number.NaN, text: '' };

function eventTimeOf(ms: number): string {
  const second = Math.floor(ms / 1000);
  if (second !== formatted.second) formatted = { second, text: formatEventTime(ms) };
  return formatted.text;
}

/** Principal ids already derived, by account and user; bounded, since names come from key files. */
const principalIds = new Map<string, string>();
const MAX_PRINCIPAL_IDS = 10_000;

/**
 * A stable IAM-style unique id (`AIDA…`, 21 characters) for a user name, so that every call of
 * one principal carries the same principalId, as IAM's do.
 */
function principalIdOf(accountId: string, userName: string): string {
  const key = `${accountId}/${userName}`;
  let id = principalIds.get(key);
  if (id === undefined) {
    if (principalIds.size >= MAX_PRINCIPAL_IDS) principalIds.clear();
    id = derivePrincipalId(key);
    principalIds.set(key, id);
  }
  return id;
}

function derivePrincipalId(key: string): string {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193;
  for (const ch of key) {
    const c = ch.codePointAt(0)!;
    h1 = Math.imul(h1 ^ c, 0x01000193) >>> 0;
    h2 = Math.imul(h2 ^ c, 0x5bd1e995) >>> 0;
  }
  const digits = (h1.toString(36) + h2.toString(36)).toUpperCase().padEnd(17, 'Z').slice(0, 17);
  return `AIDA${digits}`;
}

export interface SelfAuditCounters {
  recorded: number;
  failed: number;
}

/**
 * How long the records of read-only calls gather before they are appended together. Nobody
 * waits for them (a read answers before its record is durable, as before), and one append per
 * call cost more than the call: on LookupEvents over 10M events, appending each lookup's record
 * alone took ~0.7 ms of server CPU a lookup (a group commit, a segment sync and a wake-up of
 * every consumer each), against ~1.4 ms for the lookup itself (.scratch/lookup-run.ts).
 */
const READ_BATCH_MS = 20;
/** A batch is appended at once when it holds this many records. */
const MAX_BATCH = 500;

interface PendingRecord {
  event: NormalizedEvent;
  resolve: () => void;
}

/**
 * Writes audit records through the ingest path, so they are durable, idempotent and seen by
 * every consumer. A failure to record is logged and counted, never turned into a failure of
 * the call that was audited (which has already happened). Records of read-only calls are
 * appended in small batches (READ_BATCH_MS); a mutating call's record is appended at once,
 * with whatever gathered before it, and its call answers once it is durable.
 */
export class SelfAudit {
  private readonly stats: SelfAuditCounters = { recorded: 0, failed: 0 };
  private pending: PendingRecord[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly ingestor: Ingestor,
    private readonly logger: Logger,
  ) {}

  /** Resolves once the record is durable (or has failed, which is logged and counted). */
  record(call: AuditedCall): Promise<void> {
    const r = normalizeRecord(auditRecord(call), {
      accountId: call.identity.accountId,
      region: call.region,
      receivedAtMs: call.timeMs,
      profile: 'api',
      enforceRecipient: true,
    });
    if (!r.ok) {
      this.stats.failed++;
      this.logger.error({ eventName: call.eventName, error: r.error }, 'self-audit: record refused');
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      this.pending.push({ event: r.event, resolve });
      if (!call.readOnly || this.pending.length >= MAX_BATCH) this.flush();
      else this.timer ??= setTimeout(() => this.flush(), READ_BATCH_MS);
    });
  }

  /** Appends what has gathered and waits for every append in flight: before the log closes. */
  async close(): Promise<void> {
    this.flush();
    await Promise.all(this.inFlight);
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.pending;
    if (batch.length === 0) return;
    this.pending = [];
    const append = this.ingestor
      .appendNormalized(
        batch.map((p) => p.event),
        Date.now(),
      )
      .then(
        () => {
          this.stats.recorded += batch.length;
        },
        (err: unknown) => {
          this.stats.failed += batch.length;
          this.logger.error({ err, events: batch.length }, 'self-audit: records not written');
        },
      );
    const done = append.finally(() => {
      this.inFlight.delete(done);
      for (const p of batch) p.resolve();
    });
    this.inFlight.add(done);
  }

  counters(): SelfAuditCounters {
    return { ...this.stats };
  }
}
