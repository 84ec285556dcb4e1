/**
 * Reading archive sources into batches of raw records, one item per file, in source order.
 *
 *   for await (const item of readArchives(['./AWSLogs', 's3://bucket/AWSLogs/'])) {
 *     switch (item.type) {
 *       case 'records': // item.records: unknown[] — validate and store them
 *       case 'skipped': // item.reason: 'digest' | 'not-a-log-file' — count
 *       case 'failed':  // item.message — report `${item.file.location}: ${item.message}`, go on
 *     }
 *   }
 *
 * Up to `concurrency` files (default 4) are downloaded / read / gunzipped ahead of the consumer,
 * bounded also by `maxBytesInFlight` of stored bytes (default 64 MiB, see ReadOptions for the
 * memory this means), so I/O and inflation (libuv thread pool) overlap JSON parsing (main thread). Items still come out in source order, so runs are
 * deterministic. Nothing throws for a bad file or source: every problem is a `failed` item.
 *
 * For a progress bar, `planArchives` walks / lists everything first and returns the entries with
 * their sizes; pass the plan to `readArchives` instead of the paths to read exactly those files.
 */
import { decodeArchiveFileAsync, type DecodeOptions, type DecodeResult, type RecordsFormat } from './decode.js';
import { describeOtherReason } from './layout.js';
import { describeIoError, expandSources, type ArchiveFile, type SourceEntry, type SourceOptions } from './sources.js';

export type SkipReason = 'digest' | 'not-a-log-file';

/**
 * `list`: the source itself failed (missing path, unreadable folder, S3 listing error) — `file`
 * is then a stand-in whose `location` is that path or URL, with kind `other` and no size.
 * `read`: the file could not be read or downloaded. `decode`: gzip, UTF-8, JSON or shape error.
 */
export type FailureStage = 'list' | 'read' | 'decode';

/** `R`: what the decoder made of each record (raw parsed values by default). */
export type ArchiveItem<R = unknown> =
  | { type: 'records'; file: ArchiveFile; records: R[]; format: RecordsFormat }
  | { type: 'skipped'; file: ArchiveFile; reason: SkipReason; detail: string }
  | { type: 'failed'; file: ArchiveFile; stage: FailureStage; message: string };

/**
 * Turns one file's bytes into records: by default `decodeArchiveFileAsync` on this thread; the
 * import passes one that decodes and normalises in worker threads. Must resolve with a
 * `DecodeResult` for every input (a rejection is reported as that file's decode failure).
 */
export type ArchiveDecoder<R> = (bytes: Buffer, file: ArchiveFile, options: DecodeOptions) => Promise<DecodeResult<R>>;

const decodeOnThisThread: ArchiveDecoder<unknown> = (bytes, file, options) =>
  decodeArchiveFileAsync(bytes, { ...options, ndjson: file.ndjson });

export interface ReadOptions<R = unknown> extends SourceOptions {
  /**
   * Files being read or decoded, or decoded and waiting, including the one handed to the
   * consumer next (default 4, at least 1).
   */
  concurrency?: number;
  /**
   * Stored (compressed) bytes of those files (default 64 MiB). A file larger than this is still
   * read, alone. Files of unknown size count as 0.
   *
   * This is the memory bound: a CloudTrail gzip inflates about 12x, and the parsed records take
   * roughly 2.5x the JSON text on the heap, so each stored byte costs ~30 bytes while in flight
   * (a 50 MB .json.gz ≈ 1.5–2 GB). Raise it only with a matching `--max-old-space-size`.
   */
  maxBytesInFlight?: number;
  /** Passed to the decoder (testing the large-document path). */
  decode?: Pick<DecodeOptions, 'wholeParseLimit' | 'batchBytes'>;
  /** Replaces the decoder; give it whenever `R` is not `unknown`. */
  decoder?: ArchiveDecoder<R>;
}

export interface ArchivePlan {
  readonly entries: readonly SourceEntry[];
  /** Files that will be opened and decoded (kinds log, insight, network-activity). */
  readonly filesToRead: number;
  /** Their stored size in bytes (files of unknown size count 0). */
  readonly bytesToRead: number;
  /** Files skipped by their path (digests, READMEs, ...): no I/O. */
  readonly filesToSkip: number;
  /** Sources that failed while walking or listing. */
  readonly errors: number;
}

const DEFAULT_CONCURRENCY = 4;
const DEFAULT_MAX_BYTES_IN_FLIGHT = 64 * 1024 * 1024;
/** Items waiting for the consumer, including ones that need no I/O. */
const MAX_QUEUED_ITEMS = 256;

function needsReading(file: ArchiveFile): boolean {
  return file.kind === 'log' || file.kind === 'insight' || file.kind === 'network-activity';
}

/** Walk / list every source first. Reading the plan later reads exactly these entries. */
export async function planArchives(paths: readonly string[], options: SourceOptions = {}): Promise<ArchivePlan> {
  const entries: SourceEntry[] = [];
  let filesToRead = 0;
  let bytesToRead = 0;
  let filesToSkip = 0;
  let errors = 0;
  for await (const entry of expandSources(paths, options)) {
    entries.push(entry);
    if (entry.type === 'error') errors++;
    else if (needsReading(entry.file)) {
      filesToRead++;
      bytesToRead += entry.file.size ?? 0;
    } else filesToSkip++;
  }
  return { entries, filesToRead, bytesToRead, filesToSkip, errors };
}

function isPlan(sources: readonly string[] | ArchivePlan): sources is ArchivePlan {
  return !Array.isArray(sources);
}

async function* planEntries(plan: ArchivePlan): AsyncGenerator<SourceEntry> {
  yield* plan.entries;
}

function standIn(location: string, message: string): ArchiveFile {
  return { location, kind: 'other', ndjson: false, open: () => Promise.reject(new Error(message)) };
}

/** Read and decode one file. Never rejects. */
export async function readArchiveFile<R = unknown>(
  file: ArchiveFile,
  options: DecodeOptions = {},
  decoder: ArchiveDecoder<R> = decodeOnThisThread as ArchiveDecoder<R>,
): Promise<ArchiveItem<R>> {
  if (file.kind === 'digest') return { type: 'skipped', file, reason: 'digest', detail: 'CloudTrail digest file' };
  if (file.kind === 'other') {
    const detail = file.otherReason !== undefined ? describeOtherReason(file.otherReason) : 'not a log file';
    return { type: 'skipped', file, reason: 'not-a-log-file', detail };
  }
  let buf: Buffer;
  try {
    buf = await file.open();
  } catch (error) {
    return { type: 'failed', file, stage: 'read', message: `cannot read: ${describeIoError(error)}; file skipped` };
  }
  try {
    const result = await decoder(buf, file, options);
    switch (result.kind) {
      case 'records':
        return { type: 'records', file, records: result.records, format: result.format };
      case 'digest':
        return {
          type: 'skipped',
          file,
          reason: 'digest',
          detail: 'CloudTrail digest file (recognised by its content)',
        };
      case 'error':
        return { type: 'failed', file, stage: 'decode', message: result.message };
    }
  } catch (error) {
    // Out of memory and the like: still one file's failure.
    const message = error instanceof Error ? error.message : String(error);
    return { type: 'failed', file, stage: 'decode', message: `cannot decode: ${message}; file skipped` };
  }
}

interface Pending<R> {
  item: Promise<ArchiveItem<R>>;
  bytes: number;
  reads: boolean;
}

/**
 * Read every archive file under the sources (paths / `s3://` URLs, or a plan from
 * `planArchives`), yielding one item per file in source order.
 */
export async function* readArchives<R = unknown>(
  sources: readonly string[] | ArchivePlan,
  options: ReadOptions<R> = {},
): AsyncGenerator<ArchiveItem<R>, void, undefined> {
  const decoder = options.decoder ?? (decodeOnThisThread as ArchiveDecoder<R>);
  const concurrency = Math.max(1, Math.floor(options.concurrency ?? DEFAULT_CONCURRENCY));
  const maxBytes = Math.max(0, options.maxBytesInFlight ?? DEFAULT_MAX_BYTES_IN_FLIGHT);
  const decodeOptions: DecodeOptions = { ...options.decode };
  const iterator: AsyncGenerator<SourceEntry> = isPlan(sources)
    ? planEntries(sources)
    : expandSources(sources, options);

  const queue: Pending<R>[] = [];
  let reading = 0;
  let bytesInFlight = 0;
  let held: SourceEntry | undefined; // pulled, but waiting for room
  let exhausted = false;

  const fill = async (): Promise<void> => {
    while (!exhausted && queue.length < MAX_QUEUED_ITEMS) {
      let entry = held;
      held = undefined;
      if (entry === undefined) {
        const next = await iterator.next();
        if (next.done === true) {
          exhausted = true;
          return;
        }
        entry = next.value;
      }
      if (entry.type === 'error') {
        const item: ArchiveItem<R> = {
          type: 'failed',
          file: standIn(entry.location, entry.message),
          stage: 'list',
          message: entry.message,
        };
        queue.push({ item: Promise.resolve(item), bytes: 0, reads: false });
        continue;
      }
      const { file } = entry;
      if (!needsReading(file)) {
        queue.push({ item: readArchiveFile(file, {}, decoder), bytes: 0, reads: false });
        continue;
      }
      const bytes = file.size ?? 0;
      if (reading >= concurrency || (reading > 0 && bytesInFlight + bytes > maxBytes)) {
        held = entry;
        return;
      }
      reading++;
      bytesInFlight += bytes;
      queue.push({ item: readArchiveFile(file, decodeOptions, decoder), bytes, reads: true });
    }
  };

  try {
    for (;;) {
      await fill();
      const head = queue.shift();
      if (head === undefined) return;
      const item = await head.item;
      if (head.reads) {
        reading--;
        bytesInFlight -= head.bytes;
      }
      yield item;
    }
  } finally {
    // The consumer stopped early (break / throw): stop listing. Reads in flight finish on their
    // own and are dropped; they never reject.
    if (!exhausted) await iterator.return(undefined);
  }
}

// ---------------------------------------------------------------------------------------------
// Tally

export interface ArchiveTally {
  /** Files that gave records. */
  filesRead: number;
  records: number;
  /** Bytes (stored) of the files that gave records. */
  bytesRead: number;
  skipped: Record<SkipReason, number>;
  /** Skipped `not-a-log-file` items by detail (e.g. "S3 folder marker"). */
  skippedByDetail: Record<string, number>;
  failed: number;
  failedByStage: Record<FailureStage, number>;
  /** By format of the files that gave records. */
  formats: Partial<Record<RecordsFormat, number>>;
}

export function createTally(): ArchiveTally {
  return {
    filesRead: 0,
    records: 0,
    bytesRead: 0,
    skipped: { digest: 0, 'not-a-log-file': 0 },
    skippedByDetail: {},
    failed: 0,
    failedByStage: { list: 0, read: 0, decode: 0 },
    formats: {},
  };
}

export function addToTally<R>(tally: ArchiveTally, item: ArchiveItem<R>): void {
  switch (item.type) {
    case 'records':
      tally.filesRead++;
      tally.records += item.records.length;
      tally.bytesRead += item.file.size ?? 0;
      tally.formats[item.format] = (tally.formats[item.format] ?? 0) + 1;
      break;
    case 'skipped':
      tally.skipped[item.reason]++;
      tally.skippedByDetail[item.detail] = (tally.skippedByDetail[item.detail] ?? 0) + 1;
      break;
    case 'failed':
      tally.failed++;
      tally.failedByStage[item.stage]++;
      break;
  }
}

/** The rule: 0 when every file was read (skips are fine), 2 when some could not be. */
export function exitStatusOf(tally: ArchiveTally): 0 | 2 {
  return tally.failed > 0 ? 2 : 0;
}
