/**
 * LookupEvents over a large store: a real `opentrail serve` on the data set of
 * bench/lookup-dataset.ts, the lookup index built at start, and signed LookupEvents calls — one
 * attribute of each kind with a 30-day time range, MaxResults 50, as the AWS CLI sends them —
 * from concurrent keep-alive clients. Every call is recorded by the self-audit, as in
 * production. The baseline, in the same run, is the same queries answered by SQL alone (a scan
 * of the events table, what the store does without its index).
 */
import { Agent, request } from 'node:http';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { DuckDBEventLog } from '../src/log/duckdb/duckdb-event-log.js';
import { EmbeddedDatabase } from '../src/store/duckdb/database.js';
import { DuckDBEventStore } from '../src/store/duckdb/duckdb-event-store.js';
import { LOOKUP_ATTRIBUTE_KEYS, type LookupAttributeKey } from '../src/store/event-store.js';
import { startServer } from '../test/helpers/server.js';
import { BENCH_ACCOUNT, DATASET_SPAN_MS, DATASET_START_MS, type LookupDataset } from './lookup-dataset.js';
import { prng } from './generate.js';
import { processCpuSeconds } from './process-cpu.js';
import { median, percentile } from './stats.js';

export const LOOKUP_KINDS: readonly LookupAttributeKey[] = LOOKUP_ATTRIBUTE_KEYS;

export interface KindFigures {
  key: LookupAttributeKey;
  lookups: number;
  p50Ms: number;
  p99Ms: number;
  /** Median events per answer (pages of at most 50). */
  eventsPerPage: number;
  /** The same kind of query by SQL alone, median ms. */
  sqlMs: number;
}

export interface LookupRun {
  lookupsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** The server's CPU time (all threads) per lookup, self-audit included. */
  serverCpuMsPerLookup: number;
  /** The load generator's CPU time per lookup (it shares the machine's cores with the server). */
  clientCpuMsPerLookup: number;
}

export interface LookupBench {
  events: number;
  indexBuildSeconds: number;
  serverRssMiB: number;
  concurrency: number;
  runs: LookupRun[];
  kinds: KindFigures[];
}

interface Query {
  key: LookupAttributeKey;
  value: string;
  startMs: number;
  endMs: number;
}

/** Values of each kind that the data set holds, read from it. */
async function sampleValues(dataset: LookupDataset): Promise<Record<LookupAttributeKey, string[]>> {
  const db = await EmbeddedDatabase.open(dataset.dir);
  try {
    const col: Record<LookupAttributeKey, string> = {
      EventId: 'event_id',
      EventName: 'event_name',
      ReadOnly: 'CAST(read_only AS VARCHAR)',
      Username: 'username',
      ResourceType: `json_extract_string(trim(resource_types, chr(10)), '$')`,
      ResourceName: `json_extract_string(trim(resource_names, chr(10)), '$')`,
      EventSource: 'event_source',
      AccessKeyId: 'access_key_id',
    };
    const out = {} as Record<LookupAttributeKey, string[]>;
    for (const key of LOOKUP_KINDS) {
      const r = await db.read((c) =>
        c.runAndReadAll(
          `SELECT DISTINCT v FROM (SELECT ${col[key]} AS v FROM events USING SAMPLE 2000 ROWS) WHERE v IS NOT NULL LIMIT 200`,
        ),
      );
      out[key] = r.getRows().map((row) => String(row[0]));
    }
    return out;
  } finally {
    await db.close();
  }
}

function queries(values: Record<LookupAttributeKey, string[]>, perKind: number, seed: number): Query[] {
  const rand = prng(seed);
  const window = 30 * 86_400_000;
  const out: Query[] = [];
  for (let i = 0; i < perKind; i++) {
    for (const key of LOOKUP_KINDS) {
      const vs = values[key];
      const startMs = DATASET_START_MS + Math.floor(rand() * (DATASET_SPAN_MS - window));
      // EventId: the whole span, so the event is found; the others: a 30-day window.
      out.push(
        key === 'EventId'
          ? {
              key,
              value: vs[Math.floor(rand() * vs.length)]!,
              startMs: DATASET_START_MS,
              endMs: DATASET_START_MS + DATASET_SPAN_MS,
            }
          : { key, value: vs[Math.floor(rand() * vs.length)]!, startMs, endMs: startMs + window },
      );
    }
  }
  return out;
}

/** The SQL-only baseline: the same queries through a store without its index. */
async function sqlBaseline(dataset: LookupDataset, qs: Query[]): Promise<Map<LookupAttributeKey, number>> {
  const db = await EmbeddedDatabase.open(dataset.dir);
  const log = await DuckDBEventLog.open(db);
  const store = new DuckDBEventStore(db, log);
  try {
    const times = new Map<LookupAttributeKey, number[]>();
    for (const q of qs) {
      const t0 = performance.now();
      await store.lookup({
        accountId: BENCH_ACCOUNT,
        attributes: [{ key: q.key, value: q.value }],
        startTimeMs: q.startMs,
        endTimeMs: q.endMs,
        limit: 50,
      });
      const list = times.get(q.key) ?? [];
      list.push(performance.now() - t0);
      times.set(q.key, list);
    }
    return new Map([...times].map(([k, v]) => [k, median(v)]));
  } finally {
    await store.close();
    await log.close();
    await db.close();
  }
}

interface Prepared {
  query: Query;
  headers: Record<string, string>;
  body: string;
}

async function sign(port: number, dataset: LookupDataset, qs: Query[]): Promise<Prepared[]> {
  const signer = new SignatureV4({
    service: 'cloudtrail',
    region: 'us-east-1',
    credentials: { accessKeyId: dataset.accessKeyId, secretAccessKey: dataset.secretAccessKey },
    sha256: Sha256,
  });
  const out: Prepared[] = [];
  for (const query of qs) {
    const body = JSON.stringify({
      LookupAttributes: [{ AttributeKey: query.key, AttributeValue: query.value }],
      StartTime: query.startMs / 1000,
      EndTime: query.endMs / 1000,
      MaxResults: 50,
    });
    const signed = await signer.sign({
      method: 'POST',
      protocol: 'http:',
      hostname: '127.0.0.1',
      port,
      path: '/',
      headers: {
        host: `127.0.0.1:${port}`,
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': 'CloudTrail_20131101.LookupEvents',
      },
      body,
    });
    out.push({ query, headers: signed.headers as Record<string, string>, body });
  }
  return out;
}

const EVENT_ID_MEMBER = Buffer.from('"EventId":');

/** How often `needle` occurs in `haystack`. */
function occurrences(haystack: Buffer, needle: Buffer): number {
  let n = 0;
  for (let at = haystack.indexOf(needle); at >= 0; at = haystack.indexOf(needle, at + needle.length)) n++;
  return n;
}

interface Answer {
  ms: number;
  events: number;
}

async function fire(
  port: number,
  prepared: Prepared[],
  concurrency: number,
): Promise<{ seconds: number; answers: Answer[] }> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const answers: Answer[] = new Array(prepared.length);
  let next = 0;
  const send = (i: number) =>
    new Promise<void>((resolve, reject) => {
      const p = prepared[i]!;
      const t0 = performance.now();
      const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/', headers: p.headers, agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
          if (res.statusCode !== 200)
            return reject(new Error(`LookupEvents answered ${res.statusCode}: ${body.toString('utf8', 0, 300)}`));
          // Counted in the bytes, not parsed or decoded: the client shares the machine's two cores
          // with the server under test (decoding and splitting the text cost it ~1 ms a lookup).
          answers[i] = { ms: performance.now() - t0, events: occurrences(body, EVENT_ID_MEMBER) };
          resolve();
        });
      });
      req.on('error', reject);
      req.end(p.body);
    });
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < prepared.length) await send(next++);
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  return { seconds, answers };
}

export async function runLookupBench(
  dataset: LookupDataset,
  options: { perKind: number; runs: number; concurrency: number; progress: (msg: string) => void },
): Promise<LookupBench> {
  const values = await sampleValues(dataset);
  const baselineQueries = queries(values, 5, 99);
  options.progress('  SQL-only baseline…');
  const sqlMs = await sqlBaseline(dataset, baselineQueries);
  options.progress('  starting the server and building the lookup index…');
  const started = performance.now();
  // The default per-key limit (100 requests/s) would throttle the benchmark's one key.
  const server = await startServer({
    dataDir: dataset.dir,
    args: ['--log-level', 'info', '--key-rate', '100000', '--key-burst', '100000'],
  });
  try {
    // The index builds in the background; lookups before it is ready are SQL scans.
    for (;;) {
      if (server.output().includes('lookup index ready')) break;
      if (server.output().includes('lookup index could not be built')) throw new Error(server.output());
      await new Promise((r) => setTimeout(r, 250));
    }
    const indexBuildSeconds = (performance.now() - started) / 1000;
    const runs: LookupRun[] = [];
    const perKind = new Map<LookupAttributeKey, Answer[]>();
    // One unmeasured round warms the page cache, as on a server that has been up for a while.
    await fire(server.port, await sign(server.port, dataset, queries(values, 20, 1)), options.concurrency);
    for (let run = 0; run < options.runs; run++) {
      options.progress(`  lookups, run ${run + 1}/${options.runs}…`);
      const prepared = await sign(server.port, dataset, queries(values, options.perKind, 100 + run));
      const cpuBefore = processCpuSeconds(server.process.pid!);
      const clientBefore = process.cpuUsage();
      const { seconds, answers } = await fire(server.port, prepared, options.concurrency);
      const cpuSeconds = processCpuSeconds(server.process.pid!) - cpuBefore;
      const client = process.cpuUsage(clientBefore);
      runs.push({
        lookupsPerSecond: answers.length / seconds,
        serverCpuMsPerLookup: (cpuSeconds * 1000) / answers.length,
        clientCpuMsPerLookup: (client.user + client.system) / 1000 / answers.length,
        p50Ms: percentile(
          answers.map((a) => a.ms),
          50,
        ),
        p99Ms: percentile(
          answers.map((a) => a.ms),
          99,
        ),
      });
      answers.forEach((a, i) => {
        const key = prepared[i]!.query.key;
        perKind.set(key, [...(perKind.get(key) ?? []), a]);
      });
    }
    const rss = Number(/^VmRSS:\s+(\d+)/m.exec(await readStatus(server.process.pid!))?.[1] ?? 0) / 1024;
    return {
      events: dataset.events,
      indexBuildSeconds,
      serverRssMiB: rss,
      concurrency: options.concurrency,
      runs,
      kinds: LOOKUP_KINDS.map((key) => {
        const a = perKind.get(key) ?? [];
        return {
          key,
          lookups: a.length,
          p50Ms: percentile(
            a.map((x) => x.ms),
            50,
          ),
          p99Ms: percentile(
            a.map((x) => x.ms),
            99,
          ),
          eventsPerPage: median(a.map((x) => x.events)),
          sqlMs: sqlMs.get(key) ?? Number.NaN,
        };
      }),
    };
  } finally {
    await server.stop();
  }
}

async function readStatus(pid: number): Promise<string> {
  const { readFile } = await import('node:fs/promises');
  return readFile(`/proc/${pid}/status`, 'utf8');
}
