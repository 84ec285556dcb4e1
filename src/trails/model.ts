import type { TrailSelectors } from './selectors/types.js';

/**
 * The trail: its configuration as CloudTrail keeps it, the rules its names and ARNs follow
 * (spec §4.2) and the shapes the API answers with (spec §4.3). Validation failures are
 * `TrailConfigError`s carrying the AWS exception name, so the API maps them one to one.
 */

export interface Tag {
  Key: string;
  Value?: string;
}

/** The configuration a caller chooses; everything else (ARN, times, selectors) the repository sets. */
export interface TrailConfig {
  s3BucketName: string;
  s3KeyPrefix?: string;
  snsTopicName?: string;
  snsTopicArn?: string;
  includeGlobalServiceEvents: boolean;
  isMultiRegionTrail: boolean;
  isOrganizationTrail: boolean;
  /**
   * Organisation trails: the organisation (`o-…`) the owning management account led when the trail
   * became one. Delivery keys carry it (`AWSLogs/o-…/ACCOUNT/…`) and it selects the member accounts.
   */
  organizationId?: string;
  logFileValidationEnabled: boolean;
  cloudWatchLogsLogGroupArn?: string;
  cloudWatchLogsRoleArn?: string;
  kmsKeyId?: string;
}

export interface Trail extends TrailConfig {
  accountId: string;
  name: string;
  homeRegion: string;
  trailArn: string;
  selectors: TrailSelectors;
  /** True once PutEventSelectors has run (the default selector is not "custom"). */
  hasCustomEventSelectors: boolean;
  hasInsightSelectors: boolean;
  createdAtMs: number;
  updatedAtMs: number;
}

/** A trail's logging state and the delivery figures GetTrailStatus reports. */
export interface TrailStatus {
  isLogging: boolean;
  startLoggingTimeMs?: number;
  stopLoggingTimeMs?: number;
  latestDeliveryTimeMs?: number;
  latestDeliveryAttemptTimeMs?: number;
  latestDeliveryError?: string;
  latestDigestDeliveryTimeMs?: number;
  latestDigestDeliveryError?: string;
  latestNotificationTimeMs?: number;
  latestNotificationAttemptTimeMs?: number;
  latestNotificationError?: string;
  latestCloudWatchLogsDeliveryTimeMs?: number;
  latestCloudWatchLogsDeliveryError?: string;
}

export const MAX_TRAILS_PER_REGION = 5;
export const MAX_TAGS_PER_RESOURCE = 50;
export const MAX_S3_KEY_PREFIX = 200;
export const MAX_SNS_TOPIC_NAME = 256;

/** The AWS exception each configuration rule answers with. */
export type TrailConfigErrorCode =
  | 'InvalidTrailNameException'
  | 'CloudTrailARNInvalidException'
  | 'InvalidS3BucketNameException'
  | 'InvalidS3PrefixException'
  | 'InvalidSnsTopicNameException'
  | 'InvalidKmsKeyIdException'
  | 'InvalidCloudWatchLogsLogGroupArnException'
  | 'InvalidCloudWatchLogsRoleArnException'
  | 'InvalidParameterCombinationException'
  | 'InvalidTagParameterException'
  | 'TagsLimitExceededException';

export class TrailConfigError extends Error {
  constructor(
    readonly code: TrailConfigErrorCode,
    message: string,
  ) {
    super(message);
  }
}

const fail = (code: TrailConfigErrorCode, message: string) => new TrailConfigError(code, message);

// ---------------------------------------------------------------------------------------------
// Names and ARNs

const NAME_CHARS = /^[A-Za-z0-9._-]+$/;
const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;
const ADJACENT_PUNCTUATION = /[._-]{2}/;

/**
 * Checks a trail name against CloudTrail's rules, in the order AWS reports them (the wording of
 * the first five is AWS's as the emulators record it; spec §4.1).
 */
export function validateTrailName(name: string): void {
  const err = (m: string) => fail('InvalidTrailNameException', m);
  if (name.length < 3) {
    throw err(
      `Trail name too short. Minimum allowed length: 3 characters. Specified name length: ${name.length} characters.`,
    );
  }
  if (name.length > 128) {
    throw err(
      `Trail name too long. Maximum allowed length: 128 characters. Specified name length: ${name.length} characters.`,
    );
  }
  if (!/^[A-Za-z0-9]/.test(name)) throw err('Trail name must starts with a letter or number.');
  if (!/[A-Za-z0-9]$/.test(name)) throw err('Trail name must ends with a letter or number.');
  if (!NAME_CHARS.test(name)) {
    throw err(
      'Trail name or ARN can only contain uppercase letters, lowercase letters, numbers, periods (.), hyphens (-), and underscores (_).',
    );
  }
  if (ADJACENT_PUNCTUATION.test(name)) {
    throw err(
      `Trail name ${name} has adjacent periods, underscores or hyphens; names like my-_trail and my--trail are not valid.`,
    );
  }
  if (IPV4.test(name)) throw err(`Trail name ${name} is in IP address format; such names are not valid.`);
}

const TRAIL_ARN = /^arn:(aws|aws-cn|aws-us-gov):cloudtrail:([a-z]{2}(?:-[a-z]+)+-\d):(\d{12}):trail\/(.+)$/;

export function trailArn(region: string, accountId: string, name: string): string {
  return `arn:aws:cloudtrail:${region}:${accountId}:trail/${name}`;
}

export interface TrailArnParts {
  region: string;
  accountId: string;
  name: string;
}

export function parseTrailArn(arn: string): TrailArnParts | undefined {
  const m = TRAIL_ARN.exec(arn);
  if (!m || !isValidTrailName(m[4]!)) return undefined;
  return { region: m[2]!, accountId: m[3]!, name: m[4]! };
}

export function isValidTrailName(name: string): boolean {
  try {
    validateTrailName(name);
    return true;
  } catch {
    return false;
  }
}

/** A `Name` / `TrailName` argument: a trail name in the caller's region, or a trail ARN. */
export type TrailRef = { kind: 'name'; name: string } | ({ kind: 'arn'; arn: string } & TrailArnParts);

/** Resolves a name-or-ARN argument; throws CloudTrailARNInvalidException or InvalidTrailNameException. */
export function parseTrailRef(ref: string): TrailRef {
  if (ref.startsWith('arn:')) {
    const parts = parseTrailArn(ref);
    if (!parts) {
      throw fail(
        'CloudTrailARNInvalidException',
        `ARN ${ref} is not a valid trail ARN; expected arn:aws:cloudtrail:<region>:<account-id>:trail/<name>.`,
      );
    }
    return { kind: 'arn', arn: ref, ...parts };
  }
  validateTrailName(ref);
  return { kind: 'name', name: ref };
}

// ---------------------------------------------------------------------------------------------
// Destinations

/**
 * S3 bucket naming rules (general purpose buckets). The bucket also becomes a folder of the
 * directory sink, so a name that passes can never walk out of the buckets directory.
 */
export function validateS3BucketName(bucket: string): void {
  const err = (why: string) => fail('InvalidS3BucketNameException', `Bucket name ${bucket} is not valid: ${why}.`);
  if (bucket.length < 3 || bucket.length > 63) throw err('it must be 3 to 63 characters long');
  if (!/^[a-z0-9.-]+$/.test(bucket)) throw err('use only lower-case letters, digits, periods (.) and hyphens (-)');
  if (!/^[a-z0-9]/.test(bucket) || !/[a-z0-9]$/.test(bucket)) throw err('it must begin and end with a letter or digit');
  if (bucket.includes('..')) throw err('it must not contain two adjacent periods');
  if (IPV4.test(bucket)) throw err('it must not be formatted as an IP address');
}

/**
 * The S3 key prefix: at most 200 characters. Path segments `.` and `..` and control characters
 * are refused too: the directory sink maps the prefix onto folders, and a prefix must never
 * reach outside its bucket's folder (AWS would accept them; no real trail needs them).
 */
export function validateS3KeyPrefix(prefix: string): void {
  const err = (why: string) =>
    fail('InvalidS3PrefixException', `S3 key prefix ${prefix.slice(0, 250)} is not valid: ${why}.`);
  if (prefix.length > MAX_S3_KEY_PREFIX)
    throw err(`it is ${prefix.length} characters long; the maximum is ${MAX_S3_KEY_PREFIX}`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(prefix)) throw err('it contains control characters');
  if (prefix.split('/').some((seg) => seg === '.' || seg === '..')) throw err('it contains a "." or ".." path segment');
}

const SNS_TOPIC_NAME = /^[A-Za-z0-9_-]{1,256}$/;
const SNS_TOPIC_ARN = /^arn:(aws|aws-cn|aws-us-gov):sns:[a-z]{2}(?:-[a-z]+)+-\d:\d{12}:([A-Za-z0-9_-]{1,256})$/;

/** SnsTopicName is a topic name or ARN; returns the ARN the trail reports as SnsTopicARN. */
export function snsTopicArnOf(topic: string, region: string, accountId: string): string {
  if (topic.length > MAX_SNS_TOPIC_NAME) {
    throw fail('InvalidSnsTopicNameException', `SnsTopicName is ${topic.length} characters long; the maximum is 256.`);
  }
  if (SNS_TOPIC_ARN.test(topic)) return topic;
  if (SNS_TOPIC_NAME.test(topic)) return `arn:aws:sns:${region}:${accountId}:${topic}`;
  throw fail(
    'InvalidSnsTopicNameException',
    `SnsTopicName ${topic} is not a topic name (letters, digits, hyphens, underscores) or a topic ARN.`,
  );
}

const KMS_KEY_UUID = '(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})';
const KMS_ALIAS_NAME = 'alias/[A-Za-z0-9/_-]{1,250}';
const KMS_ARN = new RegExp(
  `^arn:(aws|aws-cn|aws-us-gov):kms:[a-z]{2}(?:-[a-z]+)+-\\d:\\d{12}:(?:key/${KMS_KEY_UUID}|${KMS_ALIAS_NAME})$`,
);

/**
 * KmsKeyId may be a key id, an alias name, an alias ARN or a key ARN. The trail reports the ARN
 * form (AWS resolves aliases to the key ARN; with no KMS here, an alias stays an alias ARN).
 */
export function kmsKeyArnOf(keyId: string, region: string, accountId: string): string {
  if (KMS_ARN.test(keyId)) return keyId;
  if (new RegExp(`^${KMS_KEY_UUID}$`).test(keyId)) return `arn:aws:kms:${region}:${accountId}:key/${keyId}`;
  if (new RegExp(`^${KMS_ALIAS_NAME}$`).test(keyId) && !keyId.startsWith('alias/aws/')) {
    return `arn:aws:kms:${region}:${accountId}:${keyId}`;
  }
  throw fail(
    'InvalidKmsKeyIdException',
    `KmsKeyId ${keyId} is not a KMS key id, key ARN, alias name (alias/…) or alias ARN, or names an AWS managed key.`,
  );
}

const LOG_GROUP_ARN =
  /^arn:(aws|aws-cn|aws-us-gov):logs:[a-z]{2}(?:-[a-z]+)+-\d:\d{12}:log-group:[A-Za-z0-9_\-/.#]{1,512}:\*$/;
const ROLE_ARN = /^arn:(aws|aws-cn|aws-us-gov):iam::\d{12}:role\/[A-Za-z0-9+=,.@_\-/]{1,512}$/;

/** CloudWatch Logs delivery needs a log group ARN (ending `:*`) and a role ARN, both or neither. */
export function validateCloudWatchLogs(groupArn: string | undefined, roleArn: string | undefined): void {
  if (groupArn !== undefined && !LOG_GROUP_ARN.test(groupArn)) {
    throw fail(
      'InvalidCloudWatchLogsLogGroupArnException',
      `CloudWatchLogsLogGroupArn ${groupArn} is not a log group ARN such as arn:aws:logs:us-east-1:111111111111:log-group:my-group:*.`,
    );
  }
  if (roleArn !== undefined && !ROLE_ARN.test(roleArn)) {
    throw fail(
      'InvalidCloudWatchLogsRoleArnException',
      `CloudWatchLogsRoleArn ${roleArn} is not an IAM role ARN such as arn:aws:iam::111111111111:role/CloudTrail_CloudWatchLogs.`,
    );
  }
  if ((groupArn === undefined) !== (roleArn === undefined)) {
    throw fail(
      'InvalidParameterCombinationException',
      'CloudWatchLogsLogGroupArn and CloudWatchLogsRoleArn must be given together (or both left out).',
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Tags

/** Checks tags (Key 1–128, Value 1–256 when present, no `aws:` keys, no key twice in one call). */
export function validateTags(tags: readonly Tag[]): void {
  const seen = new Set<string>();
  for (const t of tags) {
    if (t.Key.length < 1 || t.Key.length > 128) {
      throw fail('InvalidTagParameterException', `Tag key ${t.Key.slice(0, 200)} must be 1 to 128 characters long.`);
    }
    if (t.Value !== undefined && (t.Value.length < 1 || t.Value.length > 256)) {
      throw fail('InvalidTagParameterException', `The value of tag ${t.Key} must be 1 to 256 characters long.`);
    }
    if (t.Key.toLowerCase().startsWith('aws:')) {
      throw fail('InvalidTagParameterException', `Tag key ${t.Key} uses the reserved prefix aws:.`);
    }
    if (seen.has(t.Key)) throw fail('InvalidTagParameterException', `Tag key ${t.Key} appears more than once.`);
    seen.add(t.Key);
  }
}

// ---------------------------------------------------------------------------------------------
// Shapes (spec §4.3): unset optional strings are left out, never null.

const optional = <K extends string>(key: K, v: string | undefined): { [P in K]?: string } =>
  (v === undefined ? {} : { [key]: v }) as { [P in K]?: string };

/** The members CreateTrail and UpdateTrail answer with. */
export function trailConfigShape(t: Trail): Record<string, unknown> {
  return {
    Name: t.name,
    S3BucketName: t.s3BucketName,
    ...optional('S3KeyPrefix', t.s3KeyPrefix),
    ...optional('SnsTopicName', t.snsTopicName),
    ...optional('SnsTopicARN', t.snsTopicArn),
    IncludeGlobalServiceEvents: t.includeGlobalServiceEvents,
    IsMultiRegionTrail: t.isMultiRegionTrail,
    TrailARN: t.trailArn,
    LogFileValidationEnabled: t.logFileValidationEnabled,
    ...optional('CloudWatchLogsLogGroupArn', t.cloudWatchLogsLogGroupArn),
    ...optional('CloudWatchLogsRoleArn', t.cloudWatchLogsRoleArn),
    ...optional('KmsKeyId', t.kmsKeyId),
    IsOrganizationTrail: t.isOrganizationTrail,
  };
}

/** The `Trail` shape of GetTrail and DescribeTrails: the configuration plus where and what. */
export function trailShape(t: Trail): Record<string, unknown> {
  return {
    ...trailConfigShape(t),
    HomeRegion: t.homeRegion,
    HasCustomEventSelectors: t.hasCustomEventSelectors,
    HasInsightSelectors: t.hasInsightSelectors,
  };
}

/** The `TrailInfo` shape of ListTrails. */
export function trailInfoShape(t: Trail): Record<string, unknown> {
  return { TrailARN: t.trailArn, Name: t.name, HomeRegion: t.homeRegion };
}

/** A trail is visible in `region` when it lives there, or covers every region (a shadow trail). */
export function isVisibleIn(t: Trail, region: string): boolean {
  return t.homeRegion === region || t.isMultiRegionTrail;
}

/** CloudTrail's legacy status strings: e.g. `2024-05-01T12:00:00Z`, empty when never. */
function legacyTime(ms: number | undefined): string {
  return ms === undefined ? '' : new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

const seconds = (ms: number | undefined) => (ms === undefined ? undefined : ms / 1000);

/** GetTrailStatus: timestamps as epoch seconds, plus the legacy string members AWS still sends. */
export function trailStatusShape(s: TrailStatus): Record<string, unknown> {
  const out: Record<string, unknown> = { IsLogging: s.isLogging };
  const put = (key: string, v: unknown) => {
    if (v !== undefined) out[key] = v;
  };
  put('LatestDeliveryError', s.latestDeliveryError);
  put('LatestNotificationError', s.latestNotificationError);
  put('LatestDeliveryTime', seconds(s.latestDeliveryTimeMs));
  put('LatestNotificationTime', seconds(s.latestNotificationTimeMs));
  put('StartLoggingTime', seconds(s.startLoggingTimeMs));
  put('StopLoggingTime', seconds(s.stopLoggingTimeMs));
  put('LatestCloudWatchLogsDeliveryError', s.latestCloudWatchLogsDeliveryError);
  put('LatestCloudWatchLogsDeliveryTime', seconds(s.latestCloudWatchLogsDeliveryTimeMs));
  put('LatestDigestDeliveryTime', seconds(s.latestDigestDeliveryTimeMs));
  put('LatestDigestDeliveryError', s.latestDigestDeliveryError);
  out.LatestDeliveryAttemptTime = legacyTime(s.latestDeliveryAttemptTimeMs);
  out.LatestNotificationAttemptTime = legacyTime(s.latestNotificationAttemptTimeMs);
  out.LatestNotificationAttemptSucceeded =
    s.latestNotificationAttemptTimeMs === undefined ? '' : legacyTime(s.latestNotificationTimeMs);
  out.LatestDeliveryAttemptSucceeded =
    s.latestDeliveryAttemptTimeMs === undefined ? '' : legacyTime(s.latestDeliveryTimeMs);
  out.TimeLoggingStarted = legacyTime(s.startLoggingTimeMs);
  out.TimeLoggingStopped = legacyTime(s.stopLoggingTimeMs);
  return out;
}
