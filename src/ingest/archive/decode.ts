/**
 * Turning the bytes of one archive file into raw (not yet validated) CloudTrail records.
 *
 * Accepted, after optional gzip (detected by the magic bytes 0x1f 0x8b, whatever the name says):
 *
 * - `{"Records": [...]}` — CloudTrail log files, and the console's "Download events" JSON
 *   (`records-envelope`);
 * - a bare JSON array of records — older console / Event history exports (`array`);
 * - `{"Events": [{"EventId": ..., "CloudTrailEvent": "<record as a JSON string>"}, ...]}` —
 *   `aws cloudtrail lookup-events` output saved to a file, and the bare `Events` array of it
 *   (`lookup-events`); each `CloudTrailEvent` string is parsed into the record;
 * - one JSON record per line (`ndjson`): always for `.jsonl`/`.ndjson` names (pass
 *   `{ ndjson: true }`), and for any file whose whole text is not one JSON document but whose
 *   first line is a JSON object. A line holding a whole `{"Records": [...]}` file gives its
 *   records; a line holding a LookupEvents event gives its `CloudTrailEvent`.
 *
 * A digest file (an object with `digestStartTime` and `logFiles` and no `Records`) decodes to
 * `{ kind: 'digest' }`. Anything else is `{ kind: 'error', message }`, with a message that says
 * what is wrong, where (byte offset, line and column), and that the file was skipped.
 *
 * Text must be UTF-8 (checked with a fatal `TextDecoder`; invalid bytes are an error, never
 * replaced). A UTF-8 byte-order mark is ignored; UTF-16 files with a byte-order mark (what
 * Windows PowerShell's `>` writes) are transcoded.
 *
 * Documents larger than V8's maximum string length (~512 MiB of text) — a 50 MB gzip of
 * CloudTrail JSON can inflate past it — are not decoded as one string: the top-level structure is
 * scanned on the bytes and the records array is parsed in batches of about 16 MiB.
 */
import { constants as bufferConstants, isAscii } from 'node:buffer';
import { gunzip, gunzipSync, constants as zlibConstants } from 'node:zlib';
import { locateJsonSyntaxError, NOT_FOUND, skipJsonString, skipJsonValue, skipWhitespace } from './json-scan.js';

export type RecordsFormat = 'records-envelope' | 'array' | 'lookup-events' | 'ndjson';

/**
 * `R` is what one record becomes: the raw parsed value here; a decoder that does more per record
 * (the import workers validate and serialise each one) returns its own record type.
 */
export type DecodeResult<R = unknown> =
  { kind: 'records'; records: R[]; format: RecordsFormat } | { kind: 'digest' } | { kind: 'error'; message: string };

export interface DecodeOptions {
  /** Read as one JSON record per line without trying the whole text first (`.jsonl`, `.ndjson`). */
  ndjson?: boolean;
  /**
   * Texts up to this many bytes are decoded and parsed as one string; larger ones take the
   * batched path. Defaults to V8's maximum string length. Lower it only to test the batched path.
   */
  wholeParseLimit?: number;
  /** Target size of one batch on the batched path (bytes). Default 16 MiB. */
  batchBytes?: number;
}

export const NOT_CLOUDTRAIL_MESSAGE = 'not a CloudTrail log file: expected {"Records": [...]} or an array of records';
const SKIPPED = '; file skipped';
const DEFAULT_BATCH_BYTES = 16 * 1024 * 1024;
const GZIP_CHUNK_BYTES = 1024 * 1024;

type Failure = { kind: 'error'; message: string };
const failure = (message: string): Failure => ({ kind: 'error', message: message + SKIPPED });

// ---------------------------------------------------------------------------------------------
// Entry points

/** Decode one archive file synchronously (gunzip on this thread). */
export function decodeArchiveFile(buf: Buffer, options: DecodeOptions = {}): DecodeResult {
  let data: Buffer;
  if (isGzip(buf)) {
    try {
      data = gunzipSync(buf, { chunkSize: GZIP_CHUNK_BYTES });
    } catch (error) {
      return gzipFailure(error, buf.length);
    }
  } else {
    data = buf;
  }
  return decodeContent(data, isGzip(buf), options);
}

/**
 * Same result as `decodeArchiveFile`, but gunzip runs on the libuv thread pool, so several files
 * can inflate in parallel while the main thread parses JSON.
 */
export async function decodeArchiveFileAsync(buf: Buffer, options: DecodeOptions = {}): Promise<DecodeResult> {
  if (!isGzip(buf)) return decodeContent(buf, false, options);
  let data: Buffer;
  try {
    data = await new Promise<Buffer>((resolve, reject) => {
      gunzip(buf, { chunkSize: GZIP_CHUNK_BYTES }, (error, result) => (error ? reject(error) : resolve(result)));
    });
  } catch (error) {
    return gzipFailure(error, buf.length);
  }
  return decodeContent(data, true, options);
}

export function isGzip(buf: Uint8Array): boolean {
  return buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b;
}

function gzipFailure(error: unknown, compressedBytes: number): Failure {
  const code = errorCode(error);
  const message = error instanceof Error ? error.message : String(error);
  if (code === 'Z_BUF_ERROR' || /unexpected end of file/i.test(message)) {
    return failure(
      `corrupt gzip: unexpected end of file — the compressed data stops after ${compressedBytes} bytes (truncated file or interrupted download)`,
    );
  }
  if (code === 'ERR_BUFFER_TOO_LARGE' || code === 'ERR_OUT_OF_RANGE') {
    return failure(`gzip content too large to decompress in memory: ${message}`);
  }
  return failure(`corrupt gzip: ${message} (${code ?? 'zlib error'})`);
}

function errorCode(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error) {
    const { code } = error as { code: unknown };
    if (typeof code === 'string') return code;
    if (typeof code === 'number') {
      for (const [name, value] of Object.entries(zlibConstants))
        if (value === code && name.startsWith('Z_')) return name;
    }
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Text

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

class EncodingError extends Error {
  constructor(
    message: string,
    /** Set when the only problem is a character cut off by the end of the file. */
    readonly cutTailAt?: number,
  ) {
    super(message);
  }
}

/**
 * Decode `data[start, end)` as strict UTF-8, or throw an EncodingError naming the first bad byte.
 * Pure ASCII (most CloudTrail files) takes a shortcut: it is valid UTF-8 by definition and
 * decodes as Latin-1 into a one-byte string, about 4x faster than the UTF-8 decoder.
 */
function decodeUtf8(data: Buffer, start: number, end: number): string {
  const slice = start === 0 && end === data.length ? data : data.subarray(start, end);
  if (isAscii(slice)) return slice.toString('latin1');
  try {
    return utf8.decode(slice);
  } catch {
    const bad = firstInvalidUtf8(data, start, end);
    const at = bad === -1 ? start : bad;
    const bytes = Array.from(data.subarray(at, Math.min(at + 4, end)), (b) => b.toString(16).padStart(2, '0')).join(
      ' ',
    );
    const cut = end === data.length && isCutTail(data, at);
    return throwEncoding(
      cut
        ? `invalid UTF-8 at byte ${at}: the file ends in the middle of a character (bytes ${bytes})`
        : `invalid UTF-8 at byte ${at} (bytes ${bytes}); the file must be UTF-8 encoded`,
      cut ? at : undefined,
    );
  }
}

function throwEncoding(message: string, cutTailAt: number | undefined): never {
  throw new EncodingError(message, cutTailAt);
}

/**
 * Like decodeUtf8, but a character cut off by the end of the file is dropped, so the JSON parser
 * can report the truncation. `cut` is the error to report if the text turns out to parse anyway.
 */
function decodeUtf8Lenient(data: Buffer, start: number, end: number): { text: string; cut?: EncodingError } {
  try {
    return { text: decodeUtf8(data, start, end) };
  } catch (error) {
    if (error instanceof EncodingError && error.cutTailAt !== undefined) {
      return { text: decodeUtf8(data, start, error.cutTailAt), cut: error };
    }
    throw error;
  }
}

/** The bytes from `at` to the end are the valid beginning of a multi-byte UTF-8 sequence. */
function isCutTail(data: Uint8Array, at: number): boolean {
  const lead = data[at] as number;
  const need =
    lead >= 0xc2 && lead <= 0xdf ? 1 : lead >= 0xe0 && lead <= 0xef ? 2 : lead >= 0xf0 && lead <= 0xf4 ? 3 : 0;
  const have = data.length - at - 1;
  if (need === 0 || have >= need) return false;
  for (let k = at + 1; k < data.length; k++) {
    const c = data[k] as number;
    if (c < 0x80 || c > 0xbf) return false;
  }
  return true;
}

/** Offset of the first byte that starts an invalid UTF-8 sequence in `data[start, end)`, or -1. */
export function firstInvalidUtf8(data: Uint8Array, start = 0, end = data.length): number {
  let i = start;
  while (i < end) {
    const b = data[i] as number;
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      if (b === 0xe0) lo = 0xa0;
      if (b === 0xed) hi = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      if (b === 0xf0) lo = 0x90;
      if (b === 0xf4) hi = 0x8f;
    } else return i;
    if (i + need >= end) return i;
    const second = data[i + 1] as number;
    if (second < lo || second > hi) return i;
    for (let k = 2; k <= need; k++) {
      const c = data[i + k] as number;
      if (c < 0x80 || c > 0xbf) return i;
    }
    i += need + 1;
  }
  return -1;
}

/**
 * Normalise the encoding: skip a UTF-8 BOM, transcode UTF-16 with a BOM. Returns the buffer to
 * parse and the offset at which its content starts.
 */
function prepareText(data: Buffer): { data: Buffer; start: number } | Failure {
  if (data.length >= 3 && data[0] === 0xef && data[1] === 0xbb && data[2] === 0xbf) return { data, start: 3 };
  const le = data[0] === 0xff && data[1] === 0xfe;
  const be = data[0] === 0xfe && data[1] === 0xff;
  if (le || be) {
    try {
      const text = new TextDecoder(le ? 'utf-16le' : 'utf-16be', { fatal: true }).decode(data);
      return { data: Buffer.from(text, 'utf8'), start: 0 };
    } catch (error) {
      return failure(`invalid UTF-16 text (${le ? 'little' : 'big'}-endian byte-order mark): ${String(error)}`);
    }
  }
  return { data, start: 0 };
}

// ---------------------------------------------------------------------------------------------
// Content

function decodeContent(raw: Buffer, wasGzip: boolean, options: DecodeOptions): DecodeResult {
  if (raw.length === 0) return failure(wasGzip ? 'the gzip holds an empty file' : 'empty file');
  const prepared = prepareText(raw);
  if ('kind' in prepared) return prepared;
  const { data, start } = prepared;
  const limit = Math.min(
    options.wholeParseLimit ?? bufferConstants.MAX_STRING_LENGTH,
    bufferConstants.MAX_STRING_LENGTH,
  );
  const batchBytes = Math.max(1, options.batchBytes ?? DEFAULT_BATCH_BYTES);
  try {
    if (skipWhitespace(data, start) >= data.length) return failure('the file holds only whitespace');
    if (options.ndjson === true) return parseNdjson(data, start, batchBytes);
    if (data.length - start <= limit) return parseWhole(data, start, batchBytes);
    if (firstLineIsRecord(data, start)) return parseNdjson(data, start, batchBytes);
    return parseLarge(data, start, batchBytes);
  } catch (error) {
    if (error instanceof EncodingError || error instanceof JsonError) return failure(error.message);
    if (error instanceof RangeError) return failure(`file too large to decode in memory: ${error.message}`);
    throw error;
  }
}

class JsonError extends Error {}

interface JsonErrorContext {
  /** Inserted after "JSON", e.g. " on line 12". */
  where?: string;
  /** How to show the position besides the byte offset. */
  show?: 'line-column' | 'column' | 'none';
  /** The text is one NDJSON line that is not the last: a cut-off record there is malformed, not a truncated file. */
  notAtEnd?: boolean;
  /** Characters at the start of `text` that are not in the file (brackets added around a batch). */
  added?: number;
  /** File offset where the data ends, reported for truncation (a cut-off character may follow the text). */
  endByte?: number;
}

/** Describe a JSON.parse failure of `text`, whose first file byte is at `byteOffset`. */
function jsonError(text: string, byteOffset: number, parseError: unknown, context: JsonErrorContext = {}): JsonError {
  const v8 = parseError instanceof Error ? parseError.message : String(parseError);
  const located = locateJsonSyntaxError(text);
  const v8Position = /at position (\d+)/.exec(v8)?.[1];
  const position = located?.position ?? (v8Position !== undefined ? Number(v8Position) : text.length);
  const truncated = (located?.truncated ?? position >= text.length) && context.notAtEnd !== true;
  const detail = describeParseError(v8, text, position);
  const added = context.added ?? 0;
  const byte = byteOffset + Buffer.byteLength(text.slice(added, Math.max(added, position)), 'utf8');
  const where = context.where ?? '';
  if (truncated) {
    const end = context.endByte ?? byte;
    return new JsonError(`truncated JSON${where} at byte ${end} (end of data): ${detail} — the file ends mid-document`);
  }
  let at = '';
  if (context.show !== 'none') {
    const { line, column } = lineAndColumn(text, position);
    at = context.show === 'column' ? ` (column ${column})` : ` (line ${line}, column ${column})`;
  }
  return new JsonError(`malformed JSON${where} at byte ${byte}${at}: ${detail}`);
}

/** V8's message without its position and its multi-line snippet, plus a one-line snippet of ours. */
function describeParseError(v8: string, text: string, position: number): string {
  const reason = v8
    .replace(/, (?:"|\.\.\.").*is not valid JSON$/s, '')
    .replace(/ (?:in JSON )?at position \d+.*$/s, '')
    .replace(/ \(line \d+ column \d+\)$/, '');
  const from = Math.max(0, position - 32);
  const near = text.slice(from, Math.min(text.length, position + 16));
  return near.trim() === '' ? reason : `${reason} near ${from > 0 ? '...' : ''}${JSON.stringify(near)}`;
}

function lineAndColumn(text: string, position: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < position; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: position - lineStart + 1 };
}

function parseWhole(data: Buffer, start: number, batchBytes: number): DecodeResult {
  const { text, cut } = decodeUtf8Lenient(data, start, data.length);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    if (looksLikeNdjson(text)) return parseNdjson(data, start, batchBytes);
    throw jsonError(text, start, error, { endByte: data.length });
  }
  if (cut !== undefined) throw cut;
  return classify(value);
}

/** True when the first line alone is a JSON object (a record, or a whole `{"Records": [...]}` file). */
function looksLikeNdjson(text: string): boolean {
  const newline = text.indexOf('\n');
  if (newline === -1) return false;
  return isRecordLine(text.slice(0, newline));
}

function isRecordLine(line: string): boolean {
  try {
    const value: unknown = JSON.parse(line);
    return isPlainObject(value) && !('Events' in value);
  } catch {
    return false;
  }
}

function firstLineIsRecord(data: Buffer, start: number): boolean {
  const newline = data.indexOf(0x0a, start);
  // A record is at most 256 KB; a longer first line is a one-line document.
  if (newline === -1 || newline - start > 4 * 1024 * 1024) return false;
  try {
    return isRecordLine(decodeUtf8(data, start, newline));
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------
// Shapes

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  if (isPlainObject(value)) {
    const keys = Object.keys(value);
    if (keys.length === 0) return 'an empty object';
    const shown = keys.slice(0, 6).map((k) => JSON.stringify(k));
    return `an object with keys ${shown.join(', ')}${keys.length > 6 ? ', ...' : ''}`;
  }
  return `a ${typeof value}`;
}

function isLookupEvent(value: unknown): boolean {
  return isPlainObject(value) && typeof value['CloudTrailEvent'] === 'string';
}

/** Parse each `CloudTrailEvent` string of a LookupEvents `Events` list. */
function unwrapLookupEvents(events: unknown[], name: string): unknown[] {
  const records = new Array<unknown>(events.length);
  for (let i = 0; i < events.length; i++) {
    const event = events[i];
    const json = isPlainObject(event) ? event['CloudTrailEvent'] : undefined;
    if (typeof json !== 'string') {
      throw new JsonError(
        `${name}[${i}] has no "CloudTrailEvent" string (${describe(event)}); save lookup-events output without a --query that drops it`,
      );
    }
    try {
      records[i] = JSON.parse(json);
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      throw new JsonError(`${name}[${i}].CloudTrailEvent is not valid JSON: ${detail}`);
    }
  }
  return records;
}

function classify(value: unknown): DecodeResult {
  if (Array.isArray(value)) {
    if (value.length > 0 && isLookupEvent(value[0])) {
      return { kind: 'records', records: unwrapLookupEvents(value, 'element'), format: 'lookup-events' };
    }
    return { kind: 'records', records: value, format: 'array' };
  }
  if (isPlainObject(value)) {
    if ('Records' in value) {
      const records = value['Records'];
      if (!Array.isArray(records)) return failure(`"Records" is ${describe(records)}, not an array of records`);
      return { kind: 'records', records, format: 'records-envelope' };
    }
    if ('Events' in value && Array.isArray(value['Events'])) {
      return { kind: 'records', records: unwrapLookupEvents(value['Events'], 'Events'), format: 'lookup-events' };
    }
    if ('digestStartTime' in value && 'logFiles' in value) return { kind: 'digest' };
  }
  return failure(`${NOT_CLOUDTRAIL_MESSAGE} (found ${describe(value)})`);
}

// ---------------------------------------------------------------------------------------------
// NDJSON

function parseNdjson(data: Buffer, start: number, batchBytes: number): DecodeResult {
  const records: unknown[] = [];
  let line = 1;
  let chunkStart = start;
  while (chunkStart < data.length) {
    // Cut at a newline byte (never inside a UTF-8 sequence) after about batchBytes.
    let chunkEnd = data.length;
    if (data.length - chunkStart > batchBytes) {
      const nl = data.indexOf(0x0a, chunkStart + batchBytes);
      if (nl !== -1) chunkEnd = nl + 1;
    }
    const { text, cut } = decodeUtf8Lenient(data, chunkStart, chunkEnd);
    let lineStart = 0;
    while (lineStart < text.length) {
      let lineEnd = text.indexOf('\n', lineStart);
      if (lineEnd === -1) lineEnd = text.length;
      const lineText = text.slice(lineStart, lineEnd);
      if (lineText.trim() !== '') {
        let value: unknown;
        try {
          value = JSON.parse(lineText);
        } catch (error) {
          const byte = chunkStart + Buffer.byteLength(text.slice(0, lineStart), 'utf8');
          const isLast = chunkEnd === data.length && text.slice(lineEnd).trim() === '';
          throw jsonError(lineText, byte, error, {
            where: ` on line ${line}`,
            show: 'column',
            notAtEnd: !isLast,
            endByte: data.length,
          });
        }
        if (!isPlainObject(value)) {
          throw new JsonError(
            `line ${line} is ${describe(value)}, not a record object (NDJSON holds one record per line)`,
          );
        }
        const envelope = value['Records'];
        if (Array.isArray(envelope)) {
          // A whole log file per line (`jq -c . *.json`): its records.
          for (const record of envelope) records.push(record);
        } else {
          records.push(isLookupEvent(value) ? unwrapLookupEvents([value], `line ${line}: event`)[0] : value);
        }
      }
      line++;
      lineStart = lineEnd + 1;
    }
    if (cut !== undefined) throw cut;
    chunkStart = chunkEnd;
  }
  return { kind: 'records', records, format: 'ndjson' };
}

// ---------------------------------------------------------------------------------------------
// Large documents: scan the top level on the bytes, parse arrays in batches.

function truncatedAt(byte: number): JsonError {
  return new JsonError(`truncated JSON at byte ${byte} (end of data): the file ends mid-document`);
}

function unexpectedAt(data: Buffer, byte: number, expected: string): JsonError {
  const found = byte < data.length ? JSON.stringify(String.fromCharCode(data[byte] as number)) : 'end of data';
  return new JsonError(`malformed JSON at byte ${byte}: expected ${expected}, found ${found}`);
}

/** Parse the array starting at `data[open] === '['` in batches. Returns its values and the index after `]`. */
function parseArrayInBatches(data: Buffer, open: number, batchBytes: number): { values: unknown[]; end: number } {
  const values: unknown[] = [];
  let i = skipWhitespace(data, open + 1);
  if (i >= data.length) throw truncatedAt(data.length);
  if (data[i] === 0x5d) return { values, end: i + 1 };
  let batchStart = i;
  for (;;) {
    const valueEnd = skipJsonValue(data, i);
    if (valueEnd === NOT_FOUND || valueEnd >= data.length) throw truncatedAt(data.length);
    const after = skipWhitespace(data, valueEnd);
    if (after >= data.length) throw truncatedAt(data.length);
    const c = data[after];
    if (c !== 0x2c && c !== 0x5d) throw unexpectedAt(data, after, "',' or ']' after an array element");
    if (c === 0x5d || valueEnd - batchStart >= batchBytes) {
      const text = decodeUtf8(data, batchStart, valueEnd);
      let batch: unknown;
      try {
        batch = JSON.parse(`[${text}]`);
      } catch (error) {
        throw jsonError(`[${text}]`, batchStart, error, { show: 'none', added: 1 });
      }
      for (const value of batch as unknown[]) values.push(value);
      batchStart = skipWhitespace(data, after + 1);
    }
    if (c === 0x5d) return { values, end: after + 1 };
    i = skipWhitespace(data, after + 1);
    if (i >= data.length) throw truncatedAt(data.length);
  }
}

function parseLarge(data: Buffer, start: number, batchBytes: number): DecodeResult {
  const first = skipWhitespace(data, start);
  let value: unknown;
  let end: number;
  if (data[first] === 0x5b) {
    ({ values: value, end } = parseArrayInBatches(data, first, batchBytes));
  } else if (data[first] === 0x7b) {
    // Only the Records / Events arrays are built; other members are skipped and kept as null
    // (enough to classify the document and name its keys).
    const object: Record<string, unknown> = {};
    let i = skipWhitespace(data, first + 1);
    if (data[i] === 0x7d) end = i + 1;
    else {
      for (;;) {
        if (i >= data.length) throw truncatedAt(data.length);
        if (data[i] !== 0x22) throw unexpectedAt(data, i, 'a property name');
        const keyEnd = skipJsonString(data, i);
        if (keyEnd === NOT_FOUND) throw truncatedAt(data.length);
        const keyText = decodeUtf8(data, i, keyEnd);
        let key: string;
        try {
          key = JSON.parse(keyText) as string;
        } catch (error) {
          throw jsonError(keyText, i, error, { show: 'none' });
        }
        i = skipWhitespace(data, keyEnd);
        if (i >= data.length) throw truncatedAt(data.length);
        if (data[i] !== 0x3a) throw unexpectedAt(data, i, "':' after a property name");
        i = skipWhitespace(data, i + 1);
        if (i >= data.length) throw truncatedAt(data.length);
        if ((key === 'Records' || key === 'Events') && data[i] === 0x5b) {
          const parsed = parseArrayInBatches(data, i, batchBytes);
          object[key] = parsed.values;
          i = parsed.end;
        } else {
          const valueEnd = skipJsonValue(data, i);
          if (valueEnd === NOT_FOUND || valueEnd >= data.length) throw truncatedAt(data.length);
          // Small values are parsed (and so validated); large ones are only skipped.
          if (valueEnd - i <= 64 * 1024) {
            const text = decodeUtf8(data, i, valueEnd);
            try {
              object[key] = JSON.parse(text);
            } catch (error) {
              throw jsonError(text, i, error, { show: 'none' });
            }
          } else object[key] = null;
          i = valueEnd;
        }
        i = skipWhitespace(data, i);
        if (i >= data.length) throw truncatedAt(data.length);
        if (data[i] === 0x7d) {
          end = i + 1;
          break;
        }
        if (data[i] !== 0x2c) throw unexpectedAt(data, i, "',' or '}' after a property value");
        i = skipWhitespace(data, i + 1);
      }
    }
    value = object;
  } else {
    return failure(`${NOT_CLOUDTRAIL_MESSAGE} (the document does not start with '{' or '[')`);
  }
  const rest = skipWhitespace(data, end);
  if (rest < data.length) throw unexpectedAt(data, rest, 'the end of the document');
  return classify(value);
}
