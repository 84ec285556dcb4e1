/** Messages between SegmentReaders and its threads (segment-reader-worker.ts). */

/** Read these records: `locations` holds (segment, offset, length) triples, in order. */
export interface ReadRequest {
  id: number;
  locations: Float64Array;
}

/** The records' bytes one after another (their lengths are the request's), or why not. */
export type ReadReply = { id: number; bytes: ArrayBuffer } | { id: number; error: string };
