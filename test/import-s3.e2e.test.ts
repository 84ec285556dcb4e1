import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { gzipSync } from 'node:zlib';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { BIN, removeDir, tempDir } from './helpers/server.js';

interface S3rverInstance {
  run(): Promise<{ address: string; port: number }>;
  close(): Promise<void>;
}
type S3rverConstructor = new (options: {
  address: string;
  port: number;
  silent: boolean;
  directory: string;
}) => S3rverInstance;
const S3rver = createRequire(import.meta.url)('s3rver') as S3rverConstructor;

const ACCOUNT = '123456789012';
const S3_ENV = {
  ...process.env,
  AWS_ACCESS_KEY_ID: 'S3RVER',
  AWS_SECRET_ACCESS_KEY: 'S3RVER',
  AWS_REGION: 'us-east-1',
  AWS_CONFIG_FILE: '/dev/null',
  AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
};

/** Runs the CLI without blocking this process, which serves S3 to it. */
function opentrail(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: S3_ENV });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}
let s3: S3rverInstance;
let endpoint: string;
const dirs: string[] = [];

beforeAll(async () => {
  const dir = tempDir('ot-s3-');
  dirs.push(dir);
  s3 = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: dir });
  endpoint = `http://127.0.0.1:${(await s3.run()).port}`;
  const client = new S3Client({
    endpoint,
    forcePathStyle: true,
    region: 'us-east-1',
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
  await client.send(new CreateBucketCommand({ Bucket: 'trail-bucket' }));
  for (let f = 0; f < 3; f++) {
    const records = Array.from({ length: 10 }, (_, i) => ({
      eventVersion: '1.09',
      eventTime: `2025-03-0${f + 1}T10:00:0${i}Z`,
      eventSource: 's3.amazonaws.com',
      eventName: 'PutObject',
      userIdentity: { type: 'IAMUser', userName: 'dave' },
      awsRegion: 'eu-west-1',
      eventID: `00000000-0000-4000-8000-0000000${f}00${i}`,
    }));
    await client.send(
      new PutObjectCommand({
        Bucket: 'trail-bucket',
        Key: `prefix/AWSLogs/${ACCOUNT}/CloudTrail/eu-west-1/2025/03/0${f + 1}/${ACCOUNT}_CloudTrail_eu-west-1_2025030${f + 1}T1000Z_abcdefgh1234567${f}.json.gz`,
        Body: gzipSync(JSON.stringify({ Records: records })),
      }),
    );
  }
});

afterAll(async () => {
  await s3?.close();
  for (const d of dirs) removeDir(d);
});

it('imports s3://bucket/prefix with --s3-endpoint and the standard credential variables', async () => {
  const dataDir = tempDir();
  dirs.push(dataDir);
  const args = ['import', '--data-dir', dataDir, '--account', ACCOUNT, '--s3-endpoint', endpoint];
  const source = 's3://trail-bucket/prefix/AWSLogs/';
  const first = await opentrail([...args, '--s3-force-path-style', '--json', source]);
  expect(first.status, first.stderr).toBe(0);
  expect(JSON.parse(first.stdout)).toMatchObject({
    imported: 30,
    duplicates: 0,
    rejected: 0,
    filesRead: 3,
    filesFailed: 0,
  });
  const second = await opentrail([...args, '--json', source]);
  expect(JSON.parse(second.stdout)).toMatchObject({ imported: 0, duplicates: 30 });
});

it('reports a bucket that does not exist and exits 2', async () => {
  const dataDir = tempDir();
  dirs.push(dataDir);
  const r = await opentrail([
    'import',
    '--data-dir',
    dataDir,
    '--account',
    ACCOUNT,
    '--s3-endpoint',
    endpoint,
    '--json',
    's3://no-such-bucket/AWSLogs/',
  ]);
  expect(r.status).toBe(2);
  const out = JSON.parse(r.stdout) as { failures: { message: string }[] };
  expect(out.failures[0]!.message).toContain('no-such-bucket');
});
