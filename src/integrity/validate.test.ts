/**
 * validate-logs against the AWS CLI's own validator: every scenario runs through our code (via the
 * CLI entry point) and through awscli's validation module over the same folder
 * (testdata/awscli_validate.py), and the two reports must be identical to the byte, exit status
 * included. Key verdicts are also asserted literally, so a change in both cannot pass unnoticed.
 */
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { runValidateLogs, type ValidateLogsCommandOptions } from '../cli/validate-logs.js';
import { buildDigest } from './digest.js';
import { METADATA_SUFFIX } from './directory-reader.js';
import { SigningKeyStore } from './key-store.js';
import { signDigest } from './signer.js';
import { buildChain, copyFixtureScenario, DIGEST_BASICS, writeObject, type BuiltChain } from './testdata/chain.js';

const ORACLE = join(import.meta.dirname, 'testdata/awscli_validate.py');
const ACCOUNT = '111122223333';
const REGION = 'us-east-1';
const TRAIL = 'audit';
const TRAIL_ARN = `arn:aws:cloudtrail:${REGION}:${ACCOUNT}:trail/${TRAIL}`;
const BUCKET = 'ot-trail-bucket';
const FIRST_END = Date.UTC(2024, 2, 10, 1, 0, 7);

const tmpRoots: string[] = [];
afterAll(() => tmpRoots.forEach((d) => rmSync(d, { recursive: true, force: true })));
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'ot-validate-'));
  tmpRoots.push(d);
  return d;
}

interface Report {
  code: number;
  stdout: string;
  stderr: string;
}

interface Args {
  root: string;
  keysFile: string;
  start: string;
  end?: string;
  bucket?: string;
  prefix?: string;
  verbose?: boolean;
  trailArn?: string;
}

async function ours(a: Args): Promise<Report> {
  let stdout = '';
  let stderr = '';
  const opts: ValidateLogsCommandOptions = {
    trailArn: a.trailArn ?? TRAIL_ARN,
    startTime: a.start,
    dir: join(a.root, a.bucket ?? BUCKET),
    publicKeys: a.keysFile,
    verbose: a.verbose ?? true,
    region: REGION,
    ...(a.end ? { endTime: a.end } : {}),
    ...(a.prefix ? { s3Prefix: a.prefix } : {}),
  };
  const code = await runValidateLogs(opts, {
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
  });
  return { code, stdout, stderr };
}

function awscli(a: Args): Report {
  const args = [ORACLE, a.root, a.keysFile, a.trailArn ?? TRAIL_ARN, a.start, '--s3-bucket', a.bucket ?? BUCKET];
  if (a.end) args.push('--end-time', a.end);
  if (a.prefix) args.push('--s3-prefix', a.prefix);
  if (a.verbose ?? true) args.push('--verbose');
  args.push('--region', REGION);
  const r = spawnSync('python3', args, { encoding: 'utf8', timeout: 60_000 });
  if (r.error) throw r.error;
  if (r.status === null) throw new Error(`awscli oracle killed by ${r.signal}`);
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Both reports, asserted equal. */
async function both(a: Args): Promise<Report> {
  const mine = await ours(a);
  const theirs = awscli(a);
  expect(mine).toEqual(theirs);
  return mine;
}

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const der = publicKey.export({ type: 'pkcs1', format: 'der' });
const { createHash } = await import('node:crypto');
const FINGERPRINT = createHash('md5').update(der).digest('hex');

function keysFile(dir: string, entries: { Value: string; Fingerprint: string }[]): string {
  const path = join(dir, 'public-keys.json');
  writeFileSync(
    path,
    JSON.stringify({
      PublicKeyList: entries.map((e) => ({
        ...e,
        ValidityStartTime: '2024-01-01T00:00:00Z',
        ValidityEndTime: '2025-01-01T00:00:00Z',
      })),
    }),
  );
  return path;
}

interface Setup {
  root: string;
  keys: string;
  chain: BuiltChain;
  bucketDir: string;
}

function setup(options: { periods?: number; prefix?: string } = {}): Setup {
  const root = tmp();
  const chain = buildChain({
    root,
    bucket: BUCKET,
    accountId: ACCOUNT,
    region: REGION,
    trailName: TRAIL,
    privateKey,
    fingerprint: FINGERPRINT,
    firstEndMs: FIRST_END,
    periods: options.periods ?? 3,
    filesPerPeriod: 2,
    records: 3,
    ...(options.prefix ? { prefix: options.prefix } : {}),
  });
  return {
    root,
    keys: keysFile(root, [{ Value: der.toString('base64'), Fingerprint: FINGERPRINT }]),
    chain,
    bucketDir: join(root, BUCKET),
  };
}

const RANGE = { start: '2024-03-10T00:00:00Z', end: '2024-03-10T04:00:00Z' };
const s3 = (key: string) => `s3://${BUCKET}/${key}`;

describe('validate-logs on the shared fixture', () => {
  it('prints exactly what aws-cli 1.45.11 printed for 01_valid_chain', async () => {
    const scenarioDir = join(DIGEST_BASICS, 'scenarios/01_valid_chain');
    const root = tmp();
    copyFixtureScenario(scenarioDir, root);
    const scenario = JSON.parse(readFileSync(join(scenarioDir, 'scenario.json'), 'utf8')) as {
      trail_arn: string;
      start_time: string;
      end_time: string;
    };
    const expected = readFileSync(join(scenarioDir, 'expected_awscli_output.txt'), 'utf8');
    const m = /^exit_code: (\d+)\n--- stdout ---\n([\s\S]*)--- stderr ---\n([\s\S]*)$/.exec(expected)!;
    const args: Args = {
      root,
      keysFile: join(DIGEST_BASICS, 'list_public_keys_response.json'),
      trailArn: scenario.trail_arn,
      start: scenario.start_time,
      end: scenario.end_time,
      bucket: 'heldout-ct-bucket',
    };
    const report = await both(args);
    expect(report).toEqual({ code: Number(m[1]), stdout: m[2], stderr: m[3] });
  });
});

describe('validate-logs on chains we built and signed', () => {
  it('round trip: every digest and log file valid, exit 0', async () => {
    const s = setup();
    const r = await both({ root: s.root, keysFile: s.keys, ...RANGE });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('\n3/3 digest files valid\n6/6 log files valid\n');
    expect(r.stdout).toContain(`Digest file\t${s3(s.chain.digests[2]!.key)}\tvalid\n`);
  });

  it('round trip with a key prefix and the key store’s ListPublicKeys', async () => {
    const root = tmp();
    const store = new SigningKeyStore(join(root, 'data'), { now: () => FIRST_END - 3_600_000 });
    const key = await store.current(REGION);
    buildChain({
      root,
      bucket: BUCKET,
      accountId: ACCOUNT,
      region: REGION,
      trailName: TRAIL,
      prefix: 'org/audit',
      privateKey: key.privateKey,
      fingerprint: key.fingerprint,
      firstEndMs: FIRST_END,
      periods: 2,
      filesPerPeriod: 1,
      records: 2,
    });
    const list = await store.listPublicKeys(REGION, Date.UTC(2024, 2, 10), Date.UTC(2024, 2, 10, 6));
    const path = join(root, 'keys.json');
    writeFileSync(path, JSON.stringify({ PublicKeyList: list }));
    const r = await both({ root, keysFile: path, prefix: 'org/audit', ...RANGE });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('2/2 digest files valid\n2/2 log files valid');
    // Without the prefix nothing of this trail is found.
    const none = await both({ root, keysFile: path, ...RANGE });
    expect(none.stdout).toContain('No digests found\n');
  });

  it('a changed log file: "hash value doesn\'t match", exit 1', async () => {
    const s = setup();
    const log = s.chain.logs[3]!.key;
    const path = join(s.bucketDir, log);
    const body = JSON.parse(gunzipSync(readFileSync(path)).toString()) as { Records: { eventName: string }[] };
    body.Records[0]!.eventName = 'DeleteTrail';
    writeFileSync(path, gzipSync(JSON.stringify(body)));
    const r = await both({ root: s.root, keysFile: s.keys, ...RANGE });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`Log file\t${s3(log)}\tINVALID: hash value doesn't match\n\n`);
    expect(r.stdout).toContain('3/3 digest files valid\n5/6 log files valid, 1/6 log files INVALID');
  });

  it('a deleted log file and a log file that is not gzip', async () => {
    const s = setup();
    unlinkSync(join(s.bucketDir, s.chain.logs[0]!.key));
    writeFileSync(join(s.bucketDir, s.chain.logs[5]!.key), '{"Records":[]}');
    const r = await both({ root: s.root, keysFile: s.keys, ...RANGE, verbose: false });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `Log file\t${s3(s.chain.logs[5]!.key)}\tINVALID: invalid format\n\n` +
        `Log file\t${s3(s.chain.logs[0]!.key)}\tINVALID: not found\n\n`,
    );
    expect(r.stdout).toContain('4/6 log files valid, 2/6 log files INVALID');
  });

  it('a changed digest: "signature verification failed"; the chain goes on', async () => {
    const s = setup();
    const key = s.chain.digests[1]!.key;
    const path = join(s.bucketDir, key);
    const doc = JSON.parse(gunzipSync(readFileSync(path)).toString()) as { logFiles: unknown[] };
    doc.logFiles.pop();
    writeFileSync(path, gzipSync(JSON.stringify(doc)));
    const r = await both({ root: s.root, keysFile: s.keys, ...RANGE });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`Digest file\t${s3(key)}\tINVALID: signature verification failed\n`);
    expect(r.stdout).toContain('2/3 digest files valid, 1/3 digest files INVALID');
    expect(r.stdout).toContain(`Digest file\t${s3(s.chain.digests[0]!.key)}\tvalid`);
  });

  it('a deleted digest: "not found", and the next older digest is still checked', async () => {
    const s = setup();
    const key = s.chain.digests[1]!.key;
    unlinkSync(join(s.bucketDir, key));
    const r = await both({ root: s.root, keysFile: s.keys, ...RANGE });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`Digest file\t${s3(key)}\tINVALID: not found\n`);
    expect(r.stdout).toContain('2/3 digest files valid, 1/3 digest files INVALID\n4/4 log files valid');
  });

  it('a broken chain (a starting digest in the middle): the gap is reported', async () => {
    const s = setup();
    // Re-issue the middle digest as a starting digest, properly signed: the chain really breaks there.
    const old = s.chain.digests[1]!.document;
    const rebuilt = buildDigest({
      bucket: BUCKET,
      accountId: ACCOUNT,
      sourceRegion: REGION,
      homeRegion: REGION,
      trailName: TRAIL,
      startMs: Date.parse(old.digestStartTime),
      endMs: Date.parse(old.digestEndTime),
      publicKeyFingerprint: FINGERPRINT,
      logFiles: [],
      previous: null,
    });
    writeObject(s.root, BUCKET, rebuilt.key, rebuilt.gzipped, signDigest(privateKey, rebuilt));
    const r = await both({ root: s.root, keysFile: s.keys, ...RANGE });
    // The newest digest signed the old middle signature, but the CLI does not compare them: still valid.
    // After verbose lines on stdout, the CLI separates its first stderr line with a blank line.
    expect(r.stderr).toBe(
      '\nNo log files were delivered by CloudTrail between 2024-03-10T01:00:07Z and 2024-03-10T01:00:07Z\n\n',
    );
    expect(r.code).toBe(0);
  });

  it('an unknown key, a missing signature, a moved digest and a wrong signature', async () => {
    const s = setup({ periods: 4 });
    const [d0, d1, d2, d3] = s.chain.digests.map((d) => d.key) as [string, string, string, string];
    // d3 signed by another key whose fingerprint is not listed.
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const otherFp = 'f'.repeat(32);
    const doc3 = { ...s.chain.digests[3]!.document, digestPublicKeyFingerprint: otherFp };
    const raw3 = Buffer.from(JSON.stringify(doc3));
    const built3 = { ...s.chain.digests[3]!, document: doc3, uncompressed: raw3, gzipped: gzipSync(raw3) };
    writeObject(s.root, BUCKET, d3, built3.gzipped, signDigest(other, built3));
    // d2 without its metadata.
    unlinkSync(join(s.bucketDir, d2 + METADATA_SUFFIX));
    // d1 moved to the name of a later digest: the listing finds it where it does not belong.
    renameSync(join(s.bucketDir, d1), join(s.bucketDir, d1.replace('T020007Z', 'T020008Z')));
    renameSync(
      join(s.bucketDir, d1 + METADATA_SUFFIX),
      join(s.bucketDir, d1.replace('T020007Z', 'T020008Z') + METADATA_SUFFIX),
    );
    // d0 with a signature from another key.
    const sig0 = signDigest(other, s.chain.digests[0]!);
    writeFileSync(join(s.bucketDir, d0 + METADATA_SUFFIX), JSON.stringify(sig0));
    const r = await both({ root: s.root, keysFile: s.keys, ...RANGE, verbose: false });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `Digest file\t${s3(d3)}\tINVALID: public key not found in region ${REGION} for fingerprint ${otherFp}\n`,
    );
    expect(r.stderr).toContain(`Digest file\t${s3(d2)}\tINVALID: signature verification failed\n`);
    expect(r.stderr).toContain(`Digest file\t${s3(d0)}\tINVALID: signature verification failed\n`);
    const movedTo = d1.replace('T020007Z', 'T020008Z');
    expect(r.stderr).toContain(`Digest file\t${s3(movedTo)}\tINVALID: has been moved from its original location\n`);
    expect(r.stdout).toContain('No valid digests found in range\n');
  });

  it('signature metadata that is not hex, too short, or larger than the modulus', async () => {
    for (const signature of ['abc', 'zz', 'aeff', 'ff'.repeat(256)]) {
      const s = setup({ periods: 1 });
      const key = s.chain.digests[0]!.key;
      writeFileSync(
        join(s.bucketDir, key + METADATA_SUFFIX),
        JSON.stringify({ signature, 'signature-algorithm': 'SHA256withRSA' }),
      );
      const r = await both({ root: s.root, keysFile: s.keys, ...RANGE });
      expect(r.code).toBe(1);
      const reason = { abc: 'Odd-length string', zz: 'Non-hexadecimal digit found' }[signature];
      expect(r.stderr).toMatch(/^Digest file\ts3:\/\/.*\tINVALID: /);
      expect(r.stderr).toContain(`\tINVALID: ${reason ?? 'signature verification failed'}\n`);
    }
  });

  it('a public key that is not PKCS#1, a digest that is not gzip, and no keys at all', async () => {
    const s = setup({ periods: 2 });
    const badKeys = keysFile(join(s.root), [{ Value: 'YQo=', Fingerprint: FINGERPRINT }]);
    const r1 = await both({ root: s.root, keysFile: badKeys, ...RANGE });
    expect(r1.stderr).toContain(`INVALID: Unable to load PKCS #1 key with fingerprint ${FINGERPRINT}\n`);

    const s2 = setup({ periods: 2 });
    writeFileSync(join(s2.bucketDir, s2.chain.digests[1]!.key), 'not gzip');
    const r2 = await both({ root: s2.root, keysFile: s2.keys, ...RANGE });
    expect(r2.stderr).toContain(`Digest file\t${s3(s2.chain.digests[1]!.key)}\tINVALID: invalid format\n`);

    const empty = keysFile(tmp(), []);
    const r3 = await both({ root: s2.root, keysFile: empty, ...RANGE });
    expect(r3.code).toBe(255);
    expect(r3.stderr).toBe('\nNo public keys found between 2024-03-10T00:00:00Z and 2024-03-10T06:00:00Z\n');
  });

  it('ranges: only digests in [start, end + 1 h], and what was found is reported', async () => {
    const s = setup({ periods: 4 });
    const r = await both({
      root: s.root,
      keysFile: s.keys,
      start: '2024-03-10T01:30:00Z',
      end: '2024-03-10T02:10:00Z',
    });
    expect(r.stdout).toContain('Results found for 2024-03-10T01:30:00Z to 2024-03-10T02:10:00Z:');
    const none = await both({
      root: s.root,
      keysFile: s.keys,
      start: '2024-03-11T00:00:00Z',
      end: '2024-03-11T01:00:00Z',
    });
    expect(none.stdout).toContain('No digests found\n');
    expect(none.code).toBe(0);
  });

  it('refuses a bad ARN, an unparseable time and a reversed range like the CLI (255)', async () => {
    const s = setup({ periods: 1 });
    for (const a of [
      { trailArn: 'arn:aws:cloudtrail:us-east-1:1234:trail/x' },
      { start: 'yesterday-ish' },
      { start: '2024-03-10T05:00:00Z', end: '2024-03-10T04:00:00Z' },
    ]) {
      const r = await both({ root: s.root, keysFile: s.keys, ...RANGE, ...a });
      expect(r.code).toBe(255);
    }
  });
});
