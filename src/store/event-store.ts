import type { CloudTrailRecord } from '../event/types.js';

/** What an implementation can do, declared instead of "is this DuckDB?" checks (DESIGN §3). */
export interface StoreCapabilities {
  /** SQL over the fixed `events` schema. */
  sql: boolean;
  /** Retention pruning by eventTime. */
  retention: boolean;
}

/** The attributes LookupEvents filters on (spec §4.4), plus our own account and category filters. */
/** The attribute keys AWS accepts, in the order its documentation lists them. */
export const LOOKUP_ATTRIBUTE_KEYS = [
  'EventId',
  'EventName',
  'ReadOnly',
  'Username',
  'ResourceType',
  'ResourceName',
  'EventSource',
  'AccessKeyId',
] as const;

export type LookupAttributeKey = (typeof LOOKUP_ATTRIBUTE_KEYS)[number];

export interface LookupQuery {
  accountId: string;
  /** All must match (AND). AWS allows one; our own API allows several. */
  attributes: { key: LookupAttributeKey; value: string }[];
  startTimeMs?: number;
  endTimeMs?: number;
  /** `insight` returns only Insights events; otherwise Insights events are excluded (AWS semantics). */
  eventCategory?: 'insight';
  limit: number;
  /** Opaque position from a previous page. */
  cursor?: string;
}

export interface StoredEvent {
  seq: number;
  record: CloudTrailRecord;
  json: string;
}

export interface LookupPage {
  events: StoredEvent[];
  /** Present when more events match. Stays valid while new events arrive. */
  cursor?: string;
}

export interface StoreStats {
  events: number;
  /** Bytes the store's files take on disk. */
  bytesOnDisk: number;
}

export interface EventStore {
  readonly capabilities: StoreCapabilities;
  lookup(query: LookupQuery): Promise<LookupPage>;
  getEvent(accountId: string, eventId: string): Promise<StoredEvent | undefined>;
  countEvents(accountId?: string): Promise<number>;
  /** Deletes events whose eventTime is before the cut-off; returns how many. */
  pruneBefore(eventTimeMs: number): Promise<number>;
  stats(): Promise<StoreStats>;
}
