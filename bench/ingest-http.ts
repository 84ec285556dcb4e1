/**
 * PutAuditEvents over HTTP: batches of 100 realistic 1–2 KB events from concurrent clients
 * against a real `opentrail serve` process. Requests are signed before the clock starts, so the
 * figure is the server's, not the client's signer.
 */
import { Agent, request } from 'node:http';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { removeDir, startServer } from '../test/helpers/server.js';
import { prng, realisticRecord } from './generate.js';
import { processCpuSeconds, threadCpuTicks } from './process-cpu.js';
import { percentile } from './stats.js';

export interface IngestRun {
  events: number;
  seconds: number;
  eventsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  avgEventDataBytes: number;
  /** The server's CPU time (all threads) per event while the calls ran. */
  serverCpuMicrosPerEvent: number;
}

interface Prepared {
  path: string;
  headers: Record<string, string>;
  body: string;
}

export async function runIngestHttp(options: { requests: number; concurrency: number }): Promise<IngestRun> {
  // The default per-key limit (100 requests/s, burst 200) would throttle the benchmark's one key
  // once ingest passes 10,000 events/s: the limit is a policy, not what this measures.
  const server = await startServer({ args: ['--log-level', 'error', '--key-rate', '100000', '--key-burst', '100000'] });
  try {
    const account = server.admin.accountId;
    const channelArn = `arn:aws:cloudtrail:us-east-1:${account}:channel/default`;
    const signer = new SignatureV4({
      service: 'cloudtrail-data',
      region: 'us-east-1',
      credentials: { accessKeyId: server.admin.accessKeyId, secretAccessKey: server.admin.secretAccessKey },
      sha256: Sha256,
    });
    const rand = prng(42);
    const prepared: Prepared[] = [];
    let dataBytes = 0;
    for (let r = 0; r < options.requests; r++) {
      const auditEvents = Array.from({ length: 100 }, (_, i) => {
        const rec = realisticRecord(rand, account, Date.now() - Math.floor(rand() * 86_400_000));
        const eventData = JSON.stringify({
          version: '1.0',
          userIdentity: {
            type: 'CustomUser',
            principalId: (rec.userIdentity as { principalId: string }).principalId,
            details: rec.userIdentity,
          },
          eventSource: rec.eventSource,
          eventName: rec.eventName,
          eventTime: rec.eventTime,
          UID: `bench-${r}-${i}-${rand()}`,
          sourceIPAddress: rec.sourceIPAddress,
          userAgent: rec.userAgent,
          requestParameters: rec.requestParameters,
          responseElements: rec.responseElements,
          additionalEventData: { tlsDetails: rec.tlsDetails, resources: rec.resources },
        });
        dataBytes += eventData.length;
        return { id: String(i), eventData };
      });
      const body = JSON.stringify({ auditEvents });
      const query = { channelArn };
      const signed = await signer.sign({
        method: 'POST',
        protocol: 'http:',
        hostname: '127.0.0.1',
        port: server.port,
        path: '/PutAuditEvents',
        query,
        headers: { host: `127.0.0.1:${server.port}`, 'content-type': 'application/json' },
        body,
      });
      prepared.push({
        path: `/PutAuditEvents?channelArn=${encodeURIComponent(channelArn)}`,
        headers: signed.headers as Record<string, string>,
        body,
      });
    }
    const agent = new Agent({ keepAlive: true, maxSockets: options.concurrency });
    const latencies: number[] = [];
    let next = 0;
    let failures = 0;
    const send = (p: Prepared) =>
      new Promise<void>((resolve, reject) => {
        const t0 = performance.now();
        const req = request(
          { host: '127.0.0.1', port: server.port, method: 'POST', path: p.path, headers: p.headers, agent },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () => {
              latencies.push(performance.now() - t0);
              const out = JSON.parse(Buffer.concat(chunks).toString()) as { successful?: unknown[] };
              if (res.statusCode !== 200 || out.successful?.length !== 100) failures++;
              resolve();
            });
          },
        );
        req.on('error', reject);
        req.end(p.body);
      });
    const serverCpu = () => processCpuSeconds(server.process.pid!);
    const cpuBefore = serverCpu();
    const threadsBefore = threadCpuTicks(server.process.pid!);
    const started = performance.now();
    await Promise.all(
      Array.from({ length: options.concurrency }, async () => {
        while (next < prepared.length) await send(prepared[next++]!);
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    agent.destroy();
    const serverCpuSeconds = serverCpu() - cpuBefore;
    // BENCH_THREADS=1 prints where the server's CPU went, by thread name (main, libuv pool, DuckDB).
    if (process.env.BENCH_THREADS) {
      const after = threadCpuTicks(server.process.pid!);
      const lines = [...after]
        .map(([name, t]) => [name, (t - (threadsBefore.get(name) ?? 0)) / 100] as const)
        .filter(([, sec]) => sec > 0)
        .map(([name, sec]) => `${name} ${sec.toFixed(2)}s`);
      process.stderr.write(`server threads: ${lines.join(', ')}\n`);
    }
    if (failures > 0) throw new Error(`${failures} PutAuditEvents calls did not store all 100 events`);
    const events = options.requests * 100;
    return {
      events,
      seconds,
      eventsPerSecond: events / seconds,
      p50Ms: percentile(latencies, 50),
      p99Ms: percentile(latencies, 99),
      avgEventDataBytes: dataBytes / events,
      serverCpuMicrosPerEvent: (serverCpuSeconds * 1e6) / events,
    };
  } finally {
    await server.stop();
    removeDir(server.dataDir);
  }
}
