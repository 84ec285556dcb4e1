/**
 * Organisation and multi-region trails end to end: a real `opentrail serve`, organisations made
 * with `opentrail orgs` through the control socket, the AWS SDK for JavaScript v3 signing for one
 * region or another, and the self-audit records of the member's own calls delivered by the
 * management account's organisation trail under `AWSLogs/o-…/MEMBER/`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  CloudTrailClient,
  CreateTrailCommand,
  DescribeTrailsCommand,
  GetTrailCommand,
  InvalidHomeRegionException,
  InvalidParameterCombinationException,
  NotOrganizationMasterAccountException,
  OrganizationsNotInUseException,
  StartLoggingCommand,
  StopLoggingCommand,
  UpdateTrailCommand,
} from '@aws-sdk/client-cloudtrail';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aws } from './helpers/aws-cli.js';
import { BIN, removeDir, startServer, type Credentials, type RunningServer } from './helpers/server.js';

const MEMBER = '222233334444';
const OUTSIDER = '555566667777';
let server: RunningServer;
let orgId: string;
let management: Credentials;
let member: Credentials;
let outsider: Credentials;
const clients: CloudTrailClient[] = [];

function opentrail(args: string[]): string {
  const r = spawnSync(process.execPath, [BIN, ...args, '--data-dir', server.dataDir], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout;
}

function client(creds: Credentials, region = 'us-east-1'): CloudTrailClient {
  const c = new CloudTrailClient({
    endpoint: server.url,
    region,
    credentials: { accessKeyId: creds.accessKeyId, secretAccessKey: creds.secretAccessKey },
    maxAttempts: 1,
  });
  clients.push(c);
  return c;
}

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('the call succeeded');
}

/** Every stored object below `dir`, as keys relative to it. */
function filesBelow(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return (
    readdirSync(dir, { recursive: true, withFileTypes: true })
      // Objects only: not the metadata beside them, nor a write in progress (its temporary file).
      .filter((e) => e.isFile() && e.name.endsWith('.json.gz') && !e.name.startsWith('.'))
      .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
  );
}

beforeAll(async () => {
  server = await startServer({ args: ['--flush-interval', '1s'] });
  management = server.admin;
  member = JSON.parse(opentrail(['keys', 'create', '--account', MEMBER, '--json'])) as Credentials;
  outsider = JSON.parse(opentrail(['keys', 'create', '--account', OUTSIDER, '--json'])) as Credentials;
  orgId = opentrail(['orgs', 'create', '--management-account', management.accountId]).trim();
  opentrail(['orgs', 'add-account', orgId, MEMBER]);
});

afterAll(async () => {
  for (const c of clients) c.destroy();
  await server?.stop();
  if (server) removeDir(server.dataDir);
});

describe('organisation trails through a running server', () => {
  it('opentrail orgs list --json shows the organisation made through the control socket', () => {
    expect(JSON.parse(opentrail(['orgs', 'list', '--json']))).toEqual([
      expect.objectContaining({
        id: orgId,
        managementAccountId: management.accountId,
        accountIds: [management.accountId, MEMBER],
      }),
    ]);
  });

  it('the AWS CLI reads the organisation through the Organizations API', () => {
    const described = aws(server.url, member, ['organizations', 'describe-organization']);
    expect(described.status, described.stderr).toBe(0);
    expect(described.json()).toMatchObject({
      Organization: { Id: orgId, MasterAccountId: management.accountId, FeatureSet: 'ALL' },
    });
    const listed = aws(server.url, management, ['organizations', 'list-accounts']);
    expect(listed.status, listed.stderr).toBe(0);
    expect((listed.json() as { Accounts: { Id: string }[] }).Accounts.map((a) => a.Id)).toEqual([
      management.accountId,
      MEMBER,
    ]);
    const refused = aws(server.url, outsider, ['organizations', 'describe-organization']);
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toContain('AWSOrganizationsNotInUseException');
  });

  it('only the management account creates one; AWS’s exceptions for the others', async () => {
    const input = { Name: 'org-trail', S3BucketName: 'org-logs', IsOrganizationTrail: true };
    expect(await rejection(client(member).send(new CreateTrailCommand(input)))).toBeInstanceOf(
      NotOrganizationMasterAccountException,
    );
    expect(await rejection(client(outsider).send(new CreateTrailCommand(input)))).toBeInstanceOf(
      OrganizationsNotInUseException,
    );
    expect(
      await rejection(
        client(management).send(
          new CreateTrailCommand({ ...input, IsMultiRegionTrail: true, IncludeGlobalServiceEvents: false }),
        ),
      ),
    ).toBeInstanceOf(InvalidParameterCombinationException);
    const created = await client(management).send(
      new CreateTrailCommand({ ...input, IsMultiRegionTrail: true, EnableLogFileValidation: true }),
    );
    expect(created).toMatchObject({ IsOrganizationTrail: true, IsMultiRegionTrail: true });
    await client(management).send(new StartLoggingCommand({ Name: 'org-trail' }));
  });

  it('the member sees it, as a shadow trail elsewhere, and cannot change it', async () => {
    const arn = `arn:aws:cloudtrail:us-east-1:${management.accountId}:trail/org-trail`;
    const seen = await client(member).send(new DescribeTrailsCommand({}));
    expect(seen.trailList?.map((t) => [t.TrailARN, t.HomeRegion, t.IsOrganizationTrail])).toEqual([
      [arn, 'us-east-1', true],
    ]);
    const west = client(member, 'eu-west-1');
    expect((await west.send(new DescribeTrailsCommand({}))).trailList?.map((t) => t.TrailARN)).toEqual([arn]);
    expect((await west.send(new DescribeTrailsCommand({ includeShadowTrails: false }))).trailList).toEqual([]);
    expect((await client(member).send(new GetTrailCommand({ Name: arn }))).Trail?.Name).toBe('org-trail');
    expect(await rejection(client(member).send(new StopLoggingCommand({ Name: arn })))).toBeInstanceOf(
      NotOrganizationMasterAccountException,
    );
    expect(
      await rejection(client(member).send(new UpdateTrailCommand({ Name: arn, S3KeyPrefix: 'x' }))),
    ).toBeInstanceOf(NotOrganizationMasterAccountException);
    expect(
      await rejection(client(management, 'eu-west-1').send(new StopLoggingCommand({ Name: 'org-trail' }))),
    ).toBeInstanceOf(InvalidHomeRegionException);
    expect((await client(outsider).send(new DescribeTrailsCommand({}))).trailList).toEqual([]);
  });

  it('delivers the member’s own (self-audit) calls under AWSLogs/o-…/MEMBER/, per region', async () => {
    const bucket = join(server.dataDir, 'buckets', 'org-logs');
    const memberFolder = `AWSLogs/${orgId}/${MEMBER}/CloudTrail/`;
    const deadline = Date.now() + 30_000;
    let files: string[] = [];
    while (Date.now() < deadline) {
      files = filesBelow(bucket);
      const regions = new Set(files.filter((f) => f.startsWith(memberFolder)).map((f) => f.split('/')[4]));
      if (regions.has('us-east-1') && regions.has('eu-west-1')) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    const memberFiles = files.filter((f) => f.startsWith(memberFolder));
    expect(new Set(memberFiles.map((f) => f.split('/')[4]))).toEqual(new Set(['us-east-1', 'eu-west-1']));
    for (const f of memberFiles) {
      expect(f).toMatch(
        new RegExp(
          `^AWSLogs/${orgId}/${MEMBER}/CloudTrail/(us-east-1|eu-west-1)/\\d{4}/\\d{2}/\\d{2}/${MEMBER}_CloudTrail_\\1_\\d{8}T\\d{4}Z_[A-Za-z0-9]{16}\\.json\\.gz$`,
        ),
      );
    }
    // The outsider's calls are not the organisation's.
    expect(files.some((f) => f.includes(OUTSIDER))).toBe(false);
  });
});
