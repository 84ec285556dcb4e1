import { readFileSync, readdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ObjectKeyError,
  categoryFolder,
  dateFolder,
  deliveryUnique,
  logFileKey,
  logFileName,
  normalizeKeyPrefix,
  parseLogFileKey,
} from './object-keys.js';
import { objectKeyProblem } from './object-rules.js';

const FIXTURES = resolve(import.meta.dirname, '../../../shared/fixtures');
const CHAIN_BUCKET = join(FIXTURES, 'cloudtrail-digest-basics/scenarios/01_valid_chain/bucket/heldout-ct-bucket');

/** Every key (relative path) of the fixture bucket. */
function fixtureKeys(): string[] {
  return readdirSync(CHAIN_BUCKET, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(CHAIN_BUCKET, join(e.parentPath, e.name)))
    .sort();
}

/** The keys the AWS docs' digest examples name (digest_examples.json, AWS CloudTrail User Guide, CC BY-SA 4.0). */
function docKeys(): string[] {
  const text = readFileSync(join(FIXTURES, 'aws-docs-cloudtrail-examples/digest_examples.json'), 'utf8');
  return [...new Set(text.match(/AWSLogs\/[^"]+\.json\.gz/g) ?? [])];
}

describe('log file keys', () => {
  it("builds the spec's example file name exactly", () => {
    expect(
      logFileName({
        accountId: '111122223333',
        region: 'us-east-2',
        deliveryTime: new Date('2015-08-01T02:10:59.999Z'),
        unique: 'Mu0KsOhtH1ar15ZZ',
      }),
    ).toBe('111122223333_CloudTrail_us-east-2_20150801T0210Z_Mu0KsOhtH1ar15ZZ.json.gz');
  });

  it('builds the full key, with date folders of the delivery time in UTC', () => {
    const fields = {
      accountId: '111122223333',
      region: 'us-east-2',
      deliveryTime: Date.UTC(2015, 7, 17, 14, 45, 3),
      unique: '9nYN7gp2eWAJHIfT',
    };
    const key =
      'AWSLogs/111122223333/CloudTrail/us-east-2/2015/08/17/111122223333_CloudTrail_us-east-2_20150817T1445Z_9nYN7gp2eWAJHIfT.json.gz';
    expect(logFileKey(fields)).toBe(key);
    expect(docKeys()).toContain(key);
    // Just before midnight UTC stays on that day whatever the local time zone.
    expect(logFileKey({ ...fields, deliveryTime: Date.UTC(2024, 11, 31, 23, 59, 59) })).toBe(
      'AWSLogs/111122223333/CloudTrail/us-east-2/2024/12/31/111122223333_CloudTrail_us-east-2_20241231T2359Z_9nYN7gp2eWAJHIfT.json.gz',
    );
  });

  it('adds the prefix (joined with one slash) and the organisation folder', () => {
    const fields = {
      prefix: 'org-logs/prod/',
      orgId: 'o-aa111bb222',
      accountId: '444455556666',
      region: 'eu-west-1',
      deliveryTime: Date.UTC(2024, 7, 1, 0, 5),
      unique: 'Ab12Cd34Ef56Gh78',
    };
    expect(logFileKey(fields)).toBe(
      'org-logs/prod/AWSLogs/o-aa111bb222/444455556666/CloudTrail/eu-west-1/2024/08/01/444455556666_CloudTrail_eu-west-1_20240801T0005Z_Ab12Cd34Ef56Gh78.json.gz',
    );
    expect(logFileKey({ ...fields, category: 'CloudTrail-Insight', prefix: 'p' })).toBe(
      'p/AWSLogs/o-aa111bb222/444455556666/CloudTrail-Insight/eu-west-1/2024/08/01/444455556666_CloudTrail-Insight_eu-west-1_20240801T0005Z_Ab12Cd34Ef56Gh78.json.gz',
    );
    expect(categoryFolder({ accountId: '444455556666', region: 'eu-west-1' }, 'CloudTrail-Digest')).toBe(
      'AWSLogs/444455556666/CloudTrail-Digest/eu-west-1/',
    );
    expect(
      dateFolder({ accountId: '444455556666', region: 'eu-west-1', prefix: 'x' }, 'CloudTrail', Date.UTC(2024, 0, 2)),
    ).toBe('x/AWSLogs/444455556666/CloudTrail/eu-west-1/2024/01/02/');
  });

  it('parses real keys: the AWS docs example, the fixture bucket, an Insights key', () => {
    expect(
      parseLogFileKey(
        'AWSLogs/111122223333/CloudTrail/us-east-2/2015/08/17/111122223333_CloudTrail_us-east-2_20150817T1445Z_9nYN7gp2eWAJHIfT.json.gz',
      ),
    ).toEqual({
      prefix: '',
      accountId: '111122223333',
      region: 'us-east-2',
      category: 'CloudTrail',
      deliveryTime: new Date('2015-08-17T14:45:00Z'),
      date: '2015-08-17',
      unique: '9nYN7gp2eWAJHIfT',
    });
    const logs = fixtureKeys().filter((k) => k.includes('/CloudTrail/'));
    expect(logs).toHaveLength(6);
    for (const key of logs) {
      const parsed = parseLogFileKey(key);
      expect(parsed, key).toMatchObject({ accountId: '123456789012', region: 'us-east-1', date: '2024-08-01' });
      // Rebuilding from the parsed fields gives the same key back.
      expect(logFileKey({ ...parsed!, deliveryTime: parsed!.deliveryTime })).toBe(key);
    }
    expect(
      parseLogFileKey(
        'logs/AWSLogs/o-aa111bb222/111122223333/CloudTrail-Insight/us-east-1/2024/08/01/111122223333_CloudTrail-Insight_us-east-1_20240801T0005Z_Ab12Cd34Ef56Gh78.json.gz',
      ),
    ).toMatchObject({ prefix: 'logs', orgId: 'o-aa111bb222', category: 'CloudTrail-Insight' });
  });

  it('takes the last AWSLogs folder when the prefix itself contains one', () => {
    expect(
      parseLogFileKey(
        'AWSLogs/AWSLogs/111122223333/CloudTrail/us-east-1/2024/08/01/111122223333_CloudTrail_us-east-1_20240801T0005Z_Ab12Cd34Ef56Gh78.json.gz',
      ),
    ).toMatchObject({ prefix: 'AWSLogs', accountId: '111122223333' });
  });

  it('does not parse keys that are not log files', () => {
    const good =
      'AWSLogs/111122223333/CloudTrail/us-east-1/2024/08/01/111122223333_CloudTrail_us-east-1_20240801T0005Z_Ab12Cd34Ef56Gh78.json.gz';
    expect(parseLogFileKey(good)).toBeDefined();
    for (const key of [
      good.replace('/111122223333_', '/999999999999_'), // account in the name differs from the folder
      good.replace('_us-east-1_', '_us-west-2_'), // region differs
      good.replace('T0005Z', 'T2505Z'), // no such hour
      good.replace('20240801T', '20240230T'), // no such day
      good.replace('Ab12Cd34Ef56Gh78', 'Ab12Cd34Ef56Gh7'), // 15 characters
      good.replace('Ab12Cd34Ef56Gh78', 'Ab12Cd34Ef56Gh7-'),
      good.replace('.json.gz', '.json'),
      good.replace('/CloudTrail/', '/CloudTrail-Digest/'),
      fixtureKeys().find((k) => k.includes('CloudTrail-Digest'))!,
    ]) {
      expect(parseLogFileKey(key), key).toBeUndefined();
    }
  });

  it('refuses parts that would make a bad or hostile key, saying which part', () => {
    const base = { accountId: '111122223333', region: 'us-east-1', deliveryTime: 0, unique: 'Ab12Cd34Ef56Gh78' };
    expect(() => logFileKey({ ...base, accountId: '1111' })).toThrow('account ID must be 12 digits, got "1111"');
    expect(() => logFileKey({ ...base, region: '../../etc' })).toThrow(ObjectKeyError);
    expect(() => logFileKey({ ...base, region: 'US-EAST-1' })).toThrow('region must be lowercase letters');
    expect(() => logFileKey({ ...base, orgId: 'o-x' })).toThrow('organisation ID must be "o-"');
    expect(() => logFileKey({ ...base, unique: 'short' })).toThrow('must be 16 letters or digits');
    expect(() => logFileKey({ ...base, deliveryTime: Number.NaN })).toThrow('delivery time is not a valid time');
    expect(() => logFileKey({ ...base, prefix: '../escape' })).toThrow(
      'S3 key prefix "../escape" cannot be used: it holds a ".." segment',
    );
    expect(() => logFileKey({ ...base, prefix: '/abs' })).toThrow('cannot be used: it starts with "/"');
    expect(() => logFileKey({ ...base, prefix: 'x'.repeat(201) })).toThrow(
      'S3 key prefix is 201 characters; CloudTrail allows at most 200',
    );
    expect(normalizeKeyPrefix('a/b//')).toBe('a/b');
    expect(normalizeKeyPrefix(undefined)).toBe('');
    expect(() => normalizeKeyPrefix('///')).toThrow('it is only slashes');
  });
});

describe('digest folders', () => {
  it('puts digests beside the log folders, as the fixture bucket has them', () => {
    const digest = fixtureKeys().find((k) => k.includes('CloudTrail-Digest'))!;
    const folder = dateFolder(
      { accountId: '123456789012', region: 'us-east-1' },
      'CloudTrail-Digest',
      Date.UTC(2024, 7, 1, 1, 5, 31),
    );
    expect(digest.startsWith(folder)).toBe(true);
    expect(folder).toBe('AWSLogs/123456789012/CloudTrail-Digest/us-east-1/2024/08/01/');
  });
});

describe('deliveryUnique', () => {
  const range = {
    trail: 'arn:aws:cloudtrail:us-east-1:111122223333:trail/management',
    accountId: '111122223333',
    region: 'us-east-1',
    firstSeq: 1001,
    lastSeq: 2000,
  };

  it("has AWS's shape and never changes for the same range (pinned: changing it breaks idempotent redelivery)", () => {
    const unique = deliveryUnique(range);
    expect(unique).toMatch(/^[A-Za-z0-9]{16}$/);
    expect(deliveryUnique({ ...range })).toBe(unique);
    expect(unique).toBe(PINNED_UNIQUE);
  });

  it('differs when any part of the range differs', () => {
    const variants = [
      range,
      { ...range, trail: 'arn:aws:cloudtrail:us-east-1:111122223333:trail/other' },
      { ...range, accountId: '444455556666' },
      { ...range, region: 'us-west-2' },
      { ...range, category: 'CloudTrail-Insight' as const },
      { ...range, firstSeq: 1000 },
      { ...range, lastSeq: 2001 },
      // "1|12" vs "11|2": the separator keeps fields apart.
      { ...range, firstSeq: 1, lastSeq: 12 },
      { ...range, firstSeq: 11, lastSeq: 12 },
    ];
    expect(new Set(variants.map(deliveryUnique)).size).toBe(variants.length);
  });

  it('spreads over the whole alphabet and makes keys every sink accepts', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 500; i++) {
      const unique = deliveryUnique({ ...range, firstSeq: i, lastSeq: i + 10 });
      for (const c of unique) seen.add(c);
      const key = logFileKey({ accountId: range.accountId, region: range.region, deliveryTime: 0, unique });
      expect(objectKeyProblem(key)).toBeUndefined();
      expect(parseLogFileKey(key)?.unique).toBe(unique);
    }
    expect(seen.size).toBe(62);
  });

  it('refuses impossible ranges', () => {
    expect(() => deliveryUnique({ ...range, firstSeq: 5, lastSeq: 4 })).toThrow('last seq 4 is before first seq 5');
    expect(() => deliveryUnique({ ...range, firstSeq: 1.5 })).toThrow('non-negative integers');
  });
});

const PINNED_UNIQUE = 'Afs6ODs2qIbxr1yU';
