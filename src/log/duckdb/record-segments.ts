import {
  closeSync,
  existsSync,
  fdatasync,
  fstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  read as readFd,
  write,
} from 'node:fs';
import { join } from 'node:path';

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
 * The records of the embedded log, also kept as append-only segment files beside the database
 * (`<data-dir>/records/00000001.records`, each record's JSON followed by a newline), so that a
 * lookup reads a page's 50 records with 50 small reads from the page cache instead of a DuckDB
 * query that decompresses whole vectors of records (measured: ~0.3 ms against 15–40 ms of CPU on
 * ten million events). DuckDB keeps the record too, for SQL, and the location of each.
 *
 * Bytes are written and synced before the DuckDB transaction that refers to them commits; a
 * crash in between leaves bytes nothing refers to, which are skipped, never read.
 */
export class RecordSegments {
  private current: { number: number; fd: number; size: number };
  private readonly readers = new Map<number, number>();
  private closed = false;

  private constructor(
    private readonly dir: string,
    current: { number: number; fd: number; size: number },
  ) {
    this.current = current;
  }

  static open(dataDir: string): RecordSegments {
    const dir = join(dataDir, 'records');
    if (!existsSync(dir)) mkdirSync(dir, { recursive: true, mode: 0o700 });
    const numbers = readdirSync(dir)
      .map((n) => SEGMENT_NAME.exec(n)?.[1])
      .filter((n): n is string => n !== undefined)
      .map(Number);
    const number = numbers.length > 0 ? Math.max(...numbers) : 1;
    const fd = openSync(join(dir, segmentName(number)), 'a+', 0o600);
    return new RecordSegments(dir, { number, fd, size: fstatSync(fd).size });
  }

  /**
   * Appends records and syncs them to disk; returns where each one is. The write and the sync
   * run on libuv's thread pool, so the event loop keeps serving meanwhile. One append at a time
   * (the log's group commit calls it from its single writer).
   */
  async append(records: readonly string[]): Promise<RecordLocation[]> {
    if (this.closed) throw new Error('the record segments are closed');
    if (records.length === 0) return [];
    if (this.current.size >= SEGMENT_BYTES) this.roll();
    const buffers = records.map((r) => Buffer.from(r + '\n', 'utf8'));
    const body = Buffer.concat(buffers);
    const fd = this.current.fd;
    let written = 0;
    while (written < body.length) {
      written += await new Promise<number>((resolve, reject) =>
        write(fd, body, written, body.length - written, null, (err, n) => (err ? reject(err) : resolve(n))),
      );
    }
    await new Promise<void>((resolve, reject) => fdatasync(fd, (err) => (err ? reject(err) : resolve())));
    const out: RecordLocation[] = [];
    let offset = this.current.size;
    for (const b of buffers) {
      out.push({ segment: this.current.number, offset, length: b.length - 1 });
      offset += b.length;
    }
    this.current.size = offset;
    return out;
  }

  /**
   * The records at these locations. The reads run side by side on libuv's thread pool: a page
   * whose records are not in the page cache waits for the disk once, not fifty times in a row,
   * and the event loop keeps serving meanwhile.
   */
  read(locations: readonly RecordLocation[]): Promise<string[]> {
    return Promise.all(
      locations.map(
        (loc) =>
          new Promise<string>((resolve, reject) => {
            const buf = Buffer.allocUnsafe(loc.length);
            const fd = this.reader(loc.segment);
            const step = (got: number) => {
              if (got === loc.length) return resolve(buf.toString('utf8'));
              readFd(fd, buf, got, loc.length - got, loc.offset + got, (err, n) => {
                if (err) return reject(err);
                if (n === 0) {
                  return reject(
                    new Error(`record segment ${loc.segment} ends before offset ${loc.offset + loc.length}`),
                  );
                }
                step(got + n);
              });
            };
            step(0);
          }),
      ),
    );
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
    for (const fd of this.readers.values()) closeSync(fd);
    this.readers.clear();
  }

  private reader(segment: number): number {
    if (segment === this.current.number) return this.current.fd;
    let fd = this.readers.get(segment);
    if (fd === undefined) {
      fd = openSync(join(this.dir, segmentName(segment)), 'r');
      this.readers.set(segment, fd);
    }
    return fd;
  }

  private roll(): void {
    const number = this.current.number + 1;
    const old = this.current;
    const fd = openSync(join(this.dir, segmentName(number)), 'a+', 0o600);
    this.current = { number, fd, size: 0 };
    this.readers.set(old.number, old.fd);
  }
}

function segmentName(n: number): string {
  return `${String(n).padStart(8, '0')}.records`;
}
