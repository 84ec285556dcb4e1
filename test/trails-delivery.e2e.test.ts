/**
 * Trail delivery end to end (issue 4): a real `opentrail serve` delivering to a real local S3
 * server (moto_server), a trail made with the AWS CLI v1, events ingested over the JSON API, and
 * the REAL `aws cloudtrail validate-logs` over the bucket: everything valid, then a changed and a
 * deleted log file reported. `opentrail validate-logs --dir` gives the same verdicts over a copy
 * of the bucket as a folder. A second test SIGKILLs the server while it delivers to a directory
 * bucket: after the restart every acknowledged event is in exactly one log file.
 */
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DirectorySink } from '../src/delivery/index.js';
import {
  hasMotoServer,
  startMotoServer,
  useTestCredentials,
  type LocalS3,
} from '../src/delivery/s3/local-s3-servers.js';
import { aws, awsEnv } from './helpers/aws-cli.js';
import { BIN, removeDir, startServer, tempDir, type RunningServer } from './helpers/server.js';
import { signedFetch } from './helpers/signed-fetch.js';

const BUCKET = 'audit-e2e';
const LOG_KEY =
  /^AWSLogs\/(\d{12})\/CloudTrail\/us-east-1\/\d{4}\/\d{2}\/\d{2}\/\1_CloudTrail_us-east-1_\d{8}T\d{4}Z_[A-Za-z0-9]{16}\.json\.gz$/;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

/** Posts custom records; returns the eventIDs the server acknowledged. */
async function ingest(server: RunningServer, count: number, name: string): Promise<string[]> {
  const records = Array.from({ length: count }, (_, i) => ({
    eventID: randomUUID(),
    eventSource: 'orders.example.com',
    eventName: `${name}${i}`,
    userIdentity: { type: 'IAMUser', userName: 'alice' },
  }));
  const r = await signedFetch(`${server.url}/v1/events`, server.admin, {
    method: 'POST',
    body: JSON.stringify(records),
    headers: { 'content-type': 'application/json' },
  });
  expect(r.status, r.text).toBe(200);
  const out = r.json() as { successful: { eventID: string }[]; failed: unknown[] };
  expect(out.failed).toEqual([]);
  return out.successful.map((s) => s.eventID);
}

interface BucketView {
  /** Log file key → the records' eventIDs. */
  logs: Map<string, string[]>;
  /** Digest key → the log file keys it lists. */
  digests: Map<string, string[]>;
}

function parseObject(key: string, body: Buffer, view: BucketView): void {
  const doc = JSON.parse(gunzipSync(body).toString('utf8')) as {
    Records?: { eventID: string; recipientAccountId: string; awsRegion: string }[];
    logFiles?: { s3Object: string }[];
  };
  if (key.includes('/CloudTrail-Digest/'))
    view.digests.set(
      key,
      doc.logFiles!.map((f) => f.s3Object),
    );
  else
    view.logs.set(
      key,
      doc.Records!.map((r) => r.eventID),
    );
}

/** Every eventID of `ids` is in exactly one log file (and no record anywhere is in two). */
function expectExactlyOnce(view: BucketView, ids: readonly string[]): void {
  const seen = new Map<string, number>();
  for (const records of view.logs.values()) for (const id of records) seen.set(id, (seen.get(id) ?? 0) + 1);
  expect([...seen.values()].filter((n) => n > 1)).toEqual([]);
  expect(ids.filter((id) => seen.get(id) !== 1)).toEqual([]);
}

const hasMoto = hasMotoServer();

describe.skipIf(!hasMoto)(
  `trail delivery to S3 and the real validate-logs${hasMoto ? '' : ' (skipped: moto_server is not on PATH)'}`,
  () => {
    let restoreEnv: () => void;
    let s3: LocalS3;
    let server: RunningServer;
    let dirCopy: string;

    beforeAll(async () => {
      restoreEnv = useTestCredentials(); // the server's S3 client takes them from the environment
      s3 = await startMotoServer();
      await s3.createBucket(BUCKET);
      server = await startServer({
        args: [
          '--flush-interval',
          '1s',
          '--digest-interval',
          '3s',
          '--s3-endpoint',
          s3.endpoint,
          '--s3-force-path-style',
        ],
      });
      dirCopy = tempDir('ot-bucket-copy-');
    }, 120_000);

    afterAll(async () => {
      await server?.stop();
      await s3?.stop();
      restoreEnv?.();
      if (server) removeDir(server.dataDir);
      if (dirCopy) removeDir(dirCopy);
    });

    async function bucketView(): Promise<BucketView> {
      const client = s3.client();
      const view: BucketView = { logs: new Map(), digests: new Map() };
      let token: string | undefined;
      do {
        const page = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, ContinuationToken: token }));
        for (const o of page.Contents ?? []) {
          const obj = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: o.Key! }));
          parseObject(o.Key!, Buffer.from(await obj.Body!.transformToByteArray()), view);
        }
        token = page.NextContinuationToken;
      } while (token);
      client.destroy();
      return view;
    }

    /** The real CLI: CloudTrail calls to our server, S3 calls to moto. */
    function validateWithAws(trailArn: string, start: string, end: string) {
      const r = spawnSync(
        'aws',
        [
          'cloudtrail',
          'validate-logs',
          '--trail-arn',
          trailArn,
          '--start-time',
          start,
          '--end-time',
          end,
          '--verbose',
          '--endpoint-url',
          server.url,
        ],
        { env: { ...awsEnv(server.admin), AWS_ENDPOINT_URL_S3: s3.endpoint }, encoding: 'utf8', timeout: 120_000 },
      );
      return { status: r.status, stdout: r.stdout, stderr: r.stderr };
    }

    function validateWithOpentrail(trailArn: string, start: string, end: string, keysFile: string) {
      const r = spawnSync(
        process.execPath,
        [
          BIN,
          'validate-logs',
          '--trail-arn',
          trailArn,
          '--start-time',
          start,
          '--end-time',
          end,
          '--verbose',
          '--dir',
          join(dirCopy, BUCKET),
          '--public-keys',
          keysFile,
          '--region',
          'us-east-1',
        ],
        { encoding: 'utf8', timeout: 120_000 },
      );
      return { status: r.status, stdout: r.stdout, stderr: r.stderr };
    }

    /** Ours the way the AWS CLI works: the trail and its keys from our API, the bucket on the S3 service. */
    function validateWithOpentrailApi(trailArn: string, start: string, end: string) {
      const r = spawnSync(
        process.execPath,
        [
          BIN,
          'validate-logs',
          '--trail-arn',
          trailArn,
          '--start-time',
          start,
          '--end-time',
          end,
          '--verbose',
          '--endpoint-url',
          server.url,
          '--s3-endpoint',
          s3.endpoint,
          '--s3-force-path-style',
          '--region',
          'us-east-1',
        ],
        { env: { ...awsEnv(server.admin) }, encoding: 'utf8', timeout: 120_000 },
      );
      return { status: r.status, stdout: r.stdout, stderr: r.stderr };
    }

    /** The verdict lines of a report (per digest and per log file), sorted. */
    const verdicts = (r: { stdout: string; stderr: string }) =>
      `${r.stdout}\n${r.stderr}`
        .split('\n')
        .filter((l) => /^(Digest|Log) file\t/.test(l))
        .sort();

    it('delivers every event once, with digests that the AWS CLI validates and that catch tampering', async () => {
      const started = new Date(Date.now() - 60_000).toISOString().slice(0, 19) + 'Z';
      const created = aws(server.url, server.admin, [
        'cloudtrail',
        'create-trail',
        '--name',
        'e2e',
        '--s3-bucket-name',
        BUCKET,
        '--enable-log-file-validation',
      ]);
      expect(created.status, created.stderr).toBe(0);
      const trailArn = (created.json() as { TrailARN: string }).TrailARN;
      const logging = aws(server.url, server.admin, ['cloudtrail', 'start-logging', '--name', 'e2e']);
      expect(logging.status, logging.stderr).toBe(0);

      // Two rounds, more than a flush interval apart, so there are several log files.
      const first = await ingest(server, 25, 'First');
      const firstView = await waitFor('the first events in log files', async () => {
        const v = await bucketView();
        return [...v.logs.values()].flat().filter((id) => first.includes(id)).length === first.length ? v : undefined;
      });
      const second = await ingest(server, 25, 'Second');
      await waitFor('the second events in log files', async () => {
        const v = await bucketView();
        return [...v.logs.values()].flat().filter((id) => second.includes(id)).length === second.length ? v : undefined;
      });
      expect(firstView.logs.size).toBeGreaterThanOrEqual(1);

      await waitFor('an empty digest', async () => {
        const v = await bucketView();
        return [...v.digests.values()].some((files) => files.length === 0) ? true : undefined;
      });
      const stopped = aws(server.url, server.admin, ['cloudtrail', 'stop-logging', '--name', 'e2e']);
      expect(stopped.status, stopped.stderr).toBe(0);
      // The stop writes the final digest: then every log file is listed, and no digest follows.
      const view = await waitFor('every log file listed in a digest', async () => {
        const v = await bucketView();
        const listed = new Set([...v.digests.values()].flat());
        return [...v.logs.keys()].every((k) => listed.has(k)) ? v : undefined;
      });
      await sleep(4_000); // longer than a digest period
      const settled = await bucketView();
      expect([...settled.digests.keys()]).toEqual([...view.digests.keys()]);

      for (const key of view.logs.keys()) expect(key).toMatch(LOG_KEY);
      for (const key of view.logs.keys()) expect(key.split('/')[1]).toBe(server.admin.accountId);
      expectExactlyOnce(view, [...first, ...second]);
      // A period without activity has its digest too (no API calls reach the server while we wait).
      expect([...view.digests.values()].some((files) => files.length === 0)).toBe(true);

      const status = aws(server.url, server.admin, ['cloudtrail', 'get-trail-status', '--name', 'e2e']);
      expect(status.json()).toMatchObject({
        IsLogging: false,
        LatestDeliveryTime: expect.anything(),
        LatestDigestDeliveryTime: expect.anything(),
      });
      expect(status.json()).not.toHaveProperty('LatestDeliveryError');
      expect(status.json()).not.toHaveProperty('LatestDigestDeliveryError');

      const end = new Date(Date.now() + 60_000).toISOString().slice(0, 19) + 'Z';
      const valid = validateWithAws(trailArn, started, end);
      expect(valid.stderr).toBe('');
      expect(valid.status, valid.stdout).toBe(0);
      const digestCount = view.digests.size;
      expect(valid.stdout).toContain(`${digestCount}/${digestCount} digest files valid`);
      expect(valid.stdout).toContain(`${view.logs.size}/${view.logs.size} log files valid`);
      for (const key of view.logs.keys()) expect(valid.stdout).toContain(`Log file\ts3://${BUCKET}/${key}\tvalid`);

      // Change one log file that holds first-round events; delete another.
      const changedKey = [...view.logs.entries()].find(([, ids]) => ids.some((id) => first.includes(id)))![0];
      const deletedKey = [...view.logs.entries()].find(([k, ids]) => k !== changedKey && ids.length > 0)![0];
      const client = s3.client();
      await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: changedKey, Body: gzipSync('{"Records":[]}') }));
      await client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: deletedKey }));
      client.destroy();

      const tampered = validateWithAws(trailArn, started, end);
      expect(tampered.status).toBe(1);
      expect(tampered.stderr).toContain(`Log file\ts3://${BUCKET}/${changedKey}\tINVALID: hash value doesn't match`);
      expect(tampered.stderr).toContain(`Log file\ts3://${BUCKET}/${deletedKey}\tINVALID: not found`);
      expect(tampered.stdout).toContain(
        `${view.logs.size - 2}/${view.logs.size} log files valid, 2/${view.logs.size} log files INVALID`,
      );

      // The same bucket as a folder (objects with their metadata), our own validator, the same verdicts.
      const copy = new DirectorySink({ root: dirCopy, bucket: BUCKET, durable: false });
      const reader = s3.client();
      const listing = await reader.send(new ListObjectsV2Command({ Bucket: BUCKET }));
      for (const o of listing.Contents ?? []) {
        const obj = await reader.send(new GetObjectCommand({ Bucket: BUCKET, Key: o.Key! }));
        await copy.put(o.Key!, Buffer.from(await obj.Body!.transformToByteArray()), {
          ...(obj.Metadata && Object.keys(obj.Metadata).length ? { metadata: obj.Metadata } : {}),
        });
      }
      reader.destroy();
      expect(listing.IsTruncated).toBe(false);
      const keys = aws(server.url, server.admin, ['cloudtrail', 'list-public-keys']);
      expect(keys.status, keys.stderr).toBe(0);
      const keysFile = join(dirCopy, 'public-keys.json');
      writeFileSync(keysFile, keys.stdout);
      const ours = validateWithOpentrail(trailArn, started, end, keysFile);
      expect(ours.status, ours.stderr).toBe(1);
      expect(verdicts(ours)).toEqual(verdicts(tampered));
      expect(verdicts(ours).length).toBe(digestCount + view.logs.size);
      // --endpoint-url (GetTrail, ListPublicKeys) and --s3-endpoint: the same verdicts again, no files copied.
      const viaApi = validateWithOpentrailApi(trailArn, started, end);
      expect(viaApi.status, viaApi.stderr).toBe(1);
      expect(verdicts(viaApi)).toEqual(verdicts(tampered));
    }, 240_000);
  },
);

describe('trail delivery across a SIGKILL in the middle of a delivery', () => {
  let server: RunningServer | undefined;
  let dataDir: string | undefined;

  afterAll(async () => {
    await server?.stop();
    if (dataDir) removeDir(dataDir);
  });

  /** Every log file of the directory bucket, read through the sink (whole objects only). */
  async function folderView(dir: string): Promise<BucketView> {
    const view: BucketView = { logs: new Map(), digests: new Map() };
    if (!existsSync(join(dir, 'buckets', BUCKET))) return view;
    const sink = new DirectorySink({ root: join(dir, 'buckets'), bucket: BUCKET, durable: false });
    for await (const key of sink.list('')) parseObject(key, (await sink.get(key))!.body, view);
    return view;
  }

  it('after the restart, every acknowledged event is in exactly one log file', async () => {
    server = await startServer({ args: ['--flush-interval', '1s'] });
    dataDir = server.dataDir;
    const created = aws(server.url, server.admin, [
      'cloudtrail',
      'create-trail',
      '--name',
      'crash',
      '--s3-bucket-name',
      BUCKET,
      '--enable-log-file-validation',
    ]);
    expect(created.status, created.stderr).toBe(0);
    expect(aws(server.url, server.admin, ['cloudtrail', 'start-logging', '--name', 'crash']).status).toBe(0);

    // Batches keep coming while files are written; the kill lands while delivery is busy.
    const acked: string[] = [];
    let stop = false;
    const load = (async () => {
      while (!stop) {
        try {
          acked.push(...(await ingest(server!, 500, 'Load')));
        } catch {
          return; // the server died under the request
        }
      }
    })();
    const bucketDir = join(dataDir, 'buckets', BUCKET);
    await waitFor('the first log files', async () => {
      if (!existsSync(bucketDir)) return undefined;
      return acked.length >= 3000 &&
        readdirSync(bucketDir, { recursive: true }).some((f) => String(f).endsWith('.json.gz'))
        ? true
        : undefined;
    });
    await server.kill();
    stop = true;
    await load;

    server = await startServer({ dataDir, args: ['--flush-interval', '1s'] });
    const view = await waitFor(
      'every acknowledged event delivered after the restart',
      async () => {
        const v = await folderView(dataDir!);
        const delivered = new Set([...v.logs.values()].flat());
        return acked.every((id) => delivered.has(id)) ? v : undefined;
      },
      120_000,
    );
    expectExactlyOnce(view, acked);
    for (const key of view.logs.keys()) expect(key).toMatch(LOG_KEY);
  }, 240_000);
});

describe('trail delivery at SIGTERM', () => {
  let dataDir: string | undefined;
  let running: RunningServer | undefined;
  afterAll(async () => {
    if (running?.process.exitCode === null) await running.kill();
    if (dataDir) removeDir(dataDir);
  });

  it('writes the buffered events before the server stops, long before the flush interval', async () => {
    const server = (running = await startServer({ args: ['--flush-interval', '1h'] }));
    dataDir = server.dataDir;
    const created = aws(server.url, server.admin, [
      'cloudtrail',
      'create-trail',
      '--name',
      'graceful',
      '--s3-bucket-name',
      BUCKET,
    ]);
    expect(created.status, created.stderr).toBe(0);
    expect(aws(server.url, server.admin, ['cloudtrail', 'start-logging', '--name', 'graceful']).status).toBe(0);
    const ids = await ingest(server, 40, 'Graceful');
    expect(await server.stop()).toBe(0);
    const sink = new DirectorySink({ root: join(dataDir, 'buckets'), bucket: BUCKET, durable: false });
    const view: BucketView = { logs: new Map(), digests: new Map() };
    for await (const key of sink.list('')) parseObject(key, (await sink.get(key))!.body, view);
    expectExactlyOnce(view, ids);
  }, 120_000);
});
