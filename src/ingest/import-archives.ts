import type { NormalizeResult } from '../event/normalize.js';
import type { NormalizedEvent } from '../event/types.js';
import type { Ingestor, IngestResult } from './ingestor.js';
import {
  addToTally,
  createTally,
  planArchives,
  readArchives,
  type ArchiveItem,
  type ArchiveTally,
  type ReadOptions,
  type S3SourceOptions,
} from './archive/index.js';
import { ImportWorkers } from './import-workers/pool.js';
import { stampPathAccount, type PrepareContext } from './import-workers/prepare.js';

/** Where imported records go when another process holds the log: a running server's control socket. */
export type ImportSink = (records: unknown[]) => Promise<IngestResult[]>;

/**
 * This process holds the log: records are decoded and normalised in worker threads and the
 * events appended here, so the main thread does little besides the log's own work.
 */
export interface LocalImportTarget {
  ingestor: Ingestor;
  context: PrepareContext;
  /** Worker threads (default `ImportWorkers.defaultCount()`: one per core but the first). */
  workers?: number;
}

export interface ImportProgress {
  filesDone: number;
  filesTotal: number;
  bytesDone: number;
  bytesTotal: number;
  events: number;
}

export interface RejectionGroup {
  errorCode: string;
  errorMessage: string;
  count: number;
  /** Where the first such event was: file and position in it. */
  firstAt: string;
}

export interface ImportSummary {
  tally: ArchiveTally;
  imported: number;
  duplicates: number;
  rejected: number;
  rejections: RejectionGroup[];
  failures: { location: string; message: string }[];
  elapsedMs: number;
}

export interface ImportOptions {
  /** recipientAccountId for records that name none and whose path names none. */
  defaultAccountId: string;
  s3?: S3SourceOptions;
  /** Events per append (default 10,000: few, large commits). */
  batchSize?: number;
  onPlan?: (p: ImportProgress) => void;
  onProgress?: (p: ImportProgress) => void;
}

/** A batch being filled: one payload per record and where each came from (for rejection reports). */
interface Batch<P> {
  payloads: P[];
  /** Index into `locations` of each record's file. */
  files: number[];
  /** Each record's position in its file. */
  positions: number[];
}

const DEFAULT_BATCH_SIZE = 10_000;

function emptyBatch<P>(): Batch<P> {
  return { payloads: [], files: [], positions: [] };
}

/**
 * `opentrail import`: reads archives, stamps each record with the account its path names (an
 * organisation trail's bucket holds many accounts), and appends in batches, two in flight so
 * reading overlaps writing. A broken file is reported and skipped; the rest goes on.
 *
 * With a `LocalImportTarget`, worker threads decode and normalise (see `ImportWorkers`); with an
 * `ImportSink` (a server holds the log), raw records are sent and the server normalises them.
 */
export async function importArchives(
  paths: string[],
  target: ImportSink | LocalImportTarget,
  opts: ImportOptions,
): Promise<ImportSummary> {
  if (typeof target === 'function') {
    return run<unknown>(
      paths,
      opts,
      {},
      (item) => {
        const account = item.file.layout?.accountId;
        for (const record of item.records) stampPathAccount(record, account);
        return item.records;
      },
      target,
    );
  }
  const workers = new ImportWorkers(target.context, target.workers);
  try {
    return await run<NormalizeResult>(
      paths,
      opts,
      { decoder: workers.decode },
      (item) => item.records,
      (batch) => appendPrepared(target.ingestor, batch),
    );
  } finally {
    await workers.close();
  }
}

/** Appends the valid events of a prepared batch; answers for every record in order. */
async function appendPrepared(ingestor: Ingestor, batch: NormalizeResult[]): Promise<IngestResult[]> {
  const events: NormalizedEvent[] = [];
  for (const r of batch) if (r.ok) events.push(r.event);
  const rejected = batch.length - events.length;
  const appended = await ingestor.appendNormalized(events, Date.now(), rejected);
  if (rejected === 0) return appended;
  let next = 0;
  return batch.map((r) => (r.ok ? appended[next++]! : { ok: false, ...r.error }));
}

async function run<P>(
  paths: string[],
  opts: ImportOptions,
  readOptions: ReadOptions<P>,
  payloadsOf: (item: Extract<ArchiveItem<P>, { type: 'records' }>) => P[],
  send: (payloads: P[]) => Promise<IngestResult[]>,
): Promise<ImportSummary> {
  const started = Date.now();
  const batchSize = opts.batchSize ?? DEFAULT_BATCH_SIZE;
  const plan = await planArchives(paths, opts.s3 ? { s3: opts.s3 } : {});
  const progress: ImportProgress = {
    filesDone: 0,
    filesTotal: plan.filesToRead,
    bytesDone: 0,
    bytesTotal: plan.bytesToRead,
    events: 0,
  };
  opts.onPlan?.({ ...progress });
  const summary: ImportSummary = {
    tally: createTally(),
    imported: 0,
    duplicates: 0,
    rejected: 0,
    rejections: [],
    failures: [],
    elapsedMs: 0,
  };
  const groups = new Map<string, RejectionGroup>();
  const locations: string[] = [];
  let batch = emptyBatch<P>();
  const inFlight = new Set<Promise<void>>();
  // An append that fails (the database, not a record) ends the import with its error.
  let appendError: { error: unknown } | undefined;

  const tallyResults = (items: Batch<P>, results: IngestResult[]) => {
    results.forEach((r, i) => {
      if (r.ok) {
        if (r.status === 'stored') summary.imported++;
        else summary.duplicates++;
        return;
      }
      summary.rejected++;
      const key = `${r.errorCode}\n${r.errorMessage}`;
      const g = groups.get(key);
      if (g) g.count++;
      else {
        const at = `${locations[items.files[i]!]!} record #${items.positions[i]! + 1}`;
        groups.set(key, { errorCode: r.errorCode, errorMessage: r.errorMessage, count: 1, firstAt: at });
      }
    });
    progress.events += results.length;
    opts.onProgress?.({ ...progress });
  };
  const flush = async () => {
    if (batch.payloads.length === 0) return;
    const items = batch;
    batch = emptyBatch<P>();
    // Two appends in flight: one committing while the next one is built.
    while (inFlight.size >= 2) await Promise.race(inFlight);
    if (appendError) throw appendError.error;
    const tracked: Promise<void> = send(items.payloads)
      .then(
        (results) => tallyResults(items, results),
        (error: unknown) => {
          appendError ??= { error };
        },
      )
      .finally(() => inFlight.delete(tracked));
    inFlight.add(tracked);
  };

  for await (const item of readArchives<P>(plan, readOptions)) {
    addToTally(summary.tally, item);
    if (item.type === 'failed') {
      summary.failures.push({ location: item.file.location, message: item.message });
      continue;
    }
    if (item.type !== 'records') continue;
    const file = locations.push(item.file.location) - 1;
    const payloads = payloadsOf(item);
    for (let i = 0; i < payloads.length; i++) {
      batch.payloads.push(payloads[i]!);
      batch.files.push(file);
      batch.positions.push(i);
    }
    progress.filesDone++;
    progress.bytesDone += item.file.size ?? 0;
    if (batch.payloads.length >= batchSize) await flush();
  }
  await flush();
  await Promise.all(inFlight);
  if (appendError) throw appendError.error;
  summary.rejections = [...groups.values()].sort((a, b) => b.count - a.count);
  summary.elapsedMs = Date.now() - started;
  return summary;
}
