import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

/**
 * Each group of records the log appends to a segment opens with one frame line: `#` and a JSON
 * object saying which seqs follow, how many bytes they take, and the two things a row needs that
 * the record does not say — the account it was stored under and when it was received (as runs:
 * a group holds a few callers' batches). With it a segment alone rebuilds every row of `events`
 * (see segment-recovery.ts), which is what lets the log acknowledge an append once its segment
 * is synced. A record never starts with `#` (it is a JSON object), so a frame is never mistaken
 * for one; readers go by location and never see frames.
 */
export interface GroupFrame {
  /** The first record's seq; the others follow one by one. */
  seq: number;
  /** Records in the group. */
  n: number;
  /** Bytes of the records after the frame line, each record's newline included. */
  bytes: number;
  /** [records, receivedAt in epoch ms] runs, in record order. */
  recv: [number, number][];
  /** [records, account ID] runs, in record order. */
  acct: [number, string][];
}

export function encodeFrame(frame: GroupFrame): string {
  return '#' + JSON.stringify(frame) + '\n';
}

/** The frame a line holds, or undefined when it is not a well-formed frame. */
export function decodeFrame(line: string): GroupFrame | undefined {
  if (!line.startsWith('#')) return undefined;
  let f: unknown;
  try {
    f = JSON.parse(line.slice(1));
  } catch {
    return undefined;
  }
  if (typeof f !== 'object' || f === null) return undefined;
  const { seq, n, bytes, recv, acct } = f as Record<string, unknown>;
  const count = (v: unknown) => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
  const runsOf = (v: unknown, isValue: (x: unknown) => boolean) =>
    Array.isArray(v) &&
    v.every((r) => Array.isArray(r) && r.length === 2 && count(r[0]) && isValue(r[1])) &&
    v.reduce((s: number, r: [number, unknown]) => s + r[0], 0) === n;
  if (!count(seq) || !count(n) || !count(bytes)) return undefined;
  if (!runsOf(recv, (x) => typeof x === 'number') || !runsOf(acct, (x) => typeof x === 'string')) return undefined;
  return f as GroupFrame;
}

/** Run-length encoding of a list, in order. */
export function runsOf<T>(values: readonly T[]): [number, T][] {
  const out: [number, T][] = [];
  for (const v of values) {
    const last = out[out.length - 1];
    if (last && last[1] === v) last[0]++;
    else out.push([1, v]);
  }
  return out;
}

/** The inverse of runsOf. */
export function expandRuns<T>(runs: readonly [number, T][]): T[] {
  const out: T[] = [];
  for (const [n, v] of runs) for (let i = 0; i < n; i++) out.push(v);
  return out;
}

/** A group read back from a segment. */
export interface ScannedGroup {
  frame: GroupFrame;
  segment: number;
  /** Where the group's first record starts. */
  offset: number;
  /** The records' bytes, each followed by its newline. */
  body: Buffer;
  /** Where the next group would start. */
  end: number;
}

/** How far the well-formed groups of one segment reach, and whether bytes follow them. */
export interface SegmentScan {
  groups: ScannedGroup[];
  /** The end of the last whole group (or the start offset). */
  validEnd: number;
  size: number;
}

/**
 * The whole groups of a segment from `offset`, stopping at the first that is not: torn by a
 * crash in the middle of an append, or bytes of the old format (records without frames, all of
 * which have their rows already). `firstSeq` is the seq the first group must start with; a
 * group out of sequence ends the scan too.
 */
export function scanSegment(path: string, segment: number, offset: number, firstSeq: number): SegmentScan {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const groups: ScannedGroup[] = [];
    let at = offset;
    let seq = firstSeq;
    for (;;) {
      const line = readLine(fd, at, size);
      if (line === undefined) break;
      const frame = decodeFrame(line.text);
      if (!frame || frame.seq !== seq || line.end + frame.bytes > size) break;
      const body = Buffer.allocUnsafe(frame.bytes);
      readFully(fd, body, line.end);
      groups.push({ frame, segment, offset: line.end, body, end: line.end + frame.bytes });
      at = line.end + frame.bytes;
      seq += frame.n;
    }
    return { groups, validEnd: at, size };
  } finally {
    closeSync(fd);
  }
}

/** The line at `at` (without its newline) and where the next byte after it is. */
function readLine(fd: number, at: number, size: number): { text: string; end: number } | undefined {
  let chunk = 64 * 1024;
  for (;;) {
    const length = Math.min(chunk, size - at);
    if (length <= 0) return undefined;
    const buf = Buffer.allocUnsafe(length);
    readFully(fd, buf, at);
    if (buf[0] !== 0x23 /* # */) return undefined;
    const nl = buf.indexOf(0x0a);
    if (nl >= 0) return { text: buf.toString('utf8', 0, nl), end: at + nl + 1 };
    if (at + length >= size) return undefined;
    chunk *= 4;
  }
}

function readFully(fd: number, buf: Buffer, position: number): void {
  let got = 0;
  while (got < buf.length) {
    const n = readSync(fd, buf, got, buf.length - got, position + got);
    if (n === 0) throw new Error(`unexpected end of segment at ${position + got}`);
    got += n;
  }
}
