import { lookupViewOf } from '../../event/attributes.js';
import { normalizeRecord, type NormalizeContext, type NormalizeResult } from '../../event/normalize.js';
import type { CloudTrailRecord, EventError } from '../../event/types.js';
import { decodeArchiveFile, type DecodeOptions, type DecodeResult } from '../archive/index.js';

/** What normalisation needs besides the record; the receive time is taken when a file is prepared. */
export type PrepareContext = Omit<NormalizeContext, 'receivedAtMs'>;

/** One file to prepare, as it crosses to a worker (the bytes are transferred, not copied). */
export interface PrepareRequest {
  bytes: Uint8Array;
  /** Read as one record per line (`.jsonl` / `.ndjson` names). */
  ndjson: boolean;
  /** The account the file's AWSLogs path names: the recipient of records that name none. */
  pathAccountId: string | undefined;
  decode: Pick<DecodeOptions, 'wholeParseLimit' | 'batchBytes'>;
}

/**
 * One file's normalised records packed to cross between threads cheaply. Structured clone of
 * the records themselves measured 16 µs a record to receive, more than parsing them; packed, the
 * JSON texts are moved as one transferred buffer and the lookup views as one JSON text.
 */
export interface PackedRecords {
  /** Records in the file, accepted and rejected. */
  count: number;
  /** The accepted records' JSON (UTF-8), back to back, in file order. */
  text: Uint8Array;
  /** Where each accepted record's JSON ends in `text` (bytes). */
  ends: Uint32Array;
  /** `text` is all ASCII (decoded as Latin-1, the fast way). */
  ascii: boolean;
  /** A JSON array: `lookupViewOf` of each accepted record. */
  views: string;
  /** eventTime of each accepted record, epoch milliseconds. */
  eventTimesMs: Float64Array;
  /** The records normalisation refused, by position in the file. */
  rejected: { index: number; error: EventError }[];
}

/**
 * Records without a recipient belong to the account the archive path names (an organisation
 * trail's bucket holds many accounts). Mutates the record, which is freshly parsed.
 */
export function stampPathAccount(record: unknown, pathAccountId: string | undefined): void {
  if (pathAccountId && typeof record === 'object' && record !== null && !Array.isArray(record)) {
    const r = record as Record<string, unknown>;
    if (r.recipientAccountId === undefined) r.recipientAccountId = pathAccountId;
  }
}

/** Decodes one archive file and normalises each record, as `Ingestor.ingest` would, then packs them. */
export function prepareArchiveFile(request: PrepareRequest, ctx: PrepareContext): DecodeResult<never> | PackedFile {
  const bytes = Buffer.from(request.bytes.buffer, request.bytes.byteOffset, request.bytes.byteLength);
  const decoded = decodeArchiveFile(bytes, { ...request.decode, ndjson: request.ndjson });
  if (decoded.kind !== 'records') return decoded;
  const full: NormalizeContext = { ...ctx, receivedAtMs: Date.now() };
  const jsons: string[] = [];
  const views: CloudTrailRecord[] = [];
  const times: number[] = [];
  const rejected: PackedRecords['rejected'] = [];
  for (let i = 0; i < decoded.records.length; i++) {
    const record = decoded.records[i];
    stampPathAccount(record, request.pathAccountId);
    const r = normalizeRecord(record, full);
    if (!r.ok) {
      rejected.push({ index: i, error: r.error });
      continue;
    }
    jsons.push(r.event.json);
    views.push(lookupViewOf(r.event.record));
    times.push(r.event.eventTimeMs);
  }
  const joined = jsons.join('');
  // A fresh buffer of its own: a small Buffer.from is cut from Node's shared pool, which must
  // not be transferred away.
  const text = new Uint8Array(Buffer.byteLength(joined, 'utf8'));
  Buffer.from(text.buffer).write(joined, 'utf8');
  const ascii = text.length === joined.length;
  const ends = new Uint32Array(jsons.length);
  let end = 0;
  for (let i = 0; i < jsons.length; i++) {
    end += ascii ? jsons[i]!.length : Buffer.byteLength(jsons[i]!, 'utf8');
    ends[i] = end;
  }
  return {
    kind: 'packed',
    format: decoded.format,
    records: {
      count: decoded.records.length,
      text,
      ends,
      ascii,
      views: JSON.stringify(views),
      eventTimesMs: Float64Array.from(times),
      rejected,
    },
  };
}

/** A decoded file whose records are packed (see `PackedRecords`). */
export interface PackedFile {
  kind: 'packed';
  format: Extract<DecodeResult, { kind: 'records' }>['format'];
  records: PackedRecords;
}

/** The transferable parts of a packed file (so postMessage moves rather than copies them). */
export function transferablesOf(file: PackedFile): ArrayBuffer[] {
  const { text, ends, eventTimesMs } = file.records;
  return [text.buffer, ends.buffer, eventTimesMs.buffer] as ArrayBuffer[];
}

/** Back on the log's thread: the packed records as `normalizeRecord` results, in file order. */
export function unpackRecords(packed: PackedRecords): NormalizeResult[] {
  const out = new Array<NormalizeResult>(packed.count);
  for (const r of packed.rejected) out[r.index] = { ok: false, error: r.error };
  const views = JSON.parse(packed.views) as CloudTrailRecord[];
  const text = Buffer.from(packed.text.buffer, packed.text.byteOffset, packed.text.byteLength);
  let start = 0;
  let next = 0;
  for (let i = 0; i < packed.count; i++) {
    if (out[i] !== undefined) continue;
    const end = packed.ends[next]!;
    const record = views[next]!;
    const json = text.toString(packed.ascii ? 'latin1' : 'utf8', start, end);
    out[i] = {
      ok: true,
      event: {
        record,
        json,
        accountId: record.recipientAccountId,
        eventId: record.eventID,
        eventTimeMs: packed.eventTimesMs[next]!,
      },
    };
    start = end;
    next++;
  }
  return out;
}
