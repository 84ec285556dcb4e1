import {
  closeSync,
  existsSync,
  fdatasync,
  fstatSync,
  ftruncate,
  mkdirSync,
  openSync,
  readdirSync,
  read as readFd,
  write,
} from 'node:fs';
import { join } from 'node:path';
import { encodeFrame, runsOf } from './segment-frames.js';

/** A point in the segments: segment number and byte offset. */
export interface SegmentPosition {
  segment: number;
  offset: number;
}

/** Where one record's bytes are: segment number, byte offset, byte length. */
export interface RecordLocation {
  segment: number;
  offset: number;
  length: number;
}

/** A segment is closed and the next one started past this size. */
const SEGMENT_BYTES = 1024 ** 3;
const SEGMENT_NAME = /^(\d{8})\.records$/;

/**
 * The records of the embedded log as append-only segment files beside the database
 * (`<data-dir>/records/00000001.records`): groups of records, each group opened by a frame line
 * (segment-frames.ts) and each record's JSON followed by a newline. They are the log's durable
 * copy — an append is acknowledged once its group is synced here, and the rows of `events`
 * follow (segment-recovery.ts rebuilds any a crash kept from committing) — and what lookups read:
 * a page's 50 records with 50 small reads from the page cache instead of a DuckDB query that
 * decompresses whole vectors of records (measured: ~0.3 ms against 15–40 ms of CPU on ten
 * million events). They are the only copy of records appended since: DuckDB's rows hold each
 * record's location, and `record` only for rows written before segments existed ('' since).
 */
export class RecordSegments {
  private current: { number: number; fd: number; size: number };
  /** Read-only descriptors of the closed segments, by segment number. */
  private readonly openReaders = new Map<number, number>();
  private closed = false;
  private broken: Error | undefined;

  private constructor(
    private readonly dir: string,
    current: { number: number; fd: number; size: number },
  ) {
    this.current = current;
  }

  static open(dataDir: string): RecordSegments {
    const dir = join(dataDir, 'records');
    if (!existsSync(dir)) mkdirSync(dir, { recursive: true, mode: 0o700 });
    const numbers = segmentNumbers(dir);
    const number = numbers.length > 0 ? Math.max(...numbers) : 1;
    const fd = openSync(join(dir, segmentName(number)), 'a+', 0o600);
    return new RecordSegments(dir, { number, fd, size: fstatSync(fd).size });
  }

  /**
   * Appends one group of records, opened by its frame (segment-frames.ts), and syncs it to
   * disk; returns where each record is and where the group ends. The write and the sync run on
   * libuv's thread pool, so the event loop keeps serving meanwhile. One append at a time (the
   * log's group commit calls it from its single writer). A failed append is cut off again, so
   * that no torn group sits in front of the next one; if even that fails, the segments refuse
   * every further append (what reached the disk is then unknown).
   */
  async append(
    records: readonly string[],
    frame: { firstSeq: number; accounts: readonly string[]; receivedAtMs: readonly number[] },
  ): Promise<{ locations: RecordLocation[]; end: SegmentPosition }> {
    if (this.closed) throw new Error('the record segments are closed');
    if (this.broken) throw this.broken;
    if (records.length === 0)
      return { locations: [], end: { segment: this.current.number, offset: this.current.size } };
    if (this.current.size >= SEGMENT_BYTES) this.roll();
    const buffers = records.map((r) => Buffer.from(r + '\n', 'utf8'));
    const bytes = buffers.reduce((n, b) => n + b.length, 0);
    const head = Buffer.from(
      encodeFrame({
        seq: frame.firstSeq,
        n: records.length,
        bytes,
        recv: runsOf(frame.receivedAtMs),
        acct: runsOf(frame.accounts),
      }),
      'utf8',
    );
    const body = Buffer.concat([head, ...buffers]);
    const fd = this.current.fd;
    const start = this.current.size;
    try {
      let written = 0;
      while (written < body.length) {
        written += await new Promise<number>((resolve, reject) =>
          write(fd, body, written, body.length - written, null, (err, n) => (err ? reject(err) : resolve(n))),
        );
      }
      await new Promise<void>((resolve, reject) => fdatasync(fd, (err) => (err ? reject(err) : resolve())));
    } catch (err) {
      await new Promise<void>((resolve) =>
        ftruncate(fd, start, (cut) => {
          if (cut) this.broken = new Error(`record segment ${this.current.number} is unusable: ${cut.message}`);
          resolve();
        }),
      );
      throw err;
    }
    const locations: RecordLocation[] = [];
    let offset = start + head.length;
    for (const b of buffers) {
      locations.push({ segment: this.current.number, offset, length: b.length - 1 });
      offset += b.length;
    }
    this.current.size = offset;
    return { locations, end: { segment: this.current.number, offset } };
  }

  /** The segment numbers on disk, oldest first. */
  numbers(): number[] {
    return segmentNumbers(this.dir);
  }

  pathOf(segment: number): string {
    return join(this.dir, segmentName(segment));
  }

  /** The end of what has been appended. */
  position(): SegmentPosition {
    return { segment: this.current.number, offset: this.current.size };
  }

  /**
   * The records at these locations, in the order given. Records of one segment that lie close
   * together are read in one call (one span from the first to the last, the bytes between them
   * read and dropped): a page of a frequent value (an event name, ReadOnly, a service) holds
   * records a few hundred bytes to a few KB apart, and one read of their span costs less than a
   * read each — each read is a thread-pool request and a callback on the event loop. The reads
   * run side by side on libuv's thread pool: a page whose records are not in the page cache
   * waits for the disk once, not fifty times in a row, and the event loop keeps serving meanwhile.
   */
  async read(locations: readonly RecordLocation[]): Promise<string[]> {
    const out = new Array<string>(locations.length);
    await Promise.all(
      spansOf(locations).map(async (span) => {
        const bytes = await this.readSpan(span.segment, span.offset, span.length);
        for (const i of span.members) {
          const loc = locations[i]!;
          out[i] = bytes.toString('utf8', loc.offset - span.offset, loc.offset - span.offset + loc.length);
        }
      }),
    );
    return out;
  }

  /**
   * The records of rows of `events` given as their `[record, rec_segment, rec_offset, rec_length]`
   * cells: from the segments at the row's location, or the `record` column for rows written
   * before segments existed (the only rows that have it).
   */
  async readRows(cells: readonly (readonly unknown[])[]): Promise<string[]> {
    const out = new Array<string>(cells.length);
    const located: RecordLocation[] = [];
    const at: number[] = [];
    cells.forEach(([record, segment, offset, length], i) => {
      if (segment === null || segment === undefined) {
        out[i] = record as string;
      } else {
        located.push({ segment: Number(segment), offset: Number(offset), length: Number(length) });
        at.push(i);
      }
    });
    const records = located.length > 0 ? await this.read(located) : [];
    records.forEach((json, k) => (out[at[k]!] = json));
    return out;
  }

  /**
   * `length` bytes of a segment from `offset`: a run of records appended one after another
   * (each followed by its newline), read in one call instead of one per record. Consumers that
   * read the log in seq order (trail delivery) get whole batches this way.
   */
  readSpan(segment: number, offset: number, length: number): Promise<Buffer> {
    const buf = Buffer.allocUnsafe(length);
    const fd = this.reader(segment);
    return new Promise((resolve, reject) => {
      const step = (got: number) => {
        if (got === length) return resolve(buf);
        readFd(fd, buf, got, length - got, offset + got, (err, n) => {
          if (err) return reject(err);
          if (n === 0) return reject(new Error(`record segment ${segment} ends before offset ${offset + length}`));
          step(got + n);
        });
      };
      step(0);
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.current.fd);
    for (const fd of this.openReaders.values()) closeSync(fd);
    this.openReaders.clear();
  }

  private reader(segment: number): number {
    if (segment === this.current.number) return this.current.fd;
    let fd = this.openReaders.get(segment);
    if (fd === undefined) {
      fd = openSync(join(this.dir, segmentName(segment)), 'r');
      this.openReaders.set(segment, fd);
    }
    return fd;
  }

  /** Starts the next segment; appends go there from now on. */
  roll(): void {
    const number = this.current.number + 1;
    const old = this.current;
    const fd = openSync(join(this.dir, segmentName(number)), 'a+', 0o600);
    this.current = { number, fd, size: 0 };
    this.openReaders.set(old.number, old.fd);
  }
}

/** Bytes between two records of one segment below which they are read as one span. */
const MAX_SPAN_GAP = 16 * 1024;
/** The longest span read in one call. */
const MAX_SPAN_BYTES = 1024 * 1024;

interface Span extends RecordLocation {
  /** Indexes of the locations the span covers. */
  members: number[];
}

/** Locations grouped into spans to read: by segment and offset, neighbours merged (MAX_SPAN_GAP). */
export function spansOf(locations: readonly RecordLocation[]): Span[] {
  const order = locations.map((_, i) => i);
  order.sort((a, b) => locations[a]!.segment - locations[b]!.segment || locations[a]!.offset - locations[b]!.offset);
  const spans: Span[] = [];
  let span: Span | undefined;
  for (const i of order) {
    const loc = locations[i]!;
    const end = loc.offset + loc.length;
    if (
      span &&
      span.segment === loc.segment &&
      loc.offset - (span.offset + span.length) <= MAX_SPAN_GAP &&
      end - span.offset <= MAX_SPAN_BYTES
    ) {
      span.length = Math.max(span.length, end - span.offset);
      span.members.push(i);
    } else {
      span = { segment: loc.segment, offset: loc.offset, length: loc.length, members: [i] };
      spans.push(span);
    }
  }
  return spans;
}

function segmentNumbers(dir: string): number[] {
  return readdirSync(dir)
    .map((n) => SEGMENT_NAME.exec(n)?.[1])
    .filter((n): n is string => n !== undefined)
    .map(Number)
    .sort((a, b) => a - b);
}

function segmentName(n: number): string {
  return `${String(n).padStart(8, '0')}.records`;
}
