import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { buildDigest, type DigestDocument } from './digest.js';
import { digestKeyPattern, digestKeyTimestamp, digestListPrefix, digestObjectKey } from './digest-key.js';
import { DIGEST_BASICS, FIXTURES } from './testdata/chain.js';

const SCENARIO = join(DIGEST_BASICS, 'scenarios/01_valid_chain');
const BUCKET_DIR = join(SCENARIO, 'bucket/heldout-ct-bucket');
const scenario = JSON.parse(readFileSync(join(SCENARIO, 'scenario.json'), 'utf8')) as {
  digests_as_generated: { key: string; sha256_uncompressed: string; signature_hex: string }[];
};

function fixtureDigest(key: string): { raw: Buffer; doc: DigestDocument } {
  const raw = gunzipSync(readFileSync(join(BUCKET_DIR, key)));
  return { raw, doc: JSON.parse(raw.toString('utf8')) as DigestDocument };
}

describe('buildDigest', () => {
  it('rebuilds each fixture digest byte for byte from its log files and the previous digest', () => {
    let previous = null as null | { bucket: string; key: string; sha256Hex: string; signature: string };
    for (const generated of scenario.digests_as_generated) {
      const { raw, doc } = fixtureDigest(generated.key);
      const built = buildDigest({
        bucket: 'heldout-ct-bucket',
        accountId: '123456789012',
        sourceRegion: 'us-east-1',
        homeRegion: 'us-east-1',
        trailName: 'heldout-trail',
        startMs: Date.parse(doc.digestStartTime),
        endMs: Date.parse(doc.digestEndTime),
        publicKeyFingerprint: '3a35183f878722f06327a2c6f5948836',
        logFiles: doc.logFiles.map((f) => {
          // Hash and event times come from the log file itself, not from the digest under test.
          const body = gunzipSync(readFileSync(join(BUCKET_DIR, f.s3Object)));
          const times = (JSON.parse(body.toString()) as { Records: { eventTime: string }[] }).Records.map((r) =>
            Date.parse(r.eventTime),
          );
          return {
            bucket: f.s3Bucket,
            key: f.s3Object,
            sha256Hex: createHash('sha256').update(body).digest('hex'),
            oldestEventTimeMs: Math.min(...times),
            newestEventTimeMs: Math.max(...times),
          };
        }),
        previous,
      });
      expect(built.key).toBe(generated.key);
      expect(built.uncompressed.toString('utf8')).toBe(raw.toString('utf8'));
      expect(built.sha256Hex).toBe(generated.sha256_uncompressed);
      expect(gunzipSync(built.gzipped).equals(built.uncompressed)).toBe(true);
      previous = {
        bucket: built.bucket,
        key: built.key,
        sha256Hex: built.sha256Hex,
        signature: generated.signature_hex,
      };
    }
  });

  it("writes AWS's field set and order, and null event times for an empty period (AWS docs examples)", () => {
    const examples = JSON.parse(
      readFileSync(join(FIXTURES, 'aws-docs-cloudtrail-examples/digest_examples.json'), 'utf8'),
    ) as { digest: DigestDocument }[];
    const empty = examples[1]!.digest;
    const built = buildDigest({
      bucket: empty.digestS3Bucket,
      accountId: '111122223333',
      sourceRegion: 'us-east-2',
      homeRegion: 'us-east-2',
      trailName: 'example-trail-name',
      startMs: Date.parse(empty.digestStartTime),
      endMs: Date.parse(empty.digestEndTime),
      publicKeyFingerprint: empty.digestPublicKeyFingerprint,
      logFiles: [],
      previous: {
        bucket: empty.previousDigestS3Bucket!,
        key: empty.previousDigestS3Object!,
        sha256Hex: empty.previousDigestHashValue!,
        signature: empty.previousDigestSignature!,
      },
    });
    // Everything in the documented empty digest is reproduced, in the documented order.
    expect(JSON.stringify(built.document)).toBe(JSON.stringify(empty));
    const withFile = examples[0]!.digest;
    expect(Object.keys(built.document)).toEqual(Object.keys(withFile));
    expect(Object.keys(built.document.logFiles[0] ?? withFile.logFiles[0]!)).toEqual(
      Object.keys(withFile.logFiles[0]!),
    );
  });

  it('makes a starting digest with all five previousDigest fields null', () => {
    const built = buildDigest({
      bucket: 'b',
      accountId: '111122223333',
      sourceRegion: 'eu-west-1',
      homeRegion: 'us-east-1',
      trailName: 't',
      startMs: Date.UTC(2024, 0, 1, 0, 0, 0),
      endMs: Date.UTC(2024, 0, 1, 1, 0, 0),
      publicKeyFingerprint: '0'.repeat(32),
      logFiles: [],
      previous: null,
    });
    const d = built.document;
    expect([
      d.previousDigestS3Bucket,
      d.previousDigestS3Object,
      d.previousDigestHashValue,
      d.previousDigestHashAlgorithm,
      d.previousDigestSignature,
    ]).toEqual([null, null, null, null, null]);
    expect([d.newestEventTime, d.oldestEventTime]).toEqual([null, null]);
  });

  it('refuses inconsistent input with a message naming the problem', () => {
    const base = {
      bucket: 'b',
      accountId: '111122223333',
      sourceRegion: 'us-east-1',
      homeRegion: 'us-east-1',
      trailName: 't',
      publicKeyFingerprint: '0'.repeat(32),
      previous: null,
    };
    expect(() => buildDigest({ ...base, startMs: 10_000, endMs: 10_000, logFiles: [] })).toThrow(/must end after/);
    expect(() =>
      buildDigest({
        ...base,
        startMs: 0,
        endMs: 3_600_000,
        logFiles: [{ bucket: 'b', key: 'k', sha256Hex: 'ABC', oldestEventTimeMs: 0, newestEventTimeMs: 0 }],
      }),
    ).toThrow(/b\/k: sha256Hex/);
  });
});

describe('digest keys', () => {
  const loc = {
    accountId: '111122223333',
    sourceRegion: 'eu-west-1',
    trailName: 'my.trail',
    homeRegion: 'us-east-1',
  };
  const end = Date.UTC(2015, 7, 17, 15, 1, 31);

  it('follows §3.1 with seconds, source region twice and the home region', () => {
    expect(digestObjectKey(loc, end)).toBe(
      'AWSLogs/111122223333/CloudTrail-Digest/eu-west-1/2015/08/17/' +
        '111122223333_CloudTrail-Digest_eu-west-1_my.trail_us-east-1_20150817T150131Z.json.gz',
    );
  });

  it('puts the prefix first and the organisation before the account', () => {
    const key = digestObjectKey({ ...loc, prefix: 'audit/logs', organizationId: 'o-abc123' }, end);
    expect(key).toBe(
      'audit/logs/AWSLogs/o-abc123/111122223333/CloudTrail-Digest/eu-west-1/2015/08/17/' +
        '111122223333_CloudTrail-Digest_eu-west-1_my.trail_us-east-1_20150817T150131Z.json.gz',
    );
    expect(digestListPrefix({ ...loc, prefix: 'audit/logs', organizationId: 'o-abc123' })).toBe(
      'audit/logs/AWSLogs/o-abc123/111122223333/CloudTrail-Digest/eu-west-1',
    );
  });

  it("matches this trail's keys only, and reads the stamp by position (backfill too)", () => {
    const re = digestKeyPattern(loc);
    const key = digestObjectKey(loc, end);
    expect(re.test(key)).toBe(true);
    expect(re.test(key.replace('my.trail', 'myXtrail'))).toBe(false);
    expect(re.test(key.replace('_us-east-1_', '_us-west-2_'))).toBe(false);
    expect(re.test('x/' + key)).toBe(false);
    expect(digestKeyTimestamp(key)).toBe('20150817T150131Z');
    const backfill = key.replace('.json.gz', '_backfill.json.gz');
    expect(re.test(backfill)).toBe(true);
    expect(digestKeyTimestamp(backfill)).toBe('20150817T150131Z');
  });
});
