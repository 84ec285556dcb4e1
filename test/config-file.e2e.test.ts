/**
 * `opentrail serve --config FILE` end to end: a real server started with a config file that
 * declares a webhook (connection with its signing secret + API destination, pointing at a real
 * local HTTP receiver), a trail that logs, and the CIS-style rule on StopLogging. A StopLogging
 * call through the AWS SDK is recorded by the self-audit, matches the declared rule, and the
 * receiver gets the event once, signed with the declared secret. A restart with the same file
 * changes only what has drifted from it; a bad file stops serve before it listens.
 */
import { execFile, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CloudTrailClient, GetTrailStatusCommand, StopLoggingCommand } from '@aws-sdk/client-cloudtrail';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpReceiver, type HttpReceiver } from '../src/notify/test-support/http-receiver.js';
import { verifySignature } from '../src/notify/webhook/signature.js';
import { BIN, removeDir, startServer, tempDir } from './helpers/server.js';

const ACCOUNT = '123456789012';
const SECRET = 'config-file-signing-secret-0123456789';

let receiver: HttpReceiver;
const dirs: string[] = [];

function opentrail(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 60_000 }, (err, stdout, stderr) =>
      err ? reject(new Error(`opentrail ${args.join(' ')} failed: ${stderr}`)) : resolve(stdout),
    );
  });
}

function configFile(dir: string, receiverUrl: string): string {
  const file = join(dir, 'opentrail.config.json');
  writeFileSync(
    file,
    JSON.stringify({
      server: { flushInterval: '5s' },
      accounts: [
        {
          accountId: ACCOUNT,
          connections: [{ Name: 'security-hook-connection', AuthorizationType: 'NONE', SigningSecret: SECRET }],
          apiDestinations: [
            {
              Name: 'security-hook',
              ConnectionArn: 'ref:connection/security-hook-connection',
              InvocationEndpoint: `${receiverUrl}/alerts`,
              HttpMethod: 'POST',
            },
          ],
          trails: [{ Name: 'main', S3BucketName: 'audit-logs', StartLogging: true }],
          rules: [
            {
              Name: 'cloudtrail-stopped',
              Description: 'CIS 3.5: CloudTrail configuration changes',
              EventPattern: {
                source: ['aws.cloudtrail'],
                'detail-type': ['AWS API Call via CloudTrail'],
                detail: { eventSource: ['cloudtrail.amazonaws.com'], eventName: ['StopLogging'] },
              },
              Targets: [{ Id: 'security-hook', Arn: 'ref:api-destination/security-hook' }],
            },
          ],
        },
      ],
    }),
  );
  return file;
}

beforeAll(async () => {
  receiver = await startHttpReceiver(() => ({ status: 200 }));
});
afterAll(async () => {
  await receiver?.close();
  for (const d of dirs) removeDir(d);
});

describe('serve --config', () => {
  it('applies the declared webhook and rule before listening; a matching event reaches the webhook, signed', async () => {
    const dataDir = tempDir();
    dirs.push(dataDir);
    // The key of the declared account, made before the first start (no server holds the data yet).
    const key = JSON.parse(
      await opentrail(['keys', 'create', '--account', ACCOUNT, '--json', '--data-dir', dataDir]),
    ) as { accessKeyId: string; secretAccessKey: string };
    const file = configFile(dataDir, receiver.url);

    let server = await startServer({ dataDir, args: ['--config', file] });
    expect(server.output()).toContain(`Applied ${file}: 4 declarations (4 created, 0 updated, 0 unchanged)`);
    const ct = new CloudTrailClient({
      endpoint: server.url,
      region: 'us-east-1',
      credentials: { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey },
      maxAttempts: 1,
    });
    expect((await ct.send(new GetTrailStatusCommand({ Name: 'main' }))).IsLogging).toBe(true);

    await ct.send(new StopLoggingCommand({ Name: 'main' }));
    await receiver.waitFor(1);
    // Anything else that was going to arrive has had time to.
    await new Promise((r) => setTimeout(r, 1000));
    expect(receiver.received).toHaveLength(1);
    const req = receiver.received[0]!;
    expect(req.url).toBe('/alerts');
    expect(verifySignature(SECRET, String(req.headers['x-opentrail-signature']), req.body).valid).toBe(true);
    expect(JSON.parse(req.body)).toMatchObject({
      'detail-type': 'AWS API Call via CloudTrail',
      source: 'aws.cloudtrail',
      account: ACCOUNT,
      detail: { eventName: 'StopLogging', requestParameters: { name: 'main' } },
    });
    expect(await server.stop()).toBe(0);

    // Same file again: only the trail, stopped through the API, is brought back to the file's StartLogging.
    server = await startServer({ dataDir, args: ['--config', file] });
    expect(server.output()).toContain(`Applied ${file}: 4 declarations (0 created, 1 updated, 3 unchanged)`);
    expect(await server.stop()).toBe(0);
  });

  it('a bad file stops serve before it listens, naming the file, the JSON path and what was expected', async () => {
    const dataDir = tempDir();
    dirs.push(dataDir);
    const file = join(dataDir, 'opentrail.json');
    // <data-dir>/opentrail.json is read without --config.
    writeFileSync(
      file,
      JSON.stringify({
        accounts: [{ accountId: ACCOUNT, rules: [{ Name: 'r', EventPattern: { source: 'aws.cloudtrail' } }] }],
      }),
    );
    const child = spawn(process.execPath, [BIN, 'serve', '--data-dir', dataDir, '--port', '0', '--log-level', 'warn'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((r) => child.once('exit', r));
    expect(code).toBe(1);
    expect(out).not.toContain('listening');
    expect(out).toMatch(
      new RegExp(
        `^opentrail: ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: accounts\\[0\\]\\.rules\\[0\\]\\.EventPattern: InvalidEventPatternException: `,
        'm',
      ),
    );
  });
});
