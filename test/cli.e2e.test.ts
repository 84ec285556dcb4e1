import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, removeDir, startServer, tempDir, type Credentials, type RunningServer } from './helpers/server.js';
import { signedFetch } from './helpers/signed-fetch.js';

const dirs: string[] = [];
const servers: RunningServer[] = [];

afterAll(async () => {
  for (const s of servers) if (s.process.exitCode === null) await s.stop();
  for (const d of dirs) removeDir(d);
});

function opentrail(args: string[]) {
  return spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 60_000 });
}

async function server(args: string[] = []): Promise<RunningServer> {
  const s = await startServer({ args });
  servers.push(s);
  dirs.push(s.dataDir);
  return s;
}

const record = (name: string, extra: Record<string, unknown> = {}) => ({
  eventSource: 'cli.example.com',
  eventName: name,
  userIdentity: { type: 'IAMUser', userName: 'carol' },
  ...extra,
});

describe('--help', () => {
  it.each([
    [[]],
    [['serve']],
    [['import']],
    [['keys']],
    [['keys', 'create']],
    [['keys', 'list']],
    [['lookup']],
    [['validate-logs']],
    [['cis']],
    [['channels']],
  ])('opentrail %j --help', (cmd) => {
    const r = opentrail([...cmd, '--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/Usage: opentrail/);
  });

  it('serve --help names the contract options', () => {
    const out = opentrail(['serve', '--help']).stdout;
    for (const o of ['--data-dir', '--port', '--host', '--retention']) expect(out).toContain(o);
  });
});

describe('keys', () => {
  it('creates a key and its account on a data directory with no server, and lists it without the secret', () => {
    const dir = tempDir();
    dirs.push(dir);
    const r = opentrail(['keys', 'create', '--data-dir', dir, '--account', '123456789012', '--json']);
    expect(r.status, r.stderr).toBe(0);
    const key = JSON.parse(r.stdout) as Credentials;
    expect(Object.keys(key).sort()).toEqual(['accessKeyId', 'accountId', 'secretAccessKey']);
    expect(key.accountId).toBe('123456789012');
    expect(key.accessKeyId).toMatch(/^AKIA[A-Z2-7]{16}$/);
    expect(key.secretAccessKey).toHaveLength(40);
    // The database holds secrets: owner-only.
    expect(statSync(join(dir, 'opentrail.duckdb')).mode & 0o777).toBe(0o600);
    const list = opentrail(['keys', 'list', '--data-dir', dir, '--json']);
    const keys = JSON.parse(list.stdout) as Record<string, unknown>[];
    expect(keys).toMatchObject([
      { accessKeyId: key.accessKeyId, accountId: '123456789012', policy: 'administrator', status: 'Active' },
    ]);
    expect(list.stdout).not.toContain(key.secretAccessKey);
  });

  it('refuses a malformed account and an unknown policy with a plain message', () => {
    const dir = tempDir();
    dirs.push(dir);
    const bad = opentrail(['keys', 'create', '--data-dir', dir, '--account', '12345']);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('12-digit account ID');
    const policy = opentrail(['keys', 'create', '--data-dir', dir, '--account', '123456789012', '--policy', 'root']);
    expect(policy.status).not.toBe(0);
    expect(policy.stderr).toContain('administrator, read-only, event-writer');
  });

  it('creates keys through a running server, usable at once', async () => {
    const s = await server();
    const r = opentrail([
      'keys',
      'create',
      '--data-dir',
      s.dataDir,
      '--account',
      '555566667777',
      '--policy',
      'event-writer',
      '--json',
    ]);
    expect(r.status, r.stderr).toBe(0);
    const key = JSON.parse(r.stdout) as Credentials;
    const post = await signedFetch(`${s.url}/v1/events`, key, {
      method: 'POST',
      body: JSON.stringify(record('FromNewKey')),
      headers: { 'content-type': 'application/json' },
    });
    expect(post.status).toBe(200);
    expect((post.json() as { successful: unknown[] }).successful).toHaveLength(1);
  });
});

describe('serve', () => {
  it('drains on SIGTERM: every acknowledged event is there after a restart', async () => {
    const s = await server();
    const acked: string[] = [];
    const sends = Array.from({ length: 20 }, async (_, i) => {
      try {
        const r = await signedFetch(`${s.url}/v1/events`, s.admin, {
          method: 'POST',
          body: JSON.stringify(Array.from({ length: 50 }, (_, j) => record(`Drain${i}-${j}`))),
          headers: { 'content-type': 'application/json' },
        });
        if (r.status === 200)
          acked.push(...(r.json() as { successful: { eventID: string }[] }).successful.map((x) => x.eventID));
      } catch {
        // Refused once the server stopped accepting: not acknowledged.
      }
    });
    await new Promise((r) => setTimeout(r, 50));
    const code = await s.stop();
    await Promise.all(sends);
    expect(code).toBe(0);
    expect(s.output()).toContain('OpenTrail stopped.');
    const again = await startServer({ dataDir: s.dataDir });
    servers.push(again);
    const stored = (
      await signedFetch(`${again.url}/v1/events?limit=1000&eventSource=cli.example.com`, again.admin)
    ).json() as { events: { eventID: string }[] };
    const ids = new Set(stored.events.map((e) => e.eventID));
    expect(acked.filter((id) => !ids.has(id))).toEqual([]);
  });

  it('prunes events older than --retention on its schedule', async () => {
    const s = await server(['--retention', '30d', '--prune-interval', '1s']);
    const old = new Date(Date.now() - 40 * 86_400_000).toISOString();
    const r = await signedFetch(`${s.url}/v1/events`, s.admin, {
      method: 'POST',
      body: JSON.stringify([record('Old', { eventTime: old }), record('Recent')]),
      headers: { 'content-type': 'application/json' },
    });
    expect((r.json() as { successful: unknown[] }).successful).toHaveLength(2);
    let names: string[] = [];
    for (let i = 0; i < 50; i++) {
      await new Promise((res) => setTimeout(res, 200));
      const page = (await signedFetch(`${s.url}/v1/events?eventSource=cli.example.com`, s.admin)).json() as {
        events: { eventName: string }[];
      };
      names = page.events.map((e) => e.eventName);
      if (!names.includes('Old')) break;
    }
    expect(names).toEqual(['Recent']);
  });
});
