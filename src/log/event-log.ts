import type { NormalizedEvent } from '../event/types.js';

/** What happened to one event of an appended batch, in the batch's order. */
export type AppendOutcome =
  | { status: 'stored'; seq: number }
  /** The log already holds an event with this (recipientAccountId, eventID): stored once, not twice. */
  | { status: 'duplicate'; seq: number };

/** One event as the log hands it to consumers. */
export interface LoggedEvent {
  seq: number;
  receivedAtMs: number;
  accountId: string;
  eventId: string;
  /** The normalised record's JSON, exactly as stored. */
  json: string;
}

/**
 * One event with the lookup columns the log derived from it at append (`lookupAttributesOf`)
 * and its record as raw UTF-8 bytes: what a consumer needs that decides on those columns and
 * copies the record on without parsing it (trail delivery).
 */
export interface RawLoggedEvent {
  seq: number;
  receivedAtMs: number;
  accountId: string;
  eventTimeMs: number;
  /** The columns hold U+FFFD where the record holds a lone surrogate escape. */
  awsRegion: string | null;
  eventCategory: string | null;
  /** For an Insights record without its own, the one its insightDetails name. */
  eventSource: string | null;
  eventName: string | null;
  readOnly: boolean | null;
  /** The record's JSON, exactly the bytes stored (UTF-8). */
  record: Buffer;
}

export interface LogCounters {
  appended: number;
  duplicates: number;
  batches: number;
  commits: number;
}

/**
 * The source of truth (DESIGN §1). A batch is appended atomically; every stored event gets a
 * monotonically increasing sequence number; the promise resolves only once the batch is durable.
 * Idempotency lives here: a second copy of (recipientAccountId, eventID) is refused.
 */
export interface EventLog {
  append(events: readonly NormalizedEvent[], receivedAtMs: number): Promise<AppendOutcome[]>;
  /** Events with seq > afterSeq, oldest first. */
  read(afterSeq: number, limit: number): Promise<LoggedEvent[]>;
  /** Like `read`, with the lookup columns and the records as bytes. */
  readBatch(afterSeq: number, limit: number): Promise<RawLoggedEvent[]>;
  /** The highest sequence number committed so far (0 when empty). */
  headSeq(): Promise<number>;
  /** A consumer's persisted position (0 when it never committed one). */
  getCursor(consumer: string): Promise<number>;
  setCursor(consumer: string, seq: number): Promise<void>;
  counters(): LogCounters;
  /** Flushes pending appends, then releases the log. Idempotent. */
  close(): Promise<void>;
}
