import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { copyFixtureScenario, DIGEST_BASICS } from '../integrity/testdata/chain.js';
import { registerValidateLogsCommand } from './validate-logs.js';

const root = mkdtempSync(join(tmpdir(), 'ot-cli-validate-'));
copyFixtureScenario(join(DIGEST_BASICS, 'scenarios/01_valid_chain'), root);
afterAll(() => rmSync(root, { recursive: true, force: true }));
afterEach(() => {
  process.exitCode = undefined;
});

async function run(args: string[]) {
  let stdout = '';
  let stderr = '';
  const program = new Command('opentrail').exitOverride();
  registerValidateLogsCommand(program, {
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
  });
  await program.parseAsync(['node', 'opentrail', 'validate-logs', ...args]);
  return { stdout, stderr, exitCode: process.exitCode };
}

const base = [
  '--trail-arn',
  'arn:aws:cloudtrail:us-east-1:123456789012:trail/heldout-trail',
  '--start-time',
  '2024-08-01T00:00:31Z',
  '--end-time',
  '2024-08-01T03:35:31Z',
];

describe('opentrail validate-logs', () => {
  it('validates a bucket folder with the AWS CLI options; the bucket is named after the folder', async () => {
    const r = await run([
      ...base,
      '--dir',
      join(root, 'heldout-ct-bucket'),
      '--public-keys',
      join(DIGEST_BASICS, 'list_public_keys_response.json'),
    ]);
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toBe('');
    // Not verbose: header and summary only.
    expect(r.stdout).toBe(
      'Validating log files for trail arn:aws:cloudtrail:us-east-1:123456789012:trail/heldout-trail between ' +
        '2024-08-01T00:00:31Z and 2024-08-01T03:35:31Z\n\n' +
        'Results requested for 2024-08-01T00:00:31Z to 2024-08-01T03:35:31Z\n' +
        'Results found for 2024-08-01T00:05:31Z to 2024-08-01T03:05:31Z:\n\n' +
        '3/3 digest files valid\n6/6 log files valid\n',
    );
  });

  it('a wrong --s3-bucket makes every digest "moved" (the bucket is part of what was signed)', async () => {
    const r = await run([
      ...base,
      '--dir',
      join(root, 'heldout-ct-bucket'),
      '--s3-bucket',
      'another-bucket',
      '--public-keys',
      join(DIGEST_BASICS, 'list_public_keys_response.json'),
    ]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('INVALID: has been moved from its original location');
  });

  it('says clearly what is missing or contradictory', async () => {
    await expect(run([...base, '--public-keys', 'x.json'])).rejects.toThrow(/give --dir DIR .* or --s3-endpoint URL/);
    await expect(run([...base, '--dir', root])).rejects.toThrow(/--endpoint-url URL .* or --public-keys FILE/);
    await expect(run([...base, '--dir', root, '--s3-endpoint', 'http://h', '--public-keys', 'x'])).rejects.toThrow(
      /either --dir DIR .* or --s3-endpoint URL .*, not both/,
    );
    await expect(run([...base, '--s3-endpoint', 'http://h', '--public-keys', 'x'])).rejects.toThrow(
      /with --s3-endpoint, give --s3-bucket or --endpoint-url/,
    );
    const r = await run([...base, '--dir', join(root, 'heldout-ct-bucket'), '--public-keys', join(root, 'none.json')]);
    expect(r.exitCode).toBe(255);
    expect(r.stderr).toMatch(/^\ncannot read public keys from .*none\.json/);
  });

  it('reports an API it cannot reach as the AWS CLI reports a failed call: exit 255', async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    await new Promise<void>((r) => server.close(() => r()));
    const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
    process.env.AWS_ACCESS_KEY_ID = 'AKIDEXAMPLE';
    process.env.AWS_SECRET_ACCESS_KEY = 'secret';
    try {
      const r = await run([
        ...base,
        '--dir',
        join(root, 'heldout-ct-bucket'),
        '--endpoint-url',
        `http://127.0.0.1:${port}`,
      ]);
      expect(r.exitCode).toBe(255);
      expect(r.stderr).toBe(`\ncannot reach http://127.0.0.1:${port} for GetTrail (ECONNREFUSED)\n`);
    } finally {
      if (saved.id === undefined) delete process.env.AWS_ACCESS_KEY_ID;
      else process.env.AWS_ACCESS_KEY_ID = saved.id;
      if (saved.secret === undefined) delete process.env.AWS_SECRET_ACCESS_KEY;
      else process.env.AWS_SECRET_ACCESS_KEY = saved.secret;
    }
  });
});
