import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BIN,
  FIXTURES,
  removeDir,
  startServer,
  tempDir,
  type Credentials,
  type RunningServer,
} from './helpers/server.js';
import { signedFetch } from './helpers/signed-fetch.js';

const ACCOUNT = '111122223333';
const ORG_ACCOUNT = '444455556666';
let root: string;
let dataDir: string;
let server: RunningServer | undefined;

function write(path: string, data: string | Buffer): void {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), data);
}

function opentrail(args: string[]) {
  return spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 120_000 });
}

interface Summary {
  imported: number;
  duplicates: number;
  rejected: number;
  filesRead: number;
  filesSkipped: { digest: number; 'not-a-log-file': number };
  filesFailed: number;
  failures: { location: string; message: string }[];
  rejections: { errorCode: string; count: number }[];
}

// The real Stratus Red Team records (310, in 35 files) laid out as a trail's bucket.
const stratus = readdirSync(join(FIXTURES, 'stratus-red-team-detonation-logs'))
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map(
    (f) =>
      JSON.parse(readFileSync(join(FIXTURES, 'stratus-red-team-detonation-logs', f), 'utf8')) as Record<
        string,
        unknown
      >[],
  );
const stratusRecords = stratus.flat();
const stratusIds = new Set(stratusRecords.map((r) => `${r.recipientAccountId as string}/${r.eventID as string}`));
const docs = (
  JSON.parse(readFileSync(join(FIXTURES, 'aws-docs-cloudtrail-examples/records.json'), 'utf8')) as {
    record: Record<string, unknown>;
  }[]
)
  .map((d) => d.record)
  .filter((r) => r.eventID !== undefined && r.recipientAccountId === undefined);

beforeAll(() => {
  root = tempDir('ot-archive-');
  dataDir = tempDir('ot-data-');
  const day = 'AWSLogs/' + ACCOUNT + '/CloudTrail/us-east-1/2024/07/31/';
  stratus.forEach((records, i) => {
    write(
      `${day}${ACCOUNT}_CloudTrail_us-east-1_20240731T13${String(i).padStart(2, '0')}Z_abcdefgh${String(i).padStart(8, '0')}.json.gz`,
      gzipSync(JSON.stringify({ Records: records })),
    );
  });
  // An organisation trail's layout; these records name no recipient, so the path's account counts.
  write(
    `AWSLogs/o-aa111bb222/${ORG_ACCOUNT}/CloudTrail/eu-west-1/2023/01/02/${ORG_ACCOUNT}_CloudTrail_eu-west-1_20230102T0000Z_0000000000000001.json.gz`,
    gzipSync(JSON.stringify({ Records: docs })),
  );
  write(
    `AWSLogs/${ACCOUNT}/CloudTrail-Digest/us-east-1/2024/07/31/${ACCOUNT}_CloudTrail-Digest_us-east-1_t_us-east-1_20240731T140000Z.json.gz`,
    gzipSync(
      JSON.stringify({
        awsAccountId: ACCOUNT,
        digestStartTime: '2024-07-31T13:00:00Z',
        digestEndTime: '2024-07-31T14:00:00Z',
        logFiles: [],
      }),
    ),
  );
  write('README.md', '# my trail export\n');
  write('LICENSE', 'all rights reserved\n');
  const good = gzipSync(JSON.stringify({ Records: [stratusRecords[0]] }));
  write(`broken/truncated.json.gz`, good.subarray(0, Math.floor(good.length / 2)));
  write(
    `broken/corrupt.json.gz`,
    Buffer.concat([Buffer.from([0x1f, 0x8b, 0x08, 0x00]), Buffer.from('definitely not deflate data')]),
  );
});

afterAll(async () => {
  await server?.stop();
  removeDir(root);
  removeDir(dataDir);
});

describe('opentrail import', () => {
  let first: Summary;

  it('imports a real archive tree, skips what is no log, reports broken files and exits 2', () => {
    const r = opentrail(['import', '--data-dir', dataDir, '--account', ACCOUNT, '--json', root]);
    expect(r.status, r.stderr).toBe(2);
    first = JSON.parse(r.stdout) as Summary;
    expect(first.imported).toBe(stratusIds.size + docs.length);
    expect(first.duplicates).toBe(stratusRecords.length - stratusIds.size);
    expect(first.rejected).toBe(0);
    expect(first.filesRead).toBe(stratus.length + 1);
    expect(first.filesSkipped).toEqual({ digest: 1, 'not-a-log-file': 2 });
    expect(first.filesFailed).toBe(2);
    expect(first.failures.map((f) => f.location).sort()).toEqual([
      join(root, 'broken/corrupt.json.gz'),
      join(root, 'broken/truncated.json.gz'),
    ]);
    for (const f of first.failures) expect(f.message).toMatch(/gzip|truncat|unexpected end/i);
  });

  it('stores every event once when the same archive is imported again', () => {
    const r = opentrail(['import', '--data-dir', dataDir, '--account', ACCOUNT, '--json', join(root, 'AWSLogs')]);
    expect(r.status, r.stderr).toBe(0);
    const again = JSON.parse(r.stdout) as Summary;
    expect(again.imported).toBe(0);
    expect(again.duplicates).toBe(stratusRecords.length + docs.length);
  });

  it('prints a readable summary table', () => {
    const r = opentrail(['import', '--data-dir', dataDir, '--account', ACCOUNT, '--no-progress', join(root, 'broken')]);
    expect(r.status).toBe(2);
    expect(r.stdout).toMatch(/imported\s+duplicates\s+rejected/);
    expect(r.stdout).toContain('Files that could not be read');
  });

  it('imports through a running server, and every account sees only its own events', async () => {
    const mine = JSON.parse(
      opentrail(['keys', 'create', '--data-dir', dataDir, '--account', ACCOUNT, '--json']).stdout,
    ) as Credentials;
    const org = JSON.parse(
      opentrail(['keys', 'create', '--data-dir', dataDir, '--account', ORG_ACCOUNT, '--json']).stdout,
    ) as Credentials;
    server = await startServer({ dataDir });
    const extra = join(root, 'extra.json');
    writeFileSync(extra, JSON.stringify([{ ...stratusRecords[0], eventID: '0f0f0f0f-0000-4000-8000-00000000beef' }]));
    const r = opentrail(['import', '--data-dir', dataDir, '--json', extra]);
    expect(r.status, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as Summary).imported).toBe(1);
    const orgEvents = (await signedFetch(`${server.url}/v1/events?limit=1000`, org)).json() as {
      events: Record<string, unknown>[];
    };
    expect(orgEvents.events).toHaveLength(docs.length);
    for (const e of orgEvents.events) expect(e.recipientAccountId).toBe(ORG_ACCOUNT);
    // The Stratus records name their own (randomised) recipient accounts, so --account did not
    // claim them: account 111122223333 sees exactly the records that name it.
    const named = new Set(stratusRecords.filter((e) => e.recipientAccountId === ACCOUNT).map((e) => e.eventID));
    const visible = (await signedFetch(`${server.url}/v1/events?limit=1000`, mine)).json() as {
      events: Record<string, unknown>[];
    };
    expect(visible.events.length).toBe(named.size);
    const theirAccount = stratusRecords[0]!.recipientAccountId as string;
    const theirKey = JSON.parse(
      opentrail(['keys', 'create', '--data-dir', dataDir, '--account', theirAccount, '--json']).stdout,
    ) as Credentials;
    const theirs = (await signedFetch(`${server.url}/v1/events?limit=1000`, theirKey)).json() as {
      events: Record<string, unknown>[];
    };
    const expected = new Set(stratusRecords.filter((e) => e.recipientAccountId === theirAccount).map((e) => e.eventID));
    expected.add('0f0f0f0f-0000-4000-8000-00000000beef');
    expect(new Set(theirs.events.map((e) => e.eventID))).toEqual(expected);
  });
});
