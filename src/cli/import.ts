import cliProgress from 'cli-progress';
import {
  importArchives,
  type ImportSink,
  type ImportSummary,
  type LocalImportTarget,
} from '../ingest/import-archives.js';
import type { IngestResult } from '../ingest/ingestor.js';
import { ControlClient } from './control-client.js';
import { openEmbedded, type EmbeddedRuntime } from './runtime.js';
import { renderTable } from './table.js';
import type { ControlIngestRequest } from '../api/control/control-server.js';

export interface ImportCommandOptions {
  dataDir: string;
  account?: string;
  region: string;
  s3Endpoint?: string;
  s3ForcePathStyle?: boolean;
  batchSize?: number;
  /** Decode/normalise threads when this process holds the log (default: one per core but the first). */
  workers?: number;
  json: boolean;
  progress: boolean;
}

/** The account records without one are filed under: --account, else the data directory's first. */
async function defaultAccount(opts: ImportCommandOptions, accounts: () => Promise<string[]>): Promise<string> {
  if (opts.account) return opts.account;
  const list = await accounts();
  if (list[0]) return list[0];
  throw new Error('this data directory has no account yet: pass --account ACCOUNT_ID or start `opentrail serve` once');
}

/** Runs `opentrail import`; returns the exit status (0 all files read, 2 some could not be). */
export async function runImport(paths: string[], opts: ImportCommandOptions): Promise<number> {
  const client = await ControlClient.connect(opts.dataDir);
  let rt: EmbeddedRuntime | undefined;
  let sink: ImportSink | LocalImportTarget;
  let accountId: string;
  if (client) {
    accountId = await defaultAccount(
      opts,
      async () => (await client.call<{ accounts: string[] }>('GET', '/internal/accounts')).accounts,
    );
    sink = async (records) => {
      const body: ControlIngestRequest = { records, accountId, profile: 'archive' };
      return (await client.call<{ results: IngestResult[] }>('POST', '/internal/ingest', body)).results;
    };
  } else {
    const local = await openEmbedded(opts.dataDir, { region: opts.region });
    rt = local;
    accountId = await defaultAccount(opts, () => local.keys.listAccounts());
    await local.keys.ensureAccount(accountId);
    sink = {
      ingestor: local.ingestor,
      context: { accountId, region: opts.region, profile: 'archive', enforceRecipient: false },
      ...(opts.workers ? { workers: opts.workers } : {}),
    };
  }

  const showBar = opts.progress && process.stderr.isTTY;
  const bar = new cliProgress.SingleBar(
    {
      format: 'importing [{bar}] {percentage}% | {value}/{total} files | {events} events | {rate} events/s',
      stream: process.stderr,
      hideCursor: true,
    },
    cliProgress.Presets.shades_classic,
  );
  const started = Date.now();
  try {
    const summary = await importArchives(paths, sink, {
      defaultAccountId: accountId,
      ...(opts.batchSize ? { batchSize: opts.batchSize } : {}),
      s3: {
        ...(opts.s3Endpoint ? { endpoint: opts.s3Endpoint } : {}),
        ...(opts.s3ForcePathStyle ? { forcePathStyle: true } : {}),
      },
      onPlan: (p) => {
        if (showBar) bar.start(p.filesTotal, 0, { events: 0, rate: 0 });
      },
      onProgress: (p) => {
        if (!showBar) return;
        const secs = Math.max((Date.now() - started) / 1000, 0.001);
        bar.update(p.filesDone, { events: p.events, rate: Math.round(p.events / secs) });
      },
    });
    if (showBar) bar.stop();
    process.stdout.write((opts.json ? JSON.stringify(summaryJson(summary), null, 2) : renderSummary(summary)) + '\n');
    return summary.tally.failed > 0 ? 2 : 0;
  } finally {
    if (showBar) bar.stop();
    await rt?.close();
  }
}

function summaryJson(s: ImportSummary) {
  return {
    imported: s.imported,
    duplicates: s.duplicates,
    rejected: s.rejected,
    filesRead: s.tally.filesRead,
    filesSkipped: s.tally.skipped,
    skippedByReason: s.tally.skippedByDetail,
    filesFailed: s.tally.failed,
    failures: s.failures,
    rejections: s.rejections,
    elapsedMs: s.elapsedMs,
    eventsPerSecond: Math.round(((s.imported + s.duplicates + s.rejected) / Math.max(s.elapsedMs, 1)) * 1000),
  };
}

function renderSummary(s: ImportSummary): string {
  const j = summaryJson(s);
  const out = [
    renderTable(
      [
        'imported',
        'duplicates',
        'rejected',
        'files read',
        'digests skipped',
        'other files skipped',
        'files failed',
        'events/s',
      ],
      [
        [
          j.imported,
          j.duplicates,
          j.rejected,
          j.filesRead,
          s.tally.skipped.digest,
          s.tally.skipped['not-a-log-file'],
          j.filesFailed,
          j.eventsPerSecond,
        ],
      ],
    ),
  ];
  if (Object.keys(s.tally.skippedByDetail).length > 0) {
    out.push('', 'Skipped files:', renderTable(['reason', 'files'], Object.entries(s.tally.skippedByDetail)));
  }
  if (s.rejections.length > 0) {
    out.push(
      '',
      'Rejected events:',
      renderTable(
        ['code', 'events', 'message', 'first at'],
        s.rejections.slice(0, 20).map((r) => [r.errorCode, r.count, r.errorMessage.slice(0, 100), r.firstAt]),
      ),
    );
  }
  if (s.failures.length > 0) {
    out.push('', 'Files that could not be read (the import went on without them):');
    for (const f of s.failures.slice(0, 50)) out.push(`  ${f.location}: ${f.message}`);
    if (s.failures.length > 50) out.push(`  … and ${s.failures.length - 50} more`);
  }
  return out.join('\n');
}
