/**
 * Real local S3 servers for tests: s3rver (an npm devDependency, in process) and moto_server
 * (Python moto, a child process, when it is on PATH). Both listen on 127.0.0.1 and a free port.
 *
 * Why both: s3rver keeps user metadata but drops the server-side-encryption headers and cannot
 * continue a listing on Node 20 (its ListObjectsV2 continuation token uses DES, which OpenSSL 3
 * no longer offers); moto_server does both, so the full conformance suite runs there.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';

export interface LocalS3 {
  endpoint: string;
  createBucket(bucket: string): Promise<void>;
  /** A client for the server (path style), to look at objects without the sink. */
  client(): S3Client;
  stop(): Promise<void>;
}

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

/** Credentials and region through the SDK's default chain; no shared files, no instance metadata. */
export function useTestCredentials(): () => void {
  const names = [
    'AWS_ACCESS_KEY_ID',
    'AWS_SECRET_ACCESS_KEY',
    'AWS_SESSION_TOKEN',
    'AWS_REGION',
    'AWS_EC2_METADATA_DISABLED',
    'AWS_CONFIG_FILE',
    'AWS_SHARED_CREDENTIALS_FILE',
    'AWS_PROFILE',
    'AWS_ENDPOINT_URL',
    'AWS_ENDPOINT_URL_S3',
  ];
  const saved = new Map(names.map((n) => [n, process.env[n]]));
  for (const n of names) delete process.env[n];
  process.env['AWS_ACCESS_KEY_ID'] = 'S3RVER';
  process.env['AWS_SECRET_ACCESS_KEY'] = 'S3RVER';
  process.env['AWS_REGION'] = 'us-east-1';
  process.env['AWS_EC2_METADATA_DISABLED'] = 'true';
  process.env['AWS_CONFIG_FILE'] = '/nonexistent/opentrail-test-config';
  process.env['AWS_SHARED_CREDENTIALS_FILE'] = '/nonexistent/opentrail-test-credentials';
  return () => {
    for (const [n, v] of saved) {
      if (v === undefined) delete process.env[n];
      else process.env[n] = v;
    }
  };
}

function clientFor(endpoint: string): S3Client {
  return new S3Client({ endpoint, forcePathStyle: true, region: 'us-east-1' });
}

export async function startS3rver(): Promise<LocalS3> {
  const S3rver = createRequire(import.meta.url)('s3rver') as S3rverConstructor;
  const directory = await mkdtemp(join(tmpdir(), 'opentrail-s3rver-'));
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, resetOnClose: true });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  const admin = clientFor(endpoint);
  return {
    endpoint,
    createBucket: async (bucket) => {
      await admin.send(new CreateBucketCommand({ Bucket: bucket }));
    },
    client: () => clientFor(endpoint),
    stop: async () => {
      admin.destroy();
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

export function hasMotoServer(): boolean {
  return spawnSync('moto_server', ['--help'], { stdio: 'ignore' }).status === 0;
}

export async function startMotoServer(): Promise<LocalS3> {
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const child = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const admin = clientFor(endpoint);
  const createBucket = async (bucket: string) => {
    await admin.send(new CreateBucketCommand({ Bucket: bucket }));
  };
  // moto takes a second or two to start; the first bucket doubles as the readiness probe.
  for (let attempt = 0; ; attempt++) {
    try {
      await createBucket('opentrail-moto-ready');
      break;
    } catch (error) {
      if (attempt >= 150 || child.exitCode !== null) {
        child.kill('SIGTERM');
        throw new Error(`moto_server on port ${port} did not start: ${(error as Error).message}`, { cause: error });
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  return {
    endpoint,
    createBucket,
    client: () => clientFor(endpoint),
    stop: async () => {
      admin.destroy();
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
}

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
