/**
 * Test helpers for the archive reader: the shared real fixtures and a real `AWSLogs/...` tree
 * written to a temporary directory. Only imported by `*.test.ts` files.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { RecordsFormat } from './decode.js';

// The team's shared fixtures live beside the repository, on every machine and in CI.
export const FIXTURES_DIR = resolve(import.meta.dirname, '../../../../shared/fixtures');
export const STRATUS_DIR = join(FIXTURES_DIR, 'stratus-red-team-detonation-logs');
export const DOCS_DIR = join(FIXTURES_DIR, 'aws-docs-cloudtrail-examples');

export interface StratusFile {
  name: string;
  records: unknown[];
}

/** The 35 Stratus Red Team files (bare arrays, 310 records), sorted by name. */
export function stratusFiles(): StratusFile[] {
  return readdirSync(STRATUS_DIR)
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((name) => ({ name, records: JSON.parse(readFileSync(join(STRATUS_DIR, name), 'utf8')) as unknown[] }));
}

/** The 23 records quoted in the CloudTrail User Guide (3 of them Insights events). */
export function docsRecords(): Record<string, unknown>[] {
  const entries = JSON.parse(readFileSync(join(DOCS_DIR, 'records.json'), 'utf8')) as {
    record: Record<string, unknown>;
  }[];
  return entries.map((entry) => entry.record);
}

/** The documented digest file example (an hour with one log file). */
export function docsDigest(): Record<string, unknown> {
  const entries = JSON.parse(readFileSync(join(DOCS_DIR, 'digest_examples.json'), 'utf8')) as {
    digest: Record<string, unknown>;
  }[];
  const first = entries[0];
  if (first === undefined) throw new Error('no digest example');
  return first.digest;
}

/** A plausible management event, unique by `i`. */
export function makeRecord(i: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const minute = String(i % 60).padStart(2, '0');
  return {
    eventVersion: '1.09',
    userIdentity: {
      type: 'AssumedRole',
      principalId: `AROAEXAMPLE${i}:session-${i}`,
      arn: `arn:aws:sts::111122223333:assumed-role/Admin/session-${i}`,
      accountId: '111122223333',
      accessKeyId: `ASIAEXAMPLE${String(i).padStart(8, '0')}`,
      sessionContext: {
        sessionIssuer: {
          type: 'Role',
          principalId: 'AROAEXAMPLE',
          arn: 'arn:aws:iam::111122223333:role/Admin',
          accountId: '111122223333',
          userName: 'Admin',
        },
        attributes: { creationDate: '2024-08-01T00:00:00Z', mfaAuthenticated: 'false' },
      },
    },
    eventTime: `2024-08-01T00:${minute}:00Z`,
    eventSource: 's3.amazonaws.com',
    eventName: i % 2 === 0 ? 'GetBucketAcl' : 'ListBuckets',
    awsRegion: 'us-east-1',
    sourceIPAddress: `192.0.2.${i % 250}`,
    userAgent: 'aws-cli/2.17.0 Python/3.11.9 Linux/6.1 exe/x86_64.amzn.2023 — “ünïcödé” ✓',
    requestParameters: { bucketName: `bucket-${i}`, Host: `bucket-${i}.s3.amazonaws.com`, acl: '' },
    responseElements: null,
    requestID: `REQ${String(i).padStart(12, '0')}`,
    eventID: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    readOnly: true,
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: '111122223333',
    eventCategory: 'Management',
    ...extra,
  };
}

export function gzipJson(value: unknown): Buffer {
  return gzipSync(Buffer.from(JSON.stringify(value)));
}

export type ExpectedItem =
  | { rel: string; type: 'records'; format: RecordsFormat; records: unknown[]; kind: string; layout?: object }
  | { rel: string; type: 'skipped'; reason: 'digest' | 'not-a-log-file'; kind: string }
  | { rel: string; type: 'failed'; message: RegExp; kind: string };

export const ACCOUNT = '111122223333';
export const ORG = 'o-aa111bb222';
export const ORG_ACCOUNT = '444455556666';

const ct = (region: string, date: string) => `AWSLogs/${ACCOUNT}/CloudTrail/${region}/${date}`;
const day = '2024/08/01';

/**
 * Write a real archive tree under `root` and return what reading it must give, in walk order
 * (names sorted by code unit at every level: upper case before lower case).
 */
export async function writeArchiveTree(
  root: string,
): Promise<{ expected: ExpectedItem[]; files: Map<string, Buffer> }> {
  const files = new Map<string, Buffer>();
  const expected: ExpectedItem[] = [];
  const docs = docsRecords();
  const insights = docs.filter((r) => r['eventType'] === 'AwsCloudTrailInsight');
  const generated = Array.from({ length: 7 }, (_, i) => makeRecord(i));
  const network = [makeRecord(100, { eventCategory: 'NetworkActivity', eventType: 'AwsVpceEvent' }), makeRecord(101)];
  const orgRecords = Array.from({ length: 4 }, (_, i) => makeRecord(200 + i, { recipientAccountId: ORG_ACCOUNT }));
  const stratus = stratusFiles();
  const bareArray = stratus[0]?.records ?? [];
  const envelopeRecords = stratus[1]?.records ?? [];
  const lookupRecords = (stratus[2]?.records ?? []) as Record<string, unknown>[];
  const ndjsonRecords = stratus[3]?.records ?? [];
  const whole = gzipJson({ Records: generated });
  const digest = gzipJson(docsDigest());
  const add = (rel: string, content: Buffer | string) =>
    files.set(rel, typeof content === 'string' ? Buffer.from(content, 'utf8') : content);

  // --- AWSLogs, account folder (walk order: CloudTrail, CloudTrail-Digest, CloudTrail-Insight, ...)
  const docsFile = `${ct('us-east-1', day)}/${ACCOUNT}_CloudTrail_us-east-1_20240801T0005Z_DocsExamples0001.json.gz`;
  add(docsFile, gzipJson({ Records: docs }));
  expected.push({
    rel: docsFile,
    type: 'records',
    format: 'records-envelope',
    records: docs,
    kind: 'log',
    layout: { accountId: ACCOUNT, region: 'us-east-1', date: '2024-08-01' },
  });
  const genFile = `${ct('us-east-1', day)}/${ACCOUNT}_CloudTrail_us-east-1_20240801T0010Z_Generated000002.json.gz`;
  add(genFile, whole);
  expected.push({ rel: genFile, type: 'records', format: 'records-envelope', records: generated, kind: 'log' });
  const marker = `${ct('us-east-1', day)}_$folder$`;
  add(marker, '');
  expected.push({ rel: marker, type: 'skipped', reason: 'not-a-log-file', kind: 'other' });

  const corrupt = Buffer.from(whole);
  for (let i = 20; i < corrupt.length - 8; i += 7) corrupt[i] = (corrupt[i] as number) ^ 0x5a;
  const corruptFile = `${ct('us-west-2', '2024/08/02')}/${ACCOUNT}_CloudTrail_us-west-2_20240802T0000Z_Corrupt00000001.json.gz`;
  add(corruptFile, corrupt);
  expected.push({ rel: corruptFile, type: 'failed', message: /^corrupt gzip: .*file skipped$/, kind: 'log' });
  const truncFile = `${ct('us-west-2', '2024/08/02')}/${ACCOUNT}_CloudTrail_us-west-2_20240802T0005Z_Truncated000001.json.gz`;
  add(truncFile, whole.subarray(0, Math.floor(whole.length / 2)));
  expected.push({
    rel: truncFile,
    type: 'failed',
    message: /^corrupt gzip: unexpected end of file .*truncated.*; file skipped$/,
    kind: 'log',
  });

  const digestFile = `AWSLogs/${ACCOUNT}/CloudTrail-Digest/us-east-1/${day}/${ACCOUNT}_CloudTrail-Digest_us-east-1_my-trail_us-east-1_20240801T010531Z.json.gz`;
  add(digestFile, digest);
  expected.push({ rel: digestFile, type: 'skipped', reason: 'digest', kind: 'digest' });
  const insightFile = `AWSLogs/${ACCOUNT}/CloudTrail-Insight/us-east-1/${day}/${ACCOUNT}_CloudTrail-Insight_us-east-1_20240801T0100Z_Insight00000001.json.gz`;
  add(insightFile, gzipJson({ Records: insights }));
  expected.push({ rel: insightFile, type: 'records', format: 'records-envelope', records: insights, kind: 'insight' });
  const networkFile = `AWSLogs/${ACCOUNT}/CloudTrail-NetworkActivity/us-east-1/${day}/${ACCOUNT}_CloudTrail-NetworkActivity_us-east-1_20240801T0100Z_Net0000000001.json.gz`;
  add(networkFile, gzipJson({ Records: network }));
  expected.push({
    rel: networkFile,
    type: 'records',
    format: 'records-envelope',
    records: network,
    kind: 'network-activity',
  });
  const configFile = `AWSLogs/${ACCOUNT}/Config/us-east-1/2024/8/1/ConfigHistory/${ACCOUNT}_Config_us-east-1_ConfigHistory_AWS::S3::Bucket_20240801T000000Z_20240801T010000Z_1.json.gz`;
  add(configFile, gzipJson({ fileVersion: '1.0', configurationItems: [] }));
  expected.push({ rel: configFile, type: 'skipped', reason: 'not-a-log-file', kind: 'other' });

  // --- AWSLogs, organisation trail
  const orgFile = `AWSLogs/${ORG}/${ORG_ACCOUNT}/CloudTrail/eu-west-1/${day}/${ORG_ACCOUNT}_CloudTrail_eu-west-1_20240801T0005Z_OrgTrail00000001.json.gz`;
  add(orgFile, gzipJson({ Records: orgRecords }));
  expected.push({
    rel: orgFile,
    type: 'records',
    format: 'records-envelope',
    records: orgRecords,
    kind: 'log',
    layout: { orgId: ORG, accountId: ORG_ACCOUNT, region: 'eu-west-1', date: '2024-08-01' },
  });

  // --- top level
  add('LICENSE', 'Apache License\nVersion 2.0, January 2004\n');
  expected.push({ rel: 'LICENSE', type: 'skipped', reason: 'not-a-log-file', kind: 'other' });
  add('README.md', '# Exported CloudTrail logs\n');
  expected.push({ rel: 'README.md', type: 'skipped', reason: 'not-a-log-file', kind: 'other' });

  // --- exports (sorted: bad-utf8, console-download, cut-utf8, digest-copy, event-history, ...)
  const badUtf8 = Buffer.from(JSON.stringify({ Records: [makeRecord(300)] }), 'utf8');
  const badAt = badUtf8.indexOf('aws-cli');
  badUtf8[badAt] = 0xc3; // a lead byte followed by ASCII: invalid
  add('exports/bad-utf8.json', badUtf8);
  expected.push({
    rel: 'exports/bad-utf8.json',
    type: 'failed',
    message: new RegExp(
      `^invalid UTF-8 at byte ${badAt} \\(bytes c3 77 73 2d\\); the file must be UTF-8 encoded; file skipped$`,
    ),
    kind: 'log',
  });
  add('exports/console-download.json', JSON.stringify({ Records: envelopeRecords }, null, 2));
  expected.push({
    rel: 'exports/console-download.json',
    type: 'records',
    format: 'records-envelope',
    records: envelopeRecords,
    kind: 'log',
  });
  add('exports/digest-copy.json.gz', digest);
  expected.push({ rel: 'exports/digest-copy.json.gz', type: 'skipped', reason: 'digest', kind: 'log' });
  add('exports/event-history.json', JSON.stringify(bareArray));
  expected.push({
    rel: 'exports/event-history.json',
    type: 'records',
    format: 'array',
    records: bareArray,
    kind: 'log',
  });
  const lookup = {
    Events: lookupRecords.map((record) => ({
      EventId: record['eventID'],
      EventName: record['eventName'],
      ReadOnly: 'false',
      EventTime: '2024-07-31T13:06:24+00:00',
      EventSource: record['eventSource'],
      Resources: [],
      CloudTrailEvent: JSON.stringify(record),
    })),
  };
  add('exports/lookup-events.json', JSON.stringify(lookup, null, 4));
  expected.push({
    rel: 'exports/lookup-events.json',
    type: 'records',
    format: 'lookup-events',
    records: lookupRecords,
    kind: 'log',
  });
  add('exports/misnamed-gzip.json', gzipJson(bareArray));
  expected.push({
    rel: 'exports/misnamed-gzip.json',
    type: 'records',
    format: 'array',
    records: bareArray,
    kind: 'log',
  });
  add('exports/not-cloudtrail.json', JSON.stringify({ name: 'opentrail', version: '0.1.0' }));
  expected.push({
    rel: 'exports/not-cloudtrail.json',
    type: 'failed',
    message:
      /^not a CloudTrail log file: expected \{"Records": \[\.\.\.\]\} or an array of records \(found an object with keys "name", "version"\); file skipped$/,
    kind: 'log',
  });
  add('exports/notes.txt', 'exported by hand\n');
  expected.push({ rel: 'exports/notes.txt', type: 'skipped', reason: 'not-a-log-file', kind: 'other' });
  add('exports/photo.png', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  expected.push({ rel: 'exports/photo.png', type: 'skipped', reason: 'not-a-log-file', kind: 'other' });
  add('exports/records.ndjson', ndjsonRecords.map((r) => JSON.stringify(r)).join('\n') + '\n');
  expected.push({
    rel: 'exports/records.ndjson',
    type: 'records',
    format: 'ndjson',
    records: ndjsonRecords,
    kind: 'log',
  });
  const truncatedJson = Buffer.from(JSON.stringify({ Records: generated }));
  add('exports/truncated.json', truncatedJson.subarray(0, 1000));
  expected.push({
    rel: 'exports/truncated.json',
    type: 'failed',
    message: /^truncated JSON at byte 1000 \(end of data\): .* the file ends mid-document; file skipped$/,
    kind: 'log',
  });

  for (const [rel, content] of files) {
    const path = join(root, rel);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, content);
  }
  return { expected, files };
}
