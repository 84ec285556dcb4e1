import type { IngestResult } from './ingestor.js';
import {
  addToTally,
  createTally,
  planArchives,
  readArchives,
  type ArchiveTally,
  type S3SourceOptions,
} from './archive/index.js';

/** Where imported records go: the local log, or a running server's control socket. */
export type ImportSink = (records: unknown[]) => Promise<IngestResult[]>;

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
  /** Events per append (default 5,000). */
  batchSize?: number;
  onPlan?: (p: ImportProgress) => void;
  onProgress?: (p: ImportProgress) => void;
}

interface PendingRecord {
  record: unknown;
  at: string;
}

/**
 * `opentrail import`: reads archives, stamps each record with the account its path names (an
 * organisation trail's bucket holds many accounts), and appends in batches, two in flight so
 * reading overlaps writing. A broken file is reported and skipped; the rest goes on.
 */
export async function importArchives(paths: string[], sink: ImportSink, opts: ImportOptions): Promise<ImportSummary> {
  const started = Date.now();
  const batchSize = opts.batchSize ?? 5000;
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
  let batch: PendingRecord[] = [];
  const inFlight = new Set<Promise<void>>();

  const send = (items: PendingRecord[]): Promise<void> => {
    const p = sink(items.map((i) => i.record)).then((results) => {
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
        else groups.set(key, { errorCode: r.errorCode, errorMessage: r.errorMessage, count: 1, firstAt: items[i]!.at });
      });
      progress.events += results.length;
      opts.onProgress?.({ ...progress });
    });
    const tracked = p.finally(() => inFlight.delete(tracked));
    inFlight.add(tracked);
    return tracked;
  };
  const flush = async () => {
    if (batch.length === 0) return;
    const items = batch;
    batch = [];
    // Two appends in flight: one committing while the next one is built.
    while (inFlight.size >= 2) await Promise.race(inFlight);
    void send(items);
  };

  for await (const item of readArchives(plan)) {
    addToTally(summary.tally, item);
    if (item.type === 'failed') {
      summary.failures.push({ location: item.file.location, message: item.message });
      continue;
    }
    if (item.type !== 'records') continue;
    const account = item.file.layout?.accountId;
    item.records.forEach((record, i) => {
      // Records without a recipient belong to the account the archive path names.
      if (account && typeof record === 'object' && record !== null && !Array.isArray(record)) {
        const r = record as Record<string, unknown>;
        if (r.recipientAccountId === undefined) r.recipientAccountId = account;
      }
      batch.push({ record, at: `${item.file.location} record #${i + 1}` });
    });
    progress.filesDone++;
    progress.bytesDone += item.file.size ?? 0;
    if (batch.length >= batchSize) await flush();
  }
  await flush();
  await Promise.all(inFlight);
  summary.rejections = [...groups.values()].sort((a, b) => b.count - a.count);
  summary.elapsedMs = Date.now() - started;
  return summary;
}
