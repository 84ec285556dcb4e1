/**
 * Builds signed digest chains in a folder of buckets for tests and the benchmark: log files in
 * CloudTrail's layout, one digest per period, each signed and chained to the one before. Objects
 * are written as the directory reader reads them (`<key>` + `<key>.metadata.json`).
 */
import { createHash, type KeyObject } from 'node:crypto';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import { buildDigest, type BuiltDigest, type DigestedLogFile, type PreviousDigest } from '../digest.js';
import { METADATA_SUFFIX } from '../directory-reader.js';
import { signDigest } from '../signer.js';
import { dateFolders, isoSeconds } from '../times.js';

export const FIXTURES = join(import.meta.dirname, '../../../../shared/fixtures');
export const DIGEST_BASICS = join(FIXTURES, 'cloudtrail-digest-basics');

export function writeObject(
  root: string,
  bucket: string,
  key: string,
  body: Buffer,
  metadata?: Record<string, string>,
): string {
  const path = join(root, bucket, key);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, body);
  if (metadata) writeFileSync(path + METADATA_SUFFIX, JSON.stringify(metadata));
  return path;
}

/** Copies a fixture scenario's bucket folders and turns its object_metadata.json into sidecars. */
export function copyFixtureScenario(scenarioDir: string, root: string): void {
  const bucketsDir = join(scenarioDir, 'bucket');
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else {
        const target = join(root, relative(bucketsDir, path));
        mkdirSync(dirname(target), { recursive: true });
        copyFileSync(path, target);
      }
    }
  };
  walk(bucketsDir);
  const metadata = JSON.parse(readFileSync(join(scenarioDir, 'object_metadata.json'), 'utf8')) as Record<
    string,
    Record<string, string>
  >;
  const [bucket] = readdirSync(bucketsDir);
  for (const [key, meta] of Object.entries(metadata))
    writeFileSync(join(root, bucket!, key) + METADATA_SUFFIX, JSON.stringify(meta));
}

export interface ChainOptions {
  root: string;
  bucket: string;
  accountId: string;
  region: string;
  trailName: string;
  prefix?: string;
  privateKey: KeyObject;
  fingerprint: string;
  /** End of the first period. */
  firstEndMs: number;
  periods: number;
  periodMs?: number;
  filesPerPeriod: number;
  /** Records per log file, or a function giving each file's records. */
  records: number | ((period: number, file: number) => object[]);
}

export interface BuiltChain {
  digests: BuiltDigest[];
  logs: { key: string; bytes: number }[];
}

function record(accountId: string, region: string, ms: number, n: number): object {
  return {
    eventVersion: '1.08',
    userIdentity: { type: 'IAMUser', accountId, arn: `arn:aws:iam::${accountId}:user/alice`, userName: 'alice' },
    eventTime: isoSeconds(ms),
    eventSource: 's3.amazonaws.com',
    eventName: 'ListBuckets',
    awsRegion: region,
    sourceIPAddress: '198.51.100.7',
    userAgent: 'aws-cli/1.45.11',
    requestParameters: { n },
    responseElements: null,
    eventID: createHash('md5').update(`${ms}:${n}`).digest('hex'),
    readOnly: true,
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: accountId,
    eventCategory: 'Management',
  };
}

export function buildChain(o: ChainOptions): BuiltChain {
  const periodMs = o.periodMs ?? 3_600_000;
  const digests: BuiltDigest[] = [];
  const logs: BuiltChain['logs'] = [];
  let previous: PreviousDigest | null = null;
  for (let p = 0; p < o.periods; p++) {
    const endMs = o.firstEndMs + p * periodMs;
    const startMs = endMs - periodMs;
    const files: DigestedLogFile[] = [];
    for (let f = 0; f < o.filesPerPeriod; f++) {
      const deliveredMs = startMs + Math.floor(((f + 1) * periodMs) / (o.filesPerPeriod + 1));
      const records =
        typeof o.records === 'function'
          ? o.records(p, f)
          : Array.from({ length: o.records }, (_, n) => record(o.accountId, o.region, deliveredMs - 60_000 + n, n));
      const body = Buffer.from(JSON.stringify({ Records: records }));
      const stamp = isoSeconds(deliveredMs).replace(/[-:]/g, '').slice(0, 13) + 'Z';
      const unique = createHash('md5').update(`${p}/${f}`).digest('hex').slice(0, 16);
      const key =
        `${o.prefix ? `${o.prefix}/` : ''}AWSLogs/${o.accountId}/CloudTrail/${o.region}/${dateFolders(deliveredMs)}/` +
        `${o.accountId}_CloudTrail_${o.region}_${stamp}_${unique}.json.gz`;
      writeObject(o.root, o.bucket, key, gzipSync(body));
      logs.push({ key, bytes: body.length });
      const times = (records as { eventTime?: string }[]).map((r) =>
        Date.parse(r.eventTime ?? isoSeconds(deliveredMs)),
      );
      files.push({
        bucket: o.bucket,
        key,
        sha256Hex: createHash('sha256').update(body).digest('hex'),
        oldestEventTimeMs: times.length ? Math.min(...times) : deliveredMs,
        newestEventTimeMs: times.length ? Math.max(...times) : deliveredMs,
      });
    }
    const digest = buildDigest({
      bucket: o.bucket,
      prefix: o.prefix,
      accountId: o.accountId,
      sourceRegion: o.region,
      homeRegion: o.region,
      trailName: o.trailName,
      startMs,
      endMs,
      publicKeyFingerprint: o.fingerprint,
      logFiles: files,
      previous,
    });
    const metadata = signDigest(o.privateKey, digest);
    writeObject(o.root, o.bucket, digest.key, digest.gzipped, metadata);
    digests.push(digest);
    previous = { bucket: o.bucket, key: digest.key, sha256Hex: digest.sha256Hex, signature: metadata.signature };
  }
  return { digests, logs };
}
