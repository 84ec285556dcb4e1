/**
 * `s3://` sources against a real local S3 server: s3rver (from node_modules) on 127.0.0.1, a
 * random port and a temporary directory. The client goes through the SDK's default credential
 * chain (environment variables set below) exactly as `opentrail import` does. Listing across
 * several pages needs moto_server (see below).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, DeleteObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addToTally, createTally, exitStatusOf, planArchives, readArchives, type ArchiveItem } from './reader.js';
import { parseS3Url, resolveS3Settings } from './s3.js';
import { writeArchiveTree, type ExpectedItem } from './testkit.js';

interface S3rverInstance {
  run(): Promise<{ address: string; port: number }>;
  close(): Promise<void>;
}
type S3rverConstructor = new (options: {
  address: string;
  port: number;
  silent: boolean;
  directory: string;
  resetOnClose?: boolean;
}) => S3rverInstance;

const S3rver = createRequire(import.meta.url)('s3rver') as S3rverConstructor;

const BUCKET = 'opentrail-archive-test';
const MANY = 1002; // more than one ListObjectsV2 page (1000 keys)

const ENV_KEYS = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_REGION',
  'AWS_EC2_METADATA_DISABLED',
  'AWS_CONFIG_FILE',
  'AWS_SHARED_CREDENTIALS_FILE',
  'AWS_PROFILE',
  'AWS_ENDPOINT_URL',
  'AWS_ENDPOINT_URL_S3',
  'AWS_S3_FORCE_PATH_STYLE',
] as const;
const savedEnv = new Map(ENV_KEYS.map((key) => [key, process.env[key]]));

afterAll(() => {
  for (const [key, value] of savedEnv) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
});

function setTestCredentials(): void {
  // Credentials and region through the default chain; no shared config files, no IMDS.
  process.env['AWS_ACCESS_KEY_ID'] = 'S3RVER';
  process.env['AWS_SECRET_ACCESS_KEY'] = 'S3RVER';
  process.env['AWS_REGION'] = 'us-east-1';
  process.env['AWS_EC2_METADATA_DISABLED'] = 'true';
  process.env['AWS_CONFIG_FILE'] = '/nonexistent/opentrail-test-config';
  process.env['AWS_SHARED_CREDENTIALS_FILE'] = '/nonexistent/opentrail-test-credentials';
  delete process.env['AWS_PROFILE'];
  delete process.env['AWS_ENDPOINT_URL'];
  delete process.env['AWS_ENDPOINT_URL_S3'];
  delete process.env['AWS_S3_FORCE_PATH_STYLE'];
}

async function putAll(client: S3Client, bucket: string, uploads: { Key: string; Body: Buffer }[]): Promise<void> {
  for (let i = 0; i < uploads.length; i += 32) {
    await Promise.all(
      uploads
        .slice(i, i + 32)
        .map((u) => client.send(new PutObjectCommand({ Bucket: bucket, Key: u.Key, Body: u.Body }))),
    );
  }
}

let server: S3rverInstance;
let dataDir: string;
let treeDir: string;
let endpoint: string;
let expected: ExpectedItem[];

beforeAll(async () => {
  setTestCredentials();
  dataDir = await mkdtemp(join(tmpdir(), 'opentrail-s3rver-'));
  treeDir = await mkdtemp(join(tmpdir(), 'opentrail-s3tree-'));
  server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: dataDir, resetOnClose: true });
  const { port } = await server.run();
  endpoint = `http://127.0.0.1:${port}`;

  const client = new S3Client({ endpoint, forcePathStyle: true, region: 'us-east-1' });
  await client.send(new CreateBucketCommand({ Bucket: BUCKET }));
  const tree = await writeArchiveTree(treeDir);
  expected = tree.expected;
  // The whole tree, under a bucket prefix, plus a folder marker object.
  const uploads = [...tree.files].map(([rel, body]) => ({ Key: `trail-bucket/${rel}`, Body: body }));
  uploads.push({ Key: 'trail-bucket/AWSLogs/111122223333/CloudTrail/', Body: Buffer.alloc(0) });
  uploads.push({
    Key: 'many/AWSLogs/111122223333/CloudTrail/us-east-1/2024/08/01/f00000.json',
    Body: Buffer.from(JSON.stringify({ Records: [{ eventID: '0' }] })),
  });
  await putAll(client, BUCKET, uploads);
  client.destroy();
});

afterAll(async () => {
  await server?.close();
  await rm(dataDir, { recursive: true, force: true });
  await rm(treeDir, { recursive: true, force: true });
});

async function collect(items: AsyncIterable<ArchiveItem>): Promise<ArchiveItem[]> {
  const all: ArchiveItem[] = [];
  for await (const item of items) all.push(item);
  return all;
}

describe('s3:// sources', () => {
  it('reads an AWSLogs tree from a bucket prefix, like the local one', async () => {
    const items = await collect(readArchives([`s3://${BUCKET}/trail-bucket/AWSLogs/`], { s3: { endpoint } }));
    // S3 lists in key order; within AWSLogs/ that is the local walk order, plus the folder marker object.
    const awsLogs = expected.filter((w) => w.rel.startsWith('AWSLogs/'));
    const byLocation = new Map(items.map((i) => [i.file.location, i]));
    expect(items).toHaveLength(awsLogs.length + 1);
    for (const w of awsLogs) {
      const item = byLocation.get(`s3://${BUCKET}/trail-bucket/${w.rel}`);
      expect(item?.type, w.rel).toBe(w.type);
      expect(item?.file.kind, w.rel).toBe(w.kind);
      if (w.type === 'records' && item?.type === 'records') {
        expect(item.records, w.rel).toEqual(w.records);
        expect(item.format).toBe(w.format);
        if (w.layout !== undefined) expect(item.file.layout, w.rel).toEqual(w.layout);
      }
      if (w.type === 'failed' && item?.type === 'failed') expect(item.message, w.rel).toMatch(w.message);
      expect(item?.file.size, w.rel).toBeGreaterThanOrEqual(0);
    }
    expect(byLocation.get(`s3://${BUCKET}/trail-bucket/AWSLogs/111122223333/CloudTrail/`)).toMatchObject({
      type: 'skipped',
      reason: 'not-a-log-file',
      detail: 'S3 folder marker',
    });
    const tally = createTally();
    for (const item of items) addToTally(tally, item);
    expect(tally.records).toBe(awsLogs.reduce((n, w) => n + (w.type === 'records' ? w.records.length : 0), 0));
    expect(tally.failed).toBe(2); // the corrupt and the truncated gzip
    expect(tally.skipped).toEqual({ digest: 1, 'not-a-log-file': 3 });
  });

  it('reads the whole prefix: README, licence and exports too', async () => {
    const items = await collect(readArchives([`s3://${BUCKET}/trail-bucket/`], { s3: { endpoint } }));
    expect(items).toHaveLength(expected.length + 1);
    const readme = items.find((i) => i.file.location.endsWith('/README.md'));
    expect(readme).toMatchObject({ type: 'skipped', reason: 'not-a-log-file' });
    const lookup = items.find((i) => i.file.location.endsWith('/exports/lookup-events.json'));
    expect(lookup).toMatchObject({ type: 'records', format: 'lookup-events' });
  });

  it('takes the endpoint from AWS_ENDPOINT_URL_S3 (path style follows)', async () => {
    process.env['AWS_ENDPOINT_URL_S3'] = endpoint;
    try {
      const items = await collect(readArchives([`s3://${BUCKET}/trail-bucket/exports/event-history.json`]));
      expect(items).toHaveLength(1);
      expect(items[0]).toMatchObject({ type: 'records', format: 'array' });
    } finally {
      delete process.env['AWS_ENDPOINT_URL_S3'];
    }
  });

  it('reports an object deleted between listing and download as a read failure', async () => {
    const key = 'gone/AWSLogs/111122223333/CloudTrail/us-east-1/2024/08/01/x.json';
    const client = new S3Client({ endpoint, forcePathStyle: true, region: 'us-east-1' });
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: '{"Records":[]}' }));
    const plan = await planArchives([`s3://${BUCKET}/gone/`], { s3: { endpoint } });
    await client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: key }));
    client.destroy();
    const items = await collect(readArchives(plan));
    expect(items).toEqual([
      expect.objectContaining({
        type: 'failed',
        stage: 'read',
        message: 'cannot read: download failed: the object no longer exists (NoSuchKey); file skipped',
      }),
    ]);
  });

  it('yields nothing, and no error, for a prefix that matches nothing', async () => {
    const items = await collect(readArchives([`s3://${BUCKET}/no-such-prefix/`], { s3: { endpoint } }));
    expect(items).toEqual([]);
  });

  it('reports a missing bucket as one failed item naming the bucket, then goes on', async () => {
    const items = await collect(
      readArchives(
        [
          `s3://no-such-bucket-opentrail/AWSLogs/`,
          `s3://${BUCKET}/many/AWSLogs/111122223333/CloudTrail/us-east-1/2024/08/01/f00000.json`,
        ],
        {
          s3: { endpoint },
        },
      ),
    );
    expect(items.map((i) => i.type)).toEqual(['failed', 'records']);
    expect(items[0]).toMatchObject({
      type: 'failed',
      stage: 'list',
      message: 'S3 bucket "no-such-bucket-opentrail" does not exist (NoSuchBucket)',
      file: { location: 's3://no-such-bucket-opentrail/AWSLogs/', kind: 'other' },
    });
    const tally = createTally();
    for (const item of items) addToTally(tally, item);
    expect(exitStatusOf(tally)).toBe(2);
  });

  it('reports an unreachable endpoint as a failed item', async () => {
    const items = await collect(readArchives([`s3://${BUCKET}/x/`], { s3: { endpoint: 'http://127.0.0.1:9' } }));
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ type: 'failed', stage: 'list' });
    expect(items[0]?.type === 'failed' && items[0].message).toMatch(
      /^cannot list s3:\/\/opentrail-archive-test\/x\/: .*ECONNREFUSED/,
    );
  });
});

/**
 * Listing more than one page. s3rver cannot do it on Node 20 (its ListObjectsV2 continuation
 * token uses DES, which OpenSSL 3 no longer offers), so this part runs against moto_server when
 * it is on PATH, and is skipped otherwise.
 */
const hasMoto = spawnSync('moto_server', ['--help'], { stdio: 'ignore' }).status === 0;

describe.skipIf(!hasMoto)('s3:// listing across pages (moto_server)', () => {
  let moto: ChildProcess | undefined;
  let motoEndpoint: string;

  beforeAll(async () => {
    setTestCredentials();
    const port = await freePort();
    motoEndpoint = `http://127.0.0.1:${port}`;
    moto = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
    const client = new S3Client({ endpoint: motoEndpoint, forcePathStyle: true, region: 'us-east-1' });
    for (let attempt = 0; ; attempt++) {
      try {
        await client.send(new CreateBucketCommand({ Bucket: BUCKET }));
        break;
      } catch (error) {
        if (attempt > 100) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    const uploads = Array.from({ length: MANY }, (_, i) => ({
      Key: `many/AWSLogs/111122223333/CloudTrail/us-east-1/2024/08/01/f${String(i).padStart(5, '0')}.json`,
      Body: Buffer.from(JSON.stringify({ Records: [{ eventID: String(i) }] })),
    }));
    await putAll(client, BUCKET, uploads);
    client.destroy();
  });

  afterAll(() => {
    moto?.kill('SIGTERM');
  });

  it('pages through more than 1000 objects, in key order', async () => {
    const plan = await planArchives([`s3://${BUCKET}/many/`], { s3: { endpoint: motoEndpoint } });
    expect(plan.errors).toBe(0);
    expect(plan.filesToRead).toBe(MANY);
    const items = await collect(readArchives(plan, { concurrency: 8 }));
    expect(items.map((i) => (i.type === 'records' ? i.records : i.type))).toEqual(
      Array.from({ length: MANY }, (_, i) => [{ eventID: String(i) }]),
    );
    const missing = await collect(readArchives([`s3://no-such-bucket-opentrail/`], { s3: { endpoint: motoEndpoint } }));
    expect(missing).toMatchObject([
      { type: 'failed', message: 'S3 bucket "no-such-bucket-opentrail" does not exist (NoSuchBucket)' },
    ]);
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

describe('S3 settings', () => {
  it('resolves endpoint, path style and region from options, then the environment', () => {
    expect(resolveS3Settings({}, {})).toEqual({
      forcePathStyle: false,
      sources: { endpoint: 'sdk-default', forcePathStyle: 'default' },
    });
    expect(resolveS3Settings({}, { AWS_ENDPOINT_URL: 'http://a:1', AWS_REGION: 'eu-west-1' })).toEqual({
      endpoint: 'http://a:1',
      forcePathStyle: true,
      region: 'eu-west-1',
      sources: { endpoint: 'AWS_ENDPOINT_URL', forcePathStyle: 'custom endpoint' },
    });
    expect(
      resolveS3Settings(
        {},
        { AWS_ENDPOINT_URL: 'http://a:1', AWS_ENDPOINT_URL_S3: 'http://s3:2', AWS_DEFAULT_REGION: 'ap-south-1' },
      ),
    ).toMatchObject({ endpoint: 'http://s3:2', forcePathStyle: true, region: 'ap-south-1' });
    expect(
      resolveS3Settings({}, { AWS_ENDPOINT_URL_S3: 'http://s3:2', AWS_S3_FORCE_PATH_STYLE: 'false' }),
    ).toMatchObject({
      endpoint: 'http://s3:2',
      forcePathStyle: false,
    });
    expect(resolveS3Settings({}, { AWS_S3_FORCE_PATH_STYLE: 'true' })).toMatchObject({ forcePathStyle: true });
    expect(
      resolveS3Settings(
        { endpoint: 'http://flag:3', forcePathStyle: false, region: 'us-west-2' },
        { AWS_ENDPOINT_URL_S3: 'http://s3:2', AWS_S3_FORCE_PATH_STYLE: 'true', AWS_REGION: 'eu-west-1' },
      ),
    ).toMatchObject({ endpoint: 'http://flag:3', forcePathStyle: false, region: 'us-west-2' });
    expect(
      resolveS3Settings({}, { AWS_ENDPOINT_URL_S3: 'http://s3:2', AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'true' }),
    ).toMatchObject({ forcePathStyle: false, sources: { endpoint: 'sdk-default' } });
  });

  it('parses s3:// URLs', () => {
    expect(parseS3Url('s3://bucket')).toEqual({ bucket: 'bucket', prefix: '' });
    expect(parseS3Url('s3://bucket/')).toEqual({ bucket: 'bucket', prefix: '' });
    expect(parseS3Url('s3://bucket/AWSLogs/o-aa111bb222/')).toEqual({
      bucket: 'bucket',
      prefix: 'AWSLogs/o-aa111bb222/',
    });
    expect(parseS3Url('S3://bucket/x')).toEqual({ bucket: 'bucket', prefix: 'x' });
    expect(parseS3Url('s3:///x')).toBeUndefined();
    expect(parseS3Url('/local/path')).toBeUndefined();
  });
});
