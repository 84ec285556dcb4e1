/**
 * One CloudTrail log file (spec §2): the gzip of the UTF-8 JSON object `{"Records":[r1,r2,…]}`,
 * each record exactly the bytes it was stored with (records are joined, never re-serialised).
 *
 * The digest of a log file (spec §3.2, `logFiles[].hashValue`) is the lowercase hex SHA-256 of the
 * *uncompressed* bytes, so that is what `sha256` holds; `oldestEventTime`/`newestEventTime` are the
 * digest's per-file figures.
 *
 * Size cap: AWS writes at most 50 MB (compressed) per file. This writer caps the *uncompressed*
 * JSON at `maxBytes` (default 50 MiB): the compressed file is then always smaller than AWS's
 * limit (CloudTrail JSON compresses about tenfold), the cap bounds the memory one file needs, and
 * where a batch is cut does not depend on how well it compresses. A record larger than the cap
 * (records are at most 256 KB, so only with a tiny cap) gets a file of its own: nothing is dropped.
 *
 * Gzip runs on libuv's thread pool (async zlib), so several files build in parallel on several
 * cores; the output is the same bytes for the same input and level on the same zlib.
 */
import { webcrypto } from 'node:crypto';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { formatEventTime } from '../event/time.js';

const gzipAsync = promisify(gzip);

/** One record as the log stores it, with its eventTime (which the caller has parsed anyway). */
export interface LogRecord {
  /**
   * The record's JSON, written into the file unchanged: a string, or its UTF-8 bytes as the log
   * stores them (copied as they are, never decoded: the cheaper way for a consumer of raw records).
   */
  json: string | Uint8Array;
  /**
   * The record's `eventTime`: any form Date.parse reads (normalised records use
   * `YYYY-MM-DDTHH:MM:SSZ`), or epoch milliseconds.
   */
  eventTime: string | number;
}

function byteLengthOf(json: string | Uint8Array): number {
  return typeof json === 'string' ? Buffer.byteLength(json, 'utf8') : json.length;
}

export interface LogFile {
  /** The gzipped file, ready to put. */
  body: Buffer;
  /** Lowercase hex SHA-256 of the uncompressed JSON: the digest's `hashValue`. */
  sha256: string;
  uncompressedSize: number;
  recordCount: number;
  /** `YYYY-MM-DDTHH:MM:SSZ`, as digests write them. */
  oldestEventTime: string;
  newestEventTime: string;
}

/** A run of records that goes into one file: `records.slice(start, end)`. */
export interface LogFileSlice {
  start: number;
  end: number;
}

export interface LogFileOptions {
  /** Uncompressed bytes per file, at least 1024 (default DEFAULT_MAX_LOG_FILE_BYTES). */
  maxBytes?: number;
  /** zlib level 1 (fastest) to 9 (smallest); default DEFAULT_GZIP_LEVEL. */
  level?: number;
}

export const DEFAULT_MAX_LOG_FILE_BYTES = 50 * 1024 * 1024;

/**
 * AWS does not say which level it uses. On generated CloudTrail records (bench/delivery.ts)
 * level 1 compresses 9.8× at about three times the speed of zlib's default level 6 (11.4×):
 * delivery is CPU-bound on gzip, so the faster level is the default; raise it to trade
 * throughput for storage.
 */
export const DEFAULT_GZIP_LEVEL = 1;

/** The headers CloudTrail's own log and digest objects carry. */
export const LOG_FILE_PUT_OPTIONS = { contentType: 'application/json', contentEncoding: 'gzip' } as const;

const OPEN = '{"Records":[';
const CLOSE = ']}';
const FRAME_BYTES = OPEN.length + CLOSE.length;

function checkOptions(options: LogFileOptions): { maxBytes: number; level: number } {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_LOG_FILE_BYTES;
  const level = options.level ?? DEFAULT_GZIP_LEVEL;
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 1024) {
    throw new RangeError(`maxBytes must be an integer of at least 1024 bytes, got ${maxBytes}`);
  }
  if (!Number.isInteger(level) || level < 1 || level > 9) {
    throw new RangeError(`level must be an integer from 1 to 9, got ${level}`);
  }
  return { maxBytes, level };
}

/**
 * Cuts records into runs whose files stay within `maxBytes` uncompressed, in order. Every record
 * is in exactly one run; a run is never empty.
 */
export function splitLogRecords(records: readonly LogRecord[], options: LogFileOptions = {}): LogFileSlice[] {
  const { maxBytes } = checkOptions(options);
  const slices: LogFileSlice[] = [];
  let start = 0;
  let size = FRAME_BYTES;
  for (let i = 0; i < records.length; i++) {
    const bytes = byteLengthOf(records[i]!.json) + (i > start ? 1 : 0); // the comma
    if (i > start && size + bytes > maxBytes) {
      slices.push({ start, end: i });
      start = i;
      size = FRAME_BYTES + bytes - 1;
    } else {
      size += bytes;
    }
  }
  if (records.length > start) slices.push({ start, end: records.length });
  return slices;
}

/**
 * The uncompressed file: `{"Records":[` + the records joined by "," + `]}`. Written into one
 * buffer of the exact size: about twice as fast as joining one big string and encoding it.
 */
export function logFileJson(records: readonly LogRecord[]): Buffer {
  const lengths = new Array<number>(records.length);
  let size = FRAME_BYTES + Math.max(0, records.length - 1);
  for (let i = 0; i < records.length; i++) size += lengths[i] = byteLengthOf(records[i]!.json);
  const out = Buffer.allocUnsafe(size);
  let offset = out.write(OPEN, 0, 'latin1');
  for (let i = 0; i < records.length; i++) {
    if (i > 0) out[offset++] = 0x2c; // ","
    const json = records[i]!.json;
    if (typeof json !== 'string') {
      out.set(json, offset);
      offset += json.length;
    } else {
      // As many bytes as characters means plain ASCII, where the cheaper one-byte copy gives the same bytes.
      offset += lengths[i] === json.length ? out.write(json, offset, 'latin1') : out.write(json, offset, 'utf8');
    }
  }
  offset += out.write(CLOSE, offset, 'latin1');
  if (offset !== size) throw new Error(`log file writer: wrote ${offset} bytes, expected ${size}`);
  return out;
}

/** Builds one file from all `records` (at least one), whatever their size; see buildLogFiles for the cap. */
export async function buildLogFile(records: readonly LogRecord[], options: LogFileOptions = {}): Promise<LogFile> {
  const { level } = checkOptions(options);
  if (records.length === 0) throw new RangeError('a log file needs at least one record');
  let oldest = Number.POSITIVE_INFINITY;
  let newest = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < records.length; i++) {
    const eventTime = records[i]!.eventTime;
    const ms = typeof eventTime === 'number' ? eventTime : Date.parse(eventTime);
    if (!Number.isFinite(ms)) {
      throw new RangeError(`record ${i} has eventTime ${JSON.stringify(records[i]!.eventTime)}, which is not a time`);
    }
    if (ms < oldest) oldest = ms;
    if (ms > newest) newest = ms;
  }
  const json = logFileJson(records);
  // Both run on libuv's thread pool (WebCrypto digests are async jobs there), side by side.
  const [hash, body] = await Promise.all([webcrypto.subtle.digest('SHA-256', json), gzipAsync(json, { level })]);
  const sha256 = Buffer.from(hash).toString('hex');
  return {
    body,
    sha256,
    uncompressedSize: json.length,
    recordCount: records.length,
    oldestEventTime: formatEventTime(oldest),
    newestEventTime: formatEventTime(newest),
  };
}

/** Splits `records` by the size cap and builds each file (in parallel); files come in record order. */
export async function buildLogFiles(
  records: readonly LogRecord[],
  options: LogFileOptions = {},
): Promise<(LogFile & LogFileSlice)[]> {
  const slices = splitLogRecords(records, options);
  return Promise.all(
    slices.map(async (slice) => ({
      ...(await buildLogFile(records.slice(slice.start, slice.end), options)),
      ...slice,
    })),
  );
}

/** A LogRecord from a record's JSON alone, for callers that have not parsed it. */
export function logRecordFromJson(json: string): LogRecord {
  const parsed: unknown = JSON.parse(json);
  const eventTime = (parsed as { eventTime?: unknown } | null)?.eventTime;
  if (typeof eventTime !== 'string') throw new RangeError('the record has no eventTime string');
  return { json, eventTime };
}
