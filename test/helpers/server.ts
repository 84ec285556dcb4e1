import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');
/** The team's shared fixtures, beside the repository (as on every machine and in CI). */
export const FIXTURES = resolve(ROOT, '../shared/fixtures');
export const BIN = join(ROOT, 'bin/opentrail.js');

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  accountId: string;
}

/** A real `opentrail serve` process on a temporary data directory and a free port. */
export interface RunningServer {
  url: string;
  port: number;
  dataDir: string;
  admin: Credentials;
  process: ChildProcess;
  output: () => string;
  /** SIGTERM and wait for exit. */
  stop(): Promise<number | null>;
  /** SIGKILL and wait for exit. */
  kill(): Promise<void>;
}

export function tempDir(prefix = 'ot-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** Starts the server; resolves once it listens. Reuses `dataDir` when given (restart tests). */
export async function startServer(options: { dataDir?: string; args?: string[] } = {}): Promise<RunningServer> {
  const dataDir = options.dataDir ?? tempDir();
  // OPENTRAIL_NODE_ARGS lets a profiling run pass e.g. --cpu-prof to the server.
  const nodeArgs = (process.env.OPENTRAIL_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(
    process.execPath,
    [...nodeArgs, BIN, 'serve', '--data-dir', dataDir, '--port', '0', '--log-level', 'warn', ...(options.args ?? [])],
    {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${out}`)), 60_000);
    const check = () => {
      const m = /OpenTrail listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolveUrl(m[1]!);
      }
    };
    child.stdout!.on('data', check);
    void exited.then(() => reject(new Error(`server exited:\n${out}`)));
  });
  const admin = readAdminCredentials(dataDir);
  return {
    url,
    port: Number(new URL(url).port),
    dataDir,
    admin,
    process: child,
    output: () => out,
    async stop() {
      child.kill('SIGTERM');
      return exited;
    },
    async kill() {
      child.kill('SIGKILL');
      await exited;
    },
  };
}

/** The administrator key the first start wrote to <data-dir>/credentials. */
export function readAdminCredentials(dataDir: string): Credentials {
  // A data directory that had accounts before its first `serve` gets no administrator key.
  if (!existsSync(join(dataDir, 'credentials'))) return { accessKeyId: '', secretAccessKey: '', accountId: '' };
  const text = readFileSync(join(dataDir, 'credentials'), 'utf8');
  const accessKeyId = /aws_access_key_id = (\S+)/.exec(text)![1]!;
  const secretAccessKey = /aws_secret_access_key = (\S+)/.exec(text)![1]!;
  const db = /account (\d{12})/.exec(text);
  return { accessKeyId, secretAccessKey, accountId: db ? db[1]! : '' };
}
