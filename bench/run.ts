/**
 * `npm run bench`: runs every benchmark several times and writes docs/benchmarks.md with the
 * machine, the data sets, medians, and ratios against baselines measured in the same run.
 * BENCH_RUNS (default 3), BENCH_IMPORT_EVENTS (1,000,000), BENCH_INGEST_REQUESTS (2,000 calls of
 * 100 events), BENCH_LOOKUP_EVENTS (10,000,000), BENCH_LOOKUPS_PER_KIND (250) scale it;
 * BENCH_ONLY=ingest,import,lookup,delivery,trail-delivery,integrity,patterns,rules,rules-latency
 * runs some sections only (the others
 * are then left out of the page).
 */
import { cpus, totalmem } from 'node:os';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { generateArchive, runDuckDbBaseline, runImport } from './import-archive.js';
import { runIngestHttp } from './ingest-http.js';
import { lookupDataset } from './lookup-dataset.js';
import { runLookupBench } from './lookup.js';
import { runDeliveryBench } from './delivery.js';
import { runIntegrityBench } from './integrity.js';
import { runPatternBench } from './patterns.js';
import { runRulesBench } from './rules.js';
import { runRulesLatencyBench } from './rules-latency.js';
import { runTrailDeliveryBench } from './trail-delivery.js';
import { median } from './stats.js';

const ROOT = resolve(import.meta.dirname, '..');
const runs = Number(process.env.BENCH_RUNS ?? 3);
const importEvents = Number(process.env.BENCH_IMPORT_EVENTS ?? 1_000_000);
const ingestRequests = Number(process.env.BENCH_INGEST_REQUESTS ?? 2000);
const lookupEvents = Number(process.env.BENCH_LOOKUP_EVENTS ?? 10_000_000);
const lookupsPerKind = Number(process.env.BENCH_LOOKUPS_PER_KIND ?? 250);
const only = process.env.BENCH_ONLY ? new Set(process.env.BENCH_ONLY.split(',')) : undefined;
const wanted = (section: string) => !only || only.has(section);
const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const say = (msg: string) => process.stderr.write(msg + '\n');
const dataRoot = join(ROOT, '.bench-data');

async function ingestSection(): Promise<string> {
  const ingest: Awaited<ReturnType<typeof runIngestHttp>>[] = [];
  for (let i = 0; i < runs; i++) {
    say(`ingest over HTTP, run ${i + 1}/${runs}…`);
    ingest.push(await runIngestHttp({ requests: ingestRequests, concurrency: 8 }));
  }
  return `## Ingest over HTTP: \`PutAuditEvents\`

${fmt(ingestRequests)} calls of 100 events (${fmt(ingestRequests * 100)} events, eventData ${fmt(ingest[0]!.avgEventDataBytes)} bytes on
average: an assumed-role API call with resources and TLS details), from 8 concurrent keep-alive
clients in one process on the same machine, signed beforehand, against \`opentrail serve\` on loopback, its per-key
throttle raised (the default, 100 calls/s with a burst of 200, caps one key at 10,000 events/s).
Every call is acknowledged only once its events are synced in the log's segment file (group commit).

| run | events/s | p50 call latency | p99 call latency | server CPU per event |
|---|---|---|---|---|
${ingest.map((r, i) => `| ${i + 1} | ${fmt(r.eventsPerSecond)} | ${fmt(r.p50Ms, 1)} ms | ${fmt(r.p99Ms, 1)} ms | ${fmt(r.serverCpuMicrosPerEvent)} µs |`).join('\n')}
| **median** | **${fmt(median(ingest.map((r) => r.eventsPerSecond)))}** | ${fmt(median(ingest.map((r) => r.p50Ms)), 1)} ms | ${fmt(median(ingest.map((r) => r.p99Ms)), 1)} ms | ${fmt(median(ingest.map((r) => r.serverCpuMicrosPerEvent)))} µs |

Target: ≥ 30,000 events/s.
`;
}

async function importSection(): Promise<string> {
  say(`generating a ${fmt(importEvents)}-event archive (cached in .bench-data/)…`);
  const archive = generateArchive(dataRoot, importEvents);
  const imports: Awaited<ReturnType<typeof runImport>>[] = [];
  const baselines: Awaited<ReturnType<typeof runDuckDbBaseline>>[] = [];
  for (let i = 0; i < runs; i++) {
    say(`import, run ${i + 1}/${runs}…`);
    imports.push(await runImport(archive.dir));
    say(`DuckDB read_json baseline, run ${i + 1}/${runs}…`);
    baselines.push(await runDuckDbBaseline(archive.dir));
  }
  const importRate = median(imports.map((r) => r.eventsPerSecond));
  const baselineRate = median(baselines.map((r) => r.eventsPerSecond));
  return `## Import of a CloudTrail archive: \`opentrail import\`

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

After the import and a checkpoint: **${fmt(median(imports.map((r) => r.bytesPerEvent)))} bytes per event** on disk (database file,
WAL and the log's record segments), for records of ~1.5 KB of JSON, lookup columns and the seq index included.
Each record is stored once, in the segments; DuckDB's rows hold its lookup columns and location.
`;
}

async function lookupSection(): Promise<string> {
  say(`LookupEvents data set of ${fmt(lookupEvents)} events (cached in .bench-data/)…`);
  const dataset = await lookupDataset(join(dataRoot, `lookup-${lookupEvents}`), lookupEvents, say);
  const r = await runLookupBench(dataset, { perKind: lookupsPerKind, runs, concurrency: 8, progress: say });
  const rate = median(r.runs.map((x) => x.lookupsPerSecond));
  return `## \`LookupEvents\` over ${fmt(r.events)} stored events

One account's ${fmt(r.events)} generated records over 90 days, in arrival order (seq follows eventTime), 500 users,
6 event names, one S3 object ARN per event drawn from 10 million. A real \`opentrail serve\` with
the lookup index; signed \`LookupEvents\` calls with one attribute each (values sampled from the data) and a
30-day time range (EventId: the whole span), \`MaxResults\` 50, from ${r.concurrency} concurrent keep-alive clients in one
process on the same machine. Every call is also recorded by the self-audit (the records of read-only calls are
appended together every 20 ms). Building the index at start took
**${fmt(r.indexBuildSeconds, 1)} s** (opening the log included); the server's resident memory after the run was ${fmt(r.serverRssMiB)} MiB.
The baseline is the same kind of query answered by SQL alone (the store without its index), in the same run.

| run | lookups/s | p50 | p99 | server CPU per lookup | client CPU per lookup |
|---|---|---|---|---|---|
${r.runs.map((x, i) => `| ${i + 1} | ${fmt(x.lookupsPerSecond)} | ${fmt(x.p50Ms, 1)} ms | ${fmt(x.p99Ms, 1)} ms | ${fmt(x.serverCpuMsPerLookup, 2)} ms | ${fmt(x.clientCpuMsPerLookup, 2)} ms |`).join('\n')}
| **median** | **${fmt(rate)}** | ${fmt(median(r.runs.map((x) => x.p50Ms)), 1)} ms | ${fmt(median(r.runs.map((x) => x.p99Ms)), 1)} ms | ${fmt(median(r.runs.map((x) => x.serverCpuMsPerLookup)), 2)} ms | ${fmt(median(r.runs.map((x) => x.clientCpuMsPerLookup)), 2)} ms |

| attribute | lookups | events per page | p50 | p99 | SQL alone (median) | speed-up |
|---|---|---|---|---|---|---|
${r.kinds.map((k) => `| ${k.key} | ${fmt(k.lookups)} | ${fmt(k.eventsPerPage)} | ${fmt(k.p50Ms, 1)} ms | ${fmt(k.p99Ms, 1)} ms | ${fmt(k.sqlMs, 1)} ms | ${fmt(k.sqlMs / k.p50Ms, 0)}× |`).join('\n')}

Targets: p99 ≤ 25 ms and ≥ 1,000 lookups/s. AWS documents LookupEvents at 2 requests per second per account
and region; OpenTrail has no such cap (per-key throttling defaults to 100 requests/s, burst 200, and can be raised).
`;
}

async function deliverySection(): Promise<string> {
  const rs: Awaited<ReturnType<typeof runDeliveryBench>>[] = [];
  for (let i = 0; i < runs; i++) {
    say(`trail log-file delivery, run ${i + 1}/${runs}…`);
    rs.push(await runDeliveryBench());
  }
  const r = rs[0]!;
  return `## Trail delivery: gzipped log files

${fmt(r.events)} serialised records (${fmt(r.avgRecordBytes)} bytes on average) into ${fmt(r.files)} CloudTrail log files
(\`{"Records":[…]}\`, gzip, SHA-256 for the digest) written to a directory bucket. The baseline is gzip alone over the
same bytes, in the same run.

| run | events/s | gzip alone events/s | ratio |
|---|---|---|---|
${rs.map((x, i) => `| ${i + 1} | ${fmt(x.eventsPerSecond)} | ${fmt(x.gzipEventsPerSecond)} | ${fmt(x.ratio, 2)} |`).join('\n')}
| **median** | **${fmt(median(rs.map((x) => x.eventsPerSecond)))}** | ${fmt(median(rs.map((x) => x.gzipEventsPerSecond)))} | ${fmt(median(rs.map((x) => x.ratio)), 2)} |

Target (with digests, end to end): ≥ 50,000 events/s.
`;
}

async function integritySection(): Promise<string> {
  const rs: Awaited<ReturnType<typeof runIntegrityBench>>[] = [];
  for (let i = 0; i < runs; i++) {
    say(`validate-logs, run ${i + 1}/${runs}…`);
    rs.push(await runIntegrityBench());
  }
  const r = rs[0]!;
  return `## \`opentrail validate-logs\`

${fmt(r.logFiles)} log files under ${fmt(r.digests)} signed, chained digests (${fmt(r.uncompressedBytes / 1e6)} MB of JSON,
${fmt(r.compressedBytes / 1e6, 1)} MB gzipped) in a directory bucket. The baseline is node:crypto SHA-256 over the same uncompressed
bytes, in the same run.

| run | validate MB/s | SHA-256 MB/s | ratio |
|---|---|---|---|
${rs.map((x, i) => `| ${i + 1} | ${fmt(x.validateMBps)} | ${fmt(x.sha256MBps)} | ${fmt(x.ratio, 2)} |`).join('\n')}
| **median** | **${fmt(median(rs.map((x) => x.validateMBps)))}** | ${fmt(median(rs.map((x) => x.sha256MBps)))} | ${fmt(median(rs.map((x) => x.ratio)), 2)} |
`;
}

async function patternsSection(): Promise<string> {
  const rs: Awaited<ReturnType<typeof runPatternBench>>[] = [];
  for (let i = 0; i < runs; i++) {
    say(`pattern matching, run ${i + 1}/${runs}…`);
    rs.push(await runPatternBench());
  }
  const r = rs[0]!;
  return `## Pattern matching: the CIS pack and 100 rules

${fmt(r.filterPatterns)} CIS filter patterns and ${fmt(r.eventPatterns)} generated EventBridge patterns, every one evaluated against
each of ${fmt(r.records)} real CloudTrail records (fixtures) in turn, on one core.

| run | events/s | pattern evaluations/s |
|---|---|---|
${rs.map((x, i) => `| ${i + 1} | ${fmt(x.eventsPerSecond)} | ${fmt(x.matchesPerSecond)} |`).join('\n')}
| **median** | **${fmt(median(rs.map((x) => x.eventsPerSecond)))}** | ${fmt(median(rs.map((x) => x.matchesPerSecond)))} |

Target: ≥ 100,000 events/s on one core (which needs a rule index rather than evaluating every rule).
`;
}

async function trailDeliverySection(): Promise<string> {
  const rs: Awaited<ReturnType<typeof runTrailDeliveryBench>>[] = [];
  for (let i = 0; i < runs; i++) {
    say(`trail delivery end to end, run ${i + 1}/${runs}…`);
    rs.push(await runTrailDeliveryBench());
  }
  const r = rs[0]!;
  return `## Trail delivery end to end: log → log files → digests

${fmt(r.events)} events already in the embedded log, delivered by the scheduler (read from its cursor, selectors, files per
account and region, gzip and SHA-256, durable directory-bucket puts, cursor commit), then the period's signed digests
(${fmt(r.logFiles)} log files, ${fmt(r.digests)} digests a run).

| run | events/s | delivery s | digests s | cores used | baseline: gzip + SHA-256 only, events/s |
|---|---|---|---|---|---|
${rs.map((x, i) => `| ${i + 1} | ${fmt(x.eventsPerSecond)} | ${fmt(x.deliverySeconds, 2)} | ${fmt(x.digestSeconds, 2)} | ${fmt(x.coresUsed, 2)} | ${fmt(x.baselineEventsPerSecond)} |`).join('\n')}
| **median** | **${fmt(median(rs.map((x) => x.eventsPerSecond)))}** | | | | ${fmt(median(rs.map((x) => x.baselineEventsPerSecond)))} |

Gzip levels over the same file bytes (run 1; AWS does not document its level, delivery uses ${r.gzipLevels[0]!.level}):
${r.gzipLevels.map((g) => `level ${g.level}: ${fmt(g.ratio, 1)}× smaller, ${fmt(g.megabytesPerSecond)} MB/s`).join('; ')} (zlib's default is level 6).

Target: ≥ 50,000 events/s.
`;
}

async function rulesSection(): Promise<string> {
  const rs: Awaited<ReturnType<typeof runRulesBench>>[] = [];
  for (let i = 0; i < runs; i++) {
    say(`rules engine, run ${i + 1}/${runs}…`);
    rs.push(await runRulesBench());
  }
  const r = rs[0]!;
  return `## Rules engine: the CIS pack and 100 rules, with the rule index

${fmt(r.filterPatterns)} CIS filter patterns and ${fmt(r.rules)} EventBridge rules (${fmt(r.indexedRules)} of them indexed by event name, source or
detail-type) over ${fmt(r.records)} real CloudTrail records, on one core. The baseline evaluates every rule on every event, in
the same run.

| run | events/s (index) | events/s (every rule) | ratio |
|---|---|---|---|
${rs.map((x, i) => `| ${i + 1} | ${fmt(x.eventsPerSecond)} | ${fmt(x.allRulesEventsPerSecond)} | ${fmt(x.eventsPerSecond / x.allRulesEventsPerSecond, 1)} |`).join('\n')}
| **median** | **${fmt(median(rs.map((x) => x.eventsPerSecond)))}** | ${fmt(median(rs.map((x) => x.allRulesEventsPerSecond)))} | |

Target: ≥ 100,000 events/s on one core.
`;
}

async function rulesLatencySection(): Promise<string> {
  const rs: Awaited<ReturnType<typeof runRulesLatencyBench>>[] = [];
  for (let i = 0; i < runs; i++) {
    say(`ingest → rule → webhook latency, run ${i + 1}/${runs}…`);
    rs.push(await runRulesLatencyBench());
  }
  const r = rs[0]!;
  return `## Detect and respond: ingest → rule → webhook latency

Events ingested at ${fmt(r.ratePerSecond)}/s for ${fmt(r.seconds)} s into a real embedded database, matched by the rules consumer (CIS-like rule
plus 100 generated rules) and posted by the notify dispatcher (256 deliveries in flight; \`serve\`'s default is 8) to an
HTTP receiver in another process on the same machine (1 event in 20 matches: 500 webhooks/s, to one API destination
configured for 2,000 invocations/s: at the default 300/s its token bucket would queue the surplus). Ingest, consumer
and dispatcher share one event loop, as in \`opentrail serve\`.

| run | ingested | delivered | p50 | p99 | p99 from acknowledgement |
|---|---|---|---|---|---|
${rs.map((x, i) => `| ${i + 1} | ${fmt(x.ingested)} | ${fmt(x.delivered)} | ${fmt(x.p50Ms)} ms | ${fmt(x.p99Ms)} ms | ${fmt(x.fromAckP99Ms)} ms |`).join('\n')}
| **median** | | | ${fmt(median(rs.map((x) => x.p50Ms)))} ms | **${fmt(median(rs.map((x) => x.p99Ms)))} ms** | ${fmt(median(rs.map((x) => x.fromAckP99Ms)))} ms |

Target: p99 ≤ 1 s under 10,000 events/s.
`;
}

async function main() {
  const duckdbVersion = (await import('@duckdb/node-api')).version();
  mkdirSync(dataRoot, { recursive: true });
  const sections: [string, () => Promise<string>][] = [
    ['ingest', ingestSection],
    ['import', importSection],
    ['lookup', lookupSection],
    ['delivery', deliverySection],
    ['trail-delivery', trailDeliverySection],
    ['integrity', integritySection],
    ['patterns', patternsSection],
    ['rules', rulesSection],
    ['rules-latency', rulesLatencySection],
  ];
  const parts: string[] = [];
  for (const [name, section] of sections) {
    if (!wanted(name)) continue;
    try {
      parts.push(await section());
    } catch (err) {
      say(`${name} failed: ${(err as Error).stack ?? String(err)}`);
      process.exitCode = 1;
      parts.push(`## ${name}\n\nThis section failed in this run: ${String((err as Error).message).slice(0, 300)}\n`);
    }
    // The page is rewritten after each section, so a long run that stops keeps what it measured.
    writePage(duckdbVersion, parts);
  }
}

function writePage(duckdbVersion: string, parts: string[]): void {
  const cpu = cpus();
  const md = `# Benchmarks

Written by \`npm run bench\` (bench/run.ts) on ${new Date().toISOString().slice(0, 10)}. Medians of ${runs} runs.
Never edit by hand: re-run the benchmark.

## Machine

- ${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'}, ${fmt(totalmem() / 2 ** 30, 1)} GiB memory
- Node ${process.version}, DuckDB ${duckdbVersion}, ${process.platform}/${process.arch}

${parts.join('\n')}`;
  mkdirSync(join(ROOT, 'docs'), { recursive: true });
  writeFileSync(join(ROOT, 'docs/benchmarks.md'), md);
}

await main();
