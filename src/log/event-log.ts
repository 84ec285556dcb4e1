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
  /** The highest sequence number committed so far (0 when empty). */
  headSeq(): Promise<number>;
  /** A consumer's persisted position (0 when it never committed one). */
  getCursor(consumer: string): Promise<number>;
  setCursor(consumer: string, seq: number): Promise<void>;
  counters(): LogCounters;
  /** Flushes pending appends, then releases the log. Idempotent. */
  close(): Promise<void>;
}
