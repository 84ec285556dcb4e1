import { join } from 'node:path';
import type { EventSummary } from '../../event/summary.js';
import type { LookupQuery } from '../event-store.js';

/** What the main thread asks a page-check thread (page-check-worker.ts). */
export interface CheckRequest {
  id: number;
  /**
   * The store asking (one number per store object): the thread keeps its files open per owner
   * and closes them when the owner is released, so a data directory removed and made again at
   * the same path is never read through a stale descriptor.
   */
  owner: number;
  /** The log's segment directory (`<data-dir>/records`). */
  dir: string;
  /** [segment, offset, length] of each candidate, newest first. */
  specs: Float64Array;
  query: LookupQuery;
  /** The last retention cut-off (eventTime, ms), or null. */
  prunedBefore: number | null;
  /** Stop after this many records that answer the query. */
  limit: number;
}

/** Tells a page-check thread that an owner is closed: its files are closed too. */
export interface ReleaseRequest {
  release: number;
}

export interface CheckedRecord {
  /** Position of the candidate in the request. */
  index: number;
  timeMs: number;
  json: string;
  summary: EventSummary;
  /** Where `json` as a JSON string literal lies in the reply's `quoted` bytes. */
  quotedStart: number;
  quotedEnd: number;
}

/**
 * `quoted`: every hit's JSON text as a JSON string literal (what LookupEvents embeds as
 * CloudTrailEvent), UTF-8, one after another, transferred rather than copied.
 */
export type CheckReply = { id: number; hits: CheckedRecord[]; quoted: ArrayBuffer } | { id: number; error: string };

/** A checked record as the store receives it: `quoted` is its own slice of the reply's bytes. */
export interface CheckedPageRecord {
  index: number;
  timeMs: number;
  json: string;
  summary: EventSummary;
  quoted: Buffer;
}

/**
 * A segment file of the embedded log, named as src/log/duckdb/record-segments.ts names them
 * (`00000001.records`); the store's tests read through a real log, so a rename breaks them.
 */
export function segmentPath(dir: string, segment: number): string {
  return join(dir, `${String(segment).padStart(8, '0')}.records`);
}
