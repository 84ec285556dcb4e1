import { describe, expect, it } from 'vitest';
import {
  TrailConfigError,
  kmsKeyArnOf,
  parseTrailArn,
  parseTrailRef,
  snsTopicArnOf,
  trailConfigShape,
  trailShape,
  trailStatusShape,
  validateCloudWatchLogs,
  validateS3BucketName,
  validateS3KeyPrefix,
  validateTags,
  validateTrailName,
  type Trail,
} from './model.js';
import { defaultSelectors } from './selectors/types.js';

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof TrailConfigError) return `${err.code}: ${err.message}`;
    throw err;
  }
  return 'ok';
}

describe('trail names', () => {
  it.each([
    ['abc', 'ok'],
    ['My.Trail_1-x', 'ok'],
    ['a'.repeat(128), 'ok'],
    ['1.2.3', 'ok'],
    [
      'ab',
      'InvalidTrailNameException: Trail name too short. Minimum allowed length: 3 characters. Specified name length: 2 characters.',
    ],
    [
      'a'.repeat(129),
      'InvalidTrailNameException: Trail name too long. Maximum allowed length: 128 characters. Specified name length: 129 characters.',
    ],
    ['-abc', 'InvalidTrailNameException: Trail name must starts with a letter or number.'],
    ['abc_', 'InvalidTrailNameException: Trail name must ends with a letter or number.'],
    [
      'ab c',
      'InvalidTrailNameException: Trail name or ARN can only contain uppercase letters, lowercase letters, numbers, periods (.), hyphens (-), and underscores (_).',
    ],
    ['tr/ail', expect.stringContaining('can only contain')],
    ['my-_trail', expect.stringMatching(/adjacent periods, underscores or hyphens/)],
    ['my--trail', expect.stringMatching(/adjacent/)],
    ['my..trail', expect.stringMatching(/adjacent/)],
    [
      '192.168.5.4',
      'InvalidTrailNameException: Trail name 192.168.5.4 is in IP address format; such names are not valid.',
    ],
  ])('%s → %s', (name, expected) => {
    expect(codeOf(() => validateTrailName(name))).toEqual(expected);
  });
});

describe('trail ARNs and name-or-ARN arguments', () => {
  it('parses ARNs and refuses malformed ones', () => {
    expect(parseTrailArn('arn:aws:cloudtrail:eu-west-1:111111111111:trail/main')).toEqual({
      region: 'eu-west-1',
      accountId: '111111111111',
      name: 'main',
    });
    expect(parseTrailArn('arn:aws:cloudtrail:eu-west-1:1111:trail/main')).toBeUndefined();
    expect(parseTrailArn('arn:aws:cloudtrail:eu-west-1:111111111111:channel/x')).toBeUndefined();
    expect(parseTrailArn('arn:aws:cloudtrail:eu-west-1:111111111111:trail/a')).toBeUndefined();
    expect(parseTrailRef('main')).toEqual({ kind: 'name', name: 'main' });
    expect(parseTrailRef('arn:aws:cloudtrail:us-east-1:111111111111:trail/main')).toMatchObject({
      kind: 'arn',
      name: 'main',
    });
    expect(codeOf(() => parseTrailRef('arn:aws:s3:::bucket'))).toMatch(
      /^CloudTrailARNInvalidException: ARN arn:aws:s3:::bucket is not a valid trail ARN/,
    );
    expect(codeOf(() => parseTrailRef('x'))).toMatch(/^InvalidTrailNameException: Trail name too short/);
  });
});

describe('destinations', () => {
  it.each([
    ['audit-logs', 'ok'],
    ['my.audit.logs', 'ok'],
    ['ab', /3 to 63/],
    ['Audit', /lower-case/],
    ['-audit', /begin and end/],
    ['audit..logs', /two adjacent periods/],
    ['10.0.0.1', /IP address/],
    ['../etc', /lower-case|begin/],
  ])('bucket %s', (bucket, expected) => {
    const got = codeOf(() => validateS3BucketName(bucket));
    if (expected === 'ok') expect(got).toBe('ok');
    else expect(got).toMatch(new RegExp(`^InvalidS3BucketNameException: .*${(expected as RegExp).source}`));
  });

  it('checks key prefixes: 200 characters, no . or .. segments', () => {
    expect(codeOf(() => validateS3KeyPrefix('org/audit'))).toBe('ok');
    expect(codeOf(() => validateS3KeyPrefix('p'.repeat(200)))).toBe('ok');
    expect(codeOf(() => validateS3KeyPrefix('p'.repeat(201)))).toMatch(/^InvalidS3PrefixException: .*201 characters/);
    expect(codeOf(() => validateS3KeyPrefix('a/../../etc'))).toMatch(/^InvalidS3PrefixException: .*path segment/);
    expect(codeOf(() => validateS3KeyPrefix('a\nb'))).toMatch(/control characters/);
  });

  it('turns SNS topic names into ARNs and keeps ARNs', () => {
    expect(snsTopicArnOf('alerts', 'us-east-1', '111111111111')).toBe('arn:aws:sns:us-east-1:111111111111:alerts');
    expect(snsTopicArnOf('arn:aws:sns:eu-west-1:222222222222:t', 'us-east-1', '111111111111')).toBe(
      'arn:aws:sns:eu-west-1:222222222222:t',
    );
    expect(codeOf(() => snsTopicArnOf('no spaces', 'us-east-1', '111111111111'))).toMatch(
      /^InvalidSnsTopicNameException/,
    );
    expect(codeOf(() => snsTopicArnOf('t'.repeat(257), 'us-east-1', '111111111111'))).toMatch(/257 characters/);
  });

  it('accepts the four KMS key forms and reports the ARN', () => {
    const id = '1234abcd-12ab-34cd-56ef-1234567890ab';
    expect(kmsKeyArnOf(id, 'us-east-1', '111111111111')).toBe(`arn:aws:kms:us-east-1:111111111111:key/${id}`);
    expect(kmsKeyArnOf('alias/trail', 'us-east-1', '111111111111')).toBe(
      'arn:aws:kms:us-east-1:111111111111:alias/trail',
    );
    expect(kmsKeyArnOf(`arn:aws:kms:us-east-1:111111111111:key/${id}`, 'x', 'y')).toBe(
      `arn:aws:kms:us-east-1:111111111111:key/${id}`,
    );
    expect(kmsKeyArnOf('arn:aws:kms:us-east-1:111111111111:alias/a', 'x', 'y')).toBe(
      'arn:aws:kms:us-east-1:111111111111:alias/a',
    );
    expect(codeOf(() => kmsKeyArnOf('not-a-key', 'us-east-1', '111111111111'))).toMatch(/^InvalidKmsKeyIdException/);
    expect(codeOf(() => kmsKeyArnOf('alias/aws/s3', 'us-east-1', '111111111111'))).toMatch(/^InvalidKmsKeyIdException/);
  });

  it('needs a log group ARN and a role ARN together', () => {
    const group = 'arn:aws:logs:us-east-1:111111111111:log-group:CloudTrail/logs:*';
    const role = 'arn:aws:iam::111111111111:role/CloudTrail_CloudWatchLogs';
    expect(codeOf(() => validateCloudWatchLogs(group, role))).toBe('ok');
    expect(codeOf(() => validateCloudWatchLogs(undefined, undefined))).toBe('ok');
    expect(codeOf(() => validateCloudWatchLogs(group, undefined))).toMatch(/^InvalidParameterCombinationException/);
    expect(codeOf(() => validateCloudWatchLogs(group.replace(':*', ''), role))).toMatch(
      /^InvalidCloudWatchLogsLogGroupArnException/,
    );
    expect(codeOf(() => validateCloudWatchLogs(group, 'arn:aws:iam::111111111111:user/x'))).toMatch(
      /^InvalidCloudWatchLogsRoleArnException/,
    );
  });
});

describe('tags', () => {
  it.each([
    [[{ Key: 'team', Value: 'sec' }, { Key: 'no-value' }], 'ok'],
    [[{ Key: '' }], /1 to 128/],
    [[{ Key: 'k'.repeat(129) }], /1 to 128/],
    [[{ Key: 'k', Value: '' }], /value of tag k must be 1 to 256/],
    [[{ Key: 'k', Value: 'v'.repeat(257) }], /1 to 256/],
    [[{ Key: 'aws:createdBy', Value: 'x' }], /reserved prefix aws:/],
    [[{ Key: 'a' }, { Key: 'a' }], /appears more than once/],
  ])('%j', (tags, expected) => {
    const got = codeOf(() => validateTags(tags));
    if (expected === 'ok') expect(got).toBe('ok');
    else expect(got).toMatch(new RegExp(`^InvalidTagParameterException: .*${(expected as RegExp).source}`));
  });
});

const TRAIL: Trail = {
  accountId: '111111111111',
  name: 'main',
  homeRegion: 'us-east-1',
  trailArn: 'arn:aws:cloudtrail:us-east-1:111111111111:trail/main',
  s3BucketName: 'audit-logs',
  includeGlobalServiceEvents: true,
  isMultiRegionTrail: false,
  isOrganizationTrail: false,
  logFileValidationEnabled: true,
  selectors: defaultSelectors(),
  hasCustomEventSelectors: false,
  hasInsightSelectors: false,
  createdAtMs: 0,
  updatedAtMs: 0,
};

describe('shapes', () => {
  it('answers the Trail shape with unset strings left out', () => {
    expect(trailShape(TRAIL)).toEqual({
      Name: 'main',
      S3BucketName: 'audit-logs',
      IncludeGlobalServiceEvents: true,
      IsMultiRegionTrail: false,
      HomeRegion: 'us-east-1',
      TrailARN: TRAIL.trailArn,
      LogFileValidationEnabled: true,
      HasCustomEventSelectors: false,
      HasInsightSelectors: false,
      IsOrganizationTrail: false,
    });
    const full = {
      ...TRAIL,
      s3KeyPrefix: 'p',
      snsTopicName: 't',
      snsTopicArn: 'arn:aws:sns:us-east-1:111111111111:t',
      kmsKeyId: 'k',
    };
    expect(Object.keys(trailConfigShape(full))).toEqual([
      'Name',
      'S3BucketName',
      'S3KeyPrefix',
      'SnsTopicName',
      'SnsTopicARN',
      'IncludeGlobalServiceEvents',
      'IsMultiRegionTrail',
      'TrailARN',
      'LogFileValidationEnabled',
      'KmsKeyId',
      'IsOrganizationTrail',
    ]);
  });

  it('answers GetTrailStatus with epoch seconds and the legacy strings', () => {
    expect(trailStatusShape({ isLogging: false })).toEqual({
      IsLogging: false,
      LatestDeliveryAttemptTime: '',
      LatestNotificationAttemptTime: '',
      LatestNotificationAttemptSucceeded: '',
      LatestDeliveryAttemptSucceeded: '',
      TimeLoggingStarted: '',
      TimeLoggingStopped: '',
    });
    const t0 = Date.UTC(2024, 4, 1, 12, 0, 0, 500);
    expect(
      trailStatusShape({
        isLogging: true,
        startLoggingTimeMs: t0,
        latestDeliveryTimeMs: t0,
        latestDeliveryAttemptTimeMs: t0,
      }),
    ).toEqual({
      IsLogging: true,
      StartLoggingTime: t0 / 1000,
      LatestDeliveryTime: t0 / 1000,
      LatestDeliveryAttemptTime: '2024-05-01T12:00:00Z',
      LatestNotificationAttemptTime: '',
      LatestNotificationAttemptSucceeded: '',
      LatestDeliveryAttemptSucceeded: '2024-05-01T12:00:00Z',
      TimeLoggingStarted: '2024-05-01T12:00:00Z',
      TimeLoggingStopped: '',
    });
  });
});
