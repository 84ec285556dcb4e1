/**
 * The key lifecycle through the real CLI, on a data directory alone and through a running server's
 * control socket; the keys it makes and changes used with the AWS SDK; and the server's log output
 * checked for secrets after successful and failed calls.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CloudTrailClient, ListChannelsCommand, LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
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

/** Runs a keys command that must succeed and prints JSON. */
function keysJson<T>(args: string[]): T {
  const r = opentrail(['keys', ...args, '--json']);
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as T;
}

interface KeyInfo {
  accessKeyId: string;
  accountId: string;
  userName: string;
  policy: string;
  status: string;
}

function sdk(url: string, key: Pick<Credentials, 'accessKeyId' | 'secretAccessKey'>): CloudTrailClient {
  return new CloudTrailClient({
    endpoint: url,
    region: 'us-east-1',
    credentials: { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey },
    maxAttempts: 1,
  });
}

async function sdkErrorName(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    return `${(err as Error).name}: ${(err as Error).message}`;
  }
  return 'ok';
}

const POLICY_LOOKUP_ONLY = {
  Version: '2012-10-17',
  Statement: [{ Sid: 'Lookups', Effect: 'Allow', Action: 'cloudtrail:LookupEvents', Resource: '*' }],
};

describe('keys on a data directory with no server', () => {
  it('creates, lists, rotates, deactivates and deletes; guards the last administrator key', () => {
    const dir = tempDir();
    dirs.push(dir);
    const at = ['--data-dir', dir];
    const admin = keysJson<Credentials>(['create', ...at, '--account', '123456789012']);
    const alice = keysJson<Credentials>([
      'create',
      ...at,
      '--account',
      '123456789012',
      '--policy',
      'read-only',
      '--user-name',
      'alice',
    ]);

    const table = opentrail(['keys', 'list', ...at]);
    expect(table.status, table.stderr).toBe(0);
    expect(table.stdout.split('\n')[0]).toMatch(/^account\s+access key\s+user\s+policy\s+status\s+created$/);
    expect(table.stdout).toMatch(new RegExp(`${alice.accessKeyId}\\s+alice\\s+read-only\\s+Active`));
    expect(table.stdout).not.toContain(admin.secretAccessKey);

    // The only administrator key of the first account: refused without --force.
    const refused = opentrail(['keys', 'deactivate', admin.accessKeyId, ...at]);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain(
      `${admin.accessKeyId} is the last active administrator key of account 123456789012`,
    );
    expect(refused.stderr).toContain('--force');

    const rotated = keysJson<{ accessKeyId: string; secretAccessKey: string; previousStatus: string }>([
      'rotate',
      admin.accessKeyId,
      ...at,
      '--deactivate-old',
    ]);
    expect(rotated.previousStatus).toBe('Inactive');
    expect(rotated.secretAccessKey).toHaveLength(40);
    const human = opentrail(['keys', 'activate', admin.accessKeyId, ...at]);
    expect(human.stdout).toBe(`${admin.accessKeyId} is now Active.\n`);
    expect(keysJson<KeyInfo>(['deactivate', admin.accessKeyId, ...at]).status).toBe('Inactive');
    expect(keysJson<KeyInfo>(['delete', admin.accessKeyId, ...at]).accessKeyId).toBe(admin.accessKeyId);

    const last = opentrail(['keys', 'delete', rotated.accessKeyId, ...at]);
    expect(last.status).toBe(1);
    expect(last.stderr).toContain('deleting it leaves no key that can administer it');
    expect(keysJson<KeyInfo>(['delete', rotated.accessKeyId, ...at, '--force']).accessKeyId).toBe(rotated.accessKeyId);
    const missing = opentrail(['keys', 'delete', rotated.accessKeyId, ...at]);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toBe(
      `opentrail: no access key ${rotated.accessKeyId} (opentrail keys list shows the keys)\n`,
    );

    expect(keysJson<KeyInfo[]>(['list', ...at, '--user-name', 'alice'])).toMatchObject([
      { accessKeyId: alice.accessKeyId, policy: 'read-only', status: 'Active' },
    ]);
  });

  it('attaches a policy file, and refuses a malformed one with where and what', () => {
    const dir = tempDir();
    dirs.push(dir);
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*' }] }));
    const r = opentrail(['keys', 'create', '--data-dir', dir, '--account', '123456789012', '--policy-file', bad]);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`opentrail: --policy-file ${bad}: Statement[0]: Policy statement must contain resources.\n`);
    const good = join(dir, 'lookups.json');
    writeFileSync(good, JSON.stringify(POLICY_LOOKUP_ONLY));
    keysJson(['create', '--data-dir', dir, '--account', '123456789012', '--policy-file', good]);
    expect(keysJson<KeyInfo[]>(['list', '--data-dir', dir])).toMatchObject([
      { policy: 'custom:lookups', userName: 'lookups' },
    ]);
  });
});

describe('keys through a running server', () => {
  it('changes take effect at once for SDK clients', async () => {
    const s = await startServer();
    servers.push(s);
    dirs.push(s.dataDir);
    const at = ['--data-dir', s.dataDir];
    const file = join(s.dataDir, 'lookups.json');
    writeFileSync(file, JSON.stringify(POLICY_LOOKUP_ONLY));
    const key = keysJson<Credentials>(['create', ...at, '--account', s.admin.accountId, '--policy-file', file]);
    const client = sdk(s.url, key);
    expect(await sdkErrorName(client.send(new LookupEventsCommand({})))).toBe('ok');
    expect(await sdkErrorName(client.send(new ListChannelsCommand({})))).toMatch(
      /^AccessDeniedException: User: arn:aws:iam::\d{12}:user\/lookups is not authorized to perform: cloudtrail:ListChannels because/,
    );

    expect(keysJson<KeyInfo>(['deactivate', key.accessKeyId, ...at]).status).toBe('Inactive');
    expect(await sdkErrorName(client.send(new LookupEventsCommand({})))).toBe(
      'UnrecognizedClientException: The security token included in the request is invalid.',
    );
    keysJson(['activate', key.accessKeyId, ...at]);
    expect(await sdkErrorName(client.send(new LookupEventsCommand({})))).toBe('ok');

    const rotated = keysJson<Credentials & { policy: string }>(['rotate', key.accessKeyId, ...at, '--deactivate-old']);
    expect(rotated.policy).toBe('custom:lookups');
    expect(await sdkErrorName(sdk(s.url, rotated).send(new LookupEventsCommand({})))).toBe('ok');
    expect(await sdkErrorName(client.send(new LookupEventsCommand({})))).toMatch(/^UnrecognizedClientException/);

    keysJson(['delete', rotated.accessKeyId, ...at]);
    expect(await sdkErrorName(sdk(s.url, rotated).send(new LookupEventsCommand({})))).toMatch(
      /^UnrecognizedClientException/,
    );

    // The bootstrap administrator key is the first account's only one.
    const guarded = opentrail(['keys', 'delete', s.admin.accessKeyId, ...at]);
    expect(guarded.status).toBe(1);
    expect(guarded.stderr).toContain('is the last active administrator key');
    expect(keysJson<KeyInfo[]>(['list', ...at]).map((k) => [k.accessKeyId, k.status])).toEqual([
      [s.admin.accessKeyId, 'Active'],
      [key.accessKeyId, 'Inactive'],
    ]);
  });
});

describe('secrets in the server’s output', () => {
  it('never appear, after successful and failed calls, whatever the log level', async () => {
    const s = await startServer({ args: ['--log-level', 'trace'] });
    servers.push(s);
    dirs.push(s.dataDir);
    const other = keysJson<Credentials>(['create', '--data-dir', s.dataDir, '--account', '210987654321']);
    const inactive = keysJson<Credentials>(['create', '--data-dir', s.dataDir, '--account', '210987654321']);
    keysJson(['deactivate', inactive.accessKeyId, '--data-dir', s.dataDir]);
    const calls: Promise<unknown>[] = [
      signedFetch(`${s.url}/v1/events`, s.admin),
      signedFetch(`${s.url}/v1/events`, other, {
        method: 'POST',
        body: '{"not json',
        headers: { 'content-type': 'application/json' },
      }),
      signedFetch(`${s.url}/v1/events`, { accessKeyId: other.accessKeyId, secretAccessKey: s.admin.secretAccessKey }),
      signedFetch(`${s.url}/v1/events`, inactive),
      signedFetch(`${s.url}/v1/events`, {
        accessKeyId: 'AKIAUNKNOWNKEY000000',
        secretAccessKey: other.secretAccessKey,
      }),
      sdkErrorName(sdk(s.url, other).send(new LookupEventsCommand({ MaxResults: 500 }))),
      sdkErrorName(sdk(s.url, inactive).send(new ListChannelsCommand({}))),
      sdkErrorName(
        sdk(s.url, { ...other, secretAccessKey: inactive.secretAccessKey }).send(new ListChannelsCommand({})),
      ),
    ];
    await Promise.all(calls);
    expect(await s.stop()).toBe(0);
    const out = s.output();
    // The first start prints the administrator's credentials once, on purpose; nothing else may.
    expect(out.split(s.admin.secretAccessKey).length - 1).toBe(1);
    expect(out.indexOf(s.admin.secretAccessKey)).toBeLessThan(out.indexOf('Use them with the AWS CLI'));
    for (const secret of [other.secretAccessKey, inactive.secretAccessKey]) expect(out).not.toContain(secret);
  });
});
