/**
 * `npm run bench`: runs every benchmark several times and writes docs/benchmarks.md with the
 * machine, the dataset, medians, and ratios against baselines measured in the same run.
 * BENCH_IMPORT_EVENTS (default 1,000,000), BENCH_RUNS (default 3) and BENCH_INGEST_REQUESTS
 * (default 2,000 calls of 100 events) scale it.
 */
import { cpus, totalmem } from 'node:os';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { generateArchive, runDuckDbBaseline, runImport } from './import-archive.js';
import { runIngestHttp } from './ingest-http.js';
import { median } from './stats.js';

const ROOT = resolve(import.meta.dirname, '..');
const runs = Number(process.env.BENCH_RUNS ?? 3);
const importEvents = Number(process.env.BENCH_IMPORT_EVENTS ?? 1_000_000);
const ingestRequests = Number(process.env.BENCH_INGEST_REQUESTS ?? 2000);
const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

async function main() {
  const duckdbVersion = (await import('@duckdb/node-api')).version();
  const dataRoot = join(ROOT, '.bench-data');
  mkdirSync(dataRoot, { recursive: true });
  process.stderr.write(`generating a ${fmt(importEvents)}-event archive (cached in .bench-data/)…\n`);
  const archive = generateArchive(dataRoot, importEvents);

  const ingest: Awaited<ReturnType<typeof runIngestHttp>>[] = [];
  for (let i = 0; i < runs; i++) {
    process.stderr.write(`ingest over HTTP, run ${i + 1}/${runs}…\n`);
    ingest.push(await runIngestHttp({ requests: ingestRequests, concurrency: 8 }));
  }
  const imports: Awaited<ReturnType<typeof runImport>>[] = [];
  const baselines: Awaited<ReturnType<typeof runDuckDbBaseline>>[] = [];
  for (let i = 0; i < runs; i++) {
    process.stderr.write(`import, run ${i + 1}/${runs}…\n`);
    imports.push(await runImport(archive.dir));
    process.stderr.write(`DuckDB read_json baseline, run ${i + 1}/${runs}…\n`);
    baselines.push(await runDuckDbBaseline(archive.dir));
  }
  const ingestRate = median(ingest.map((r) => r.eventsPerSecond));
  const importRate = median(imports.map((r) => r.eventsPerSecond));
  const baselineRate = median(baselines.map((r) => r.eventsPerSecond));
  const cpu = cpus();
  const md = `# Benchmarks

Written by \`npm run bench\` (bench/run.ts) on ${new Date().toISOString().slice(0, 10)}. Medians of ${runs} runs.
Never edit by hand: re-run the benchmark.

## Machine

- ${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'}, ${fmt(totalmem() / 2 ** 30, 1)} GiB memory
- Node ${process.version}, DuckDB ${duckdbVersion}, ${process.platform}/${process.arch}

## Ingest over HTTP: \`PutAuditEvents\`

${fmt(ingestRequests)} calls of 100 events (${fmt(ingestRequests * 100)} events, eventData ${fmt(ingest[0]!.avgEventDataBytes)} bytes on
average: an assumed-role API call with resources and TLS details), from 8 concurrent keep-alive
clients in one process, signed beforehand, against \`opentrail serve\` on loopback. Every call is
acknowledged only after its events are committed (group commit, WAL synced).

| run | events/s | p50 call latency | p99 call latency |
|---|---|---|---|
${ingest.map((r, i) => `| ${i + 1} | ${fmt(r.eventsPerSecond)} | ${fmt(r.p50Ms, 1)} ms | ${fmt(r.p99Ms, 1)} ms |`).join('\n')}
| **median** | **${fmt(ingestRate)}** | ${fmt(median(ingest.map((r) => r.p50Ms)), 1)} ms | ${fmt(median(ingest.map((r) => r.p99Ms)), 1)} ms |

Target: ≥ 30,000 events/s.

## Import of a CloudTrail archive: \`opentrail import\`

${fmt(archive.files)} \`.json.gz\` files in the \`AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/\` layout,
${fmt(importEvents)} generated records (${fmt(archive.bytes / 2 ** 20, 1)} MiB gzipped). Each run imports into a new data directory.
The baseline loads the same files with DuckDB's own \`read_json\` into a table of one JSON column per
record (no validation, no normalisation, no idempotency), in the same run.

| run | opentrail import events/s | DuckDB read_json events/s | ratio |
|---|---|---|---|
${imports.map((r, i) => `| ${i + 1} | ${fmt(r.eventsPerSecond)} | ${fmt(baselines[i]!.eventsPerSecond)} | ${fmt(r.eventsPerSecond / baselines[i]!.eventsPerSecond, 2)} |`).join('\n')}
| **median** | **${fmt(importRate)}** | **${fmt(baselineRate)}** | **${fmt(importRate / baselineRate, 2)}** |

Target: ≥ 100,000 events/s.

## Bytes stored per event

After the import and a checkpoint: **${fmt(median(imports.map((r) => r.bytesPerEvent)))} bytes per event** on disk (database file and
WAL), for records of ~1.5 KB of JSON, lookup columns included.
`;
  mkdirSync(join(ROOT, 'docs'), { recursive: true });
  writeFileSync(join(ROOT, 'docs/benchmarks.md'), md);
  process.stdout.write(md);
}

await main();
