/**
 * The REAL `aws cloudtrail validate-logs` over an organisation trail (issue 4): a running
 * `opentrail serve` delivering to a local S3 server (moto_server), an organisation made with
 * `opentrail orgs`, a member account whose own (self-audited) calls the management account's
 * organisation trail delivers. For an organisation trail the AWS CLI asks AWS Organizations for
 * the organisation id (DescribeOrganization, here through AWS_ENDPOINT_URL_ORGANIZATIONS) and
 * validates the member's digests under `AWSLogs/o-…/MEMBER/CloudTrail-Digest/`.
 */
import { spawnSync } from 'node:child_process';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  hasMotoServer,
  startMotoServer,
  useTestCredentials,
  type LocalS3,
} from '../src/delivery/s3/local-s3-servers.js';
import { aws, awsEnv } from './helpers/aws-cli.js';
import { BIN, removeDir, startServer, type Credentials, type RunningServer } from './helpers/server.js';

const BUCKET = 'org-audit-e2e';
const MEMBER = '222233334444';
const hasMoto = hasMotoServer();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!hasMoto)(
  `validate-logs over an organisation trail${hasMoto ? '' : ' (skipped: moto_server is not on PATH)'}`,
  () => {
    let restoreEnv: () => void;
    let s3: LocalS3;
    let server: RunningServer;
    let member: Credentials;
    let orgId: string;

    function opentrail(args: string[]): string {
      const r = spawnSync(process.execPath, [BIN, ...args, '--data-dir', server.dataDir], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      return r.stdout;
    }

    /** Every key of the bucket under `prefix`. */
    async function keysUnder(prefix: string): Promise<string[]> {
      const client = s3.client();
      try {
        const page = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
        return (page.Contents ?? []).map((o) => o.Key!);
      } finally {
        client.destroy();
      }
    }

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
      member = JSON.parse(opentrail(['keys', 'create', '--account', MEMBER, '--json'])) as Credentials;
      orgId = opentrail(['orgs', 'create', '--management-account', server.admin.accountId]).trim();
      opentrail(['orgs', 'add-account', orgId, MEMBER]);
    }, 120_000);

    afterAll(async () => {
      await server?.stop();
      await s3?.stop();
      restoreEnv?.();
      if (server) removeDir(server.dataDir);
    });

    it('reports the member account’s digests and log files valid', async () => {
      const started = new Date(Date.now() - 60_000).toISOString().slice(0, 19) + 'Z';
      const created = aws(server.url, server.admin, [
        'cloudtrail',
        'create-trail',
        '--name',
        'org-trail',
        '--s3-bucket-name',
        BUCKET,
        '--is-organization-trail',
        '--enable-log-file-validation',
      ]);
      expect(created.status, created.stderr).toBe(0);
      expect(created.json()).toMatchObject({ IsOrganizationTrail: true });
      const trailArn = (created.json() as { TrailARN: string }).TrailARN;
      expect(aws(server.url, server.admin, ['cloudtrail', 'start-logging', '--name', 'org-trail']).status).toBe(0);

      // The member's calls are recorded in its account; the organisation trail delivers them.
      for (let i = 0; i < 3; i++) expect(aws(server.url, member, ['cloudtrail', 'describe-trails']).status).toBe(0);
      const memberLogs = `AWSLogs/${orgId}/${MEMBER}/CloudTrail/us-east-1/`;
      const memberDigests = `AWSLogs/${orgId}/${MEMBER}/CloudTrail-Digest/us-east-1/`;
      const until = Date.now() + 60_000;
      let logs: string[];
      for (;;) {
        logs = await keysUnder(memberLogs);
        const digests = await keysUnder(memberDigests);
        if (logs.length > 0 && digests.length >= 2) break;
        if (Date.now() > until) throw new Error(`no member digests yet: logs ${logs.join(', ')}`);
        await sleep(500);
      }

      const end = new Date(Date.now() + 60_000).toISOString().slice(0, 19) + 'Z';
      const r = spawnSync(
        'aws',
        [
          'cloudtrail',
          'validate-logs',
          '--trail-arn',
          trailArn,
          '--account-id',
          MEMBER,
          '--start-time',
          started,
          '--end-time',
          end,
          '--verbose',
          '--endpoint-url',
          server.url,
        ],
        {
          env: {
            ...awsEnv(server.admin),
            AWS_ENDPOINT_URL_S3: s3.endpoint,
            AWS_ENDPOINT_URL_ORGANIZATIONS: server.url,
          },
          encoding: 'utf8',
          timeout: 120_000,
        },
      );
      expect(r.stderr).toBe('');
      expect(r.status, r.stdout).toBe(0);
      expect(r.stdout).toMatch(/(\d+)\/\1 digest files valid/);
      expect(r.stdout).toMatch(/(\d+)\/\1 log files valid/);
      for (const key of logs) expect(r.stdout).toContain(`Log file\ts3://${BUCKET}/${key}\tvalid`);
      expect(r.stdout).toContain(`s3://${BUCKET}/${memberDigests}`);
    });
  },
);
