/**
 * CloudTrail's S3 key layout (spec §2 and §3.1), built and parsed:
 *
 *   [PFX/]AWSLogs/[o-ORGID/]ACCOUNT/CloudTrail/REGION/YYYY/MM/DD/ACCOUNT_CloudTrail_REGION_YYYYMMDDTHHmmZ_UNIQUE.json.gz
 *   [PFX/]AWSLogs/[o-ORGID/]ACCOUNT/CloudTrail-Insight/REGION/YYYY/MM/DD/ACCOUNT_CloudTrail-Insight_REGION_…_UNIQUE.json.gz
 *
 * with the sibling `CloudTrail-Digest` folder for digests, whose file names src/integrity
 * (digest-key.ts) builds and parses.
 *
 * The date folders and the time token are the *delivery* time (UTC, to the minute in file names). UNIQUE is 16 alphanumeric characters that AWS
 * draws at random; here it is derived from what the file covers (deliveryUnique), so a delivery
 * retried after a crash writes the same key again instead of a second copy (DESIGN §1). For the
 * key to repeat, the caller must pass the same delivery time too: one recorded with the batch,
 * not the clock at the time of the retry.
 *
 * Network-activity file names (`ACCOUNT_CloudTrail-NetworkActivity_…`) follow the folder name by
 * analogy; AWS's exact token is unconfirmed (spec §10).
 */
import { createHash } from 'node:crypto';
import { objectKeyProblem } from './object-rules.js';

export const LOG_FOLDER = 'CloudTrail';
export const INSIGHT_FOLDER = 'CloudTrail-Insight';
export const NETWORK_ACTIVITY_FOLDER = 'CloudTrail-NetworkActivity';
export const DIGEST_FOLDER = 'CloudTrail-Digest';

/** The folders holding log files (records); digests have their own helpers. */
export type LogFileCategory = typeof LOG_FOLDER | typeof INSIGHT_FOLDER | typeof NETWORK_ACTIVITY_FOLDER;

/** CreateTrail's limit on S3KeyPrefix. */
export const MAX_KEY_PREFIX_LENGTH = 200;
export const UNIQUE_LENGTH = 16;

const ACCOUNT_ID = /^\d{12}$/;
const ORG_ID = /^o-[a-z0-9]{10,32}$/;
/** AWS regions (`us-east-1`, `us-gov-west-1`, `cn-north-1`) and any other lowercase-and-hyphens name. */
const REGION = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const UNIQUE = /^[A-Za-z0-9]{16}$/;
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** Where a trail's files for one account and region go. */
export interface TrailFolder {
  /** The trail's S3KeyPrefix ('' or absent for none). A trailing "/" is dropped: keys join it with one "/". */
  prefix?: string;
  /** Organisation trails only: `o-` and 10 to 32 lowercase letters or digits. */
  orgId?: string;
  /** The account whose events the file holds (the member account on organisation trails). */
  accountId: string;
  /** The region the events happened in (for digests: the source region the digest covers). */
  region: string;
}

export interface LogFileKeyFields extends TrailFolder {
  /** Default `CloudTrail`. */
  category?: LogFileCategory;
  /** When the file is delivered; the key keeps it to the minute (UTC). */
  deliveryTime: Date | number;
  /** 16 letters or digits; see deliveryUnique. */
  unique: string;
}

export interface ParsedLogFileKey {
  /** '' when the key starts with `AWSLogs/`. */
  prefix: string;
  orgId?: string;
  accountId: string;
  region: string;
  category: LogFileCategory;
  /** The delivery time in the file name (to the minute). */
  deliveryTime: Date;
  /** The `YYYY/MM/DD` folders as `YYYY-MM-DD`. */
  date: string;
  unique: string;
}

/** A key built from bad parts: the message says which part and what was expected. */
export class ObjectKeyError extends Error {
  override readonly name = 'ObjectKeyError';
}

function fail(message: string): never {
  throw new ObjectKeyError(message);
}

/** Checks a trail's S3KeyPrefix and returns it without trailing slashes ('' for none). */
export function normalizeKeyPrefix(prefix: string | undefined): string {
  if (prefix === undefined || prefix === '') return '';
  if (prefix.length > MAX_KEY_PREFIX_LENGTH) {
    fail(`S3 key prefix is ${prefix.length} characters; CloudTrail allows at most ${MAX_KEY_PREFIX_LENGTH}`);
  }
  const trimmed = prefix.replace(/\/+$/, '');
  const problem = trimmed === '' ? 'it is only slashes' : objectKeyProblem(trimmed)?.replace('the key', 'it');
  if (problem !== undefined) fail(`S3 key prefix ${JSON.stringify(prefix)} cannot be used: ${problem}`);
  return trimmed;
}

function checkAccount(folder: Omit<TrailFolder, 'region'>): void {
  if (!ACCOUNT_ID.test(folder.accountId)) fail(`account ID must be 12 digits, got ${JSON.stringify(folder.accountId)}`);
  if (folder.orgId !== undefined && !ORG_ID.test(folder.orgId)) {
    fail(`organisation ID must be "o-" and 10 to 32 lowercase letters or digits, got ${JSON.stringify(folder.orgId)}`);
  }
}

function checkFolder(folder: TrailFolder): void {
  checkAccount(folder);
  checkRegion(folder.region, 'region');
}

function checkRegion(region: string, what: string): void {
  if (region.length > 32 || !REGION.test(region)) {
    fail(
      `${what} must be lowercase letters, digits and single hyphens (e.g. "us-east-1"), got ${JSON.stringify(region)}`,
    );
  }
}

function utc(time: Date | number, what: string): Date {
  const date = new Date(typeof time === 'number' ? time : time.getTime());
  if (Number.isNaN(date.getTime())) fail(`${what} is not a valid time`);
  return date;
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** `[PFX/]AWSLogs/[o-ORGID/]ACCOUNT/` */
export function accountFolder(folder: Omit<TrailFolder, 'region'>): string {
  checkAccount(folder);
  const prefix = normalizeKeyPrefix(folder.prefix);
  return `${prefix === '' ? '' : `${prefix}/`}AWSLogs/${folder.orgId !== undefined ? `${folder.orgId}/` : ''}${folder.accountId}/`;
}

/** `[PFX/]AWSLogs/[o-ORGID/]ACCOUNT/CATEGORY/REGION/`: list this to find a region's files. */
export function categoryFolder(folder: TrailFolder, category: LogFileCategory | typeof DIGEST_FOLDER): string {
  checkFolder(folder);
  return `${accountFolder(folder)}${category}/${folder.region}/`;
}

/** `…/CATEGORY/REGION/YYYY/MM/DD/` of a (delivery or digest end) time. */
export function dateFolder(
  folder: TrailFolder,
  category: LogFileCategory | typeof DIGEST_FOLDER,
  time: Date | number,
): string {
  const t = utc(time, 'folder time');
  return `${categoryFolder(folder, category)}${t.getUTCFullYear()}/${pad(t.getUTCMonth() + 1)}/${pad(t.getUTCDate())}/`;
}

function yyyymmdd(t: Date): string {
  return `${t.getUTCFullYear()}${pad(t.getUTCMonth() + 1)}${pad(t.getUTCDate())}`;
}

/** `ACCOUNT_CloudTrail_REGION_YYYYMMDDTHHmmZ_UNIQUE.json.gz` */
export function logFileName(fields: Omit<LogFileKeyFields, 'prefix' | 'orgId'>): string {
  checkFolder(fields);
  const category = fields.category ?? LOG_FOLDER;
  if (!UNIQUE.test(fields.unique)) {
    fail(`the unique part of a log file name must be 16 letters or digits, got ${JSON.stringify(fields.unique)}`);
  }
  const t = utc(fields.deliveryTime, 'delivery time');
  const token = `${yyyymmdd(t)}T${pad(t.getUTCHours())}${pad(t.getUTCMinutes())}Z`;
  return `${fields.accountId}_${category}_${fields.region}_${token}_${fields.unique}.json.gz`;
}

/** The full key of a log file (spec §2). */
export function logFileKey(fields: LogFileKeyFields): string {
  const name = logFileName(fields); // first: its messages name the delivery time
  return `${dateFolder(fields, fields.category ?? LOG_FOLDER, fields.deliveryTime)}${name}`;
}

const REGION_SRC = '[a-z0-9]+(?:-[a-z0-9]+)*';
const LOG_KEY = new RegExp(
  `^(?:(.+)/)?AWSLogs/(?:(o-[a-z0-9]{10,32})/)?(\\d{12})/(CloudTrail(?:-Insight|-NetworkActivity)?)/(${REGION_SRC})/` +
    `(\\d{4})/(\\d{2})/(\\d{2})/\\3_\\4_\\5_(\\d{8}T\\d{4}Z)_([A-Za-z0-9]{16})\\.json\\.gz$`,
);
/** `YYYYMMDDTHHmmZ` → Date, or undefined when it names no real time (e.g. February 30th). */
function parseToken(token: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})Z$/.exec(token);
  if (m === null) return undefined;
  const [y, mo, d, h, mi] = m.slice(1).map(Number) as [number, number, number, number, number];
  const date = new Date(Date.UTC(y, mo - 1, d, h, mi));
  const roundTrips =
    date.getUTCFullYear() === y &&
    date.getUTCMonth() === mo - 1 &&
    date.getUTCDate() === d &&
    date.getUTCHours() === h &&
    date.getUTCMinutes() === mi;
  return roundTrips ? date : undefined;
}

/** The fields of a CloudTrail log file key, or undefined when the key is not one. */
export function parseLogFileKey(key: string): ParsedLogFileKey | undefined {
  const m = LOG_KEY.exec(key);
  if (m === null) return undefined;
  const [, prefix, orgId, accountId, category, region, yyyy, mm, dd, token, unique] = m;
  const deliveryTime = parseToken(token!);
  if (deliveryTime === undefined) return undefined;
  const parsed: ParsedLogFileKey = {
    prefix: prefix ?? '',
    accountId: accountId!,
    region: region!,
    category: category as LogFileCategory,
    deliveryTime,
    date: `${yyyy}-${mm}-${dd}`,
    unique: unique!,
  };
  if (orgId !== undefined) parsed.orgId = orgId;
  return parsed;
}

/** What one log file covers: a trail's events of one account, region and category, seq first..last. */
export interface DeliveredRange {
  /** The trail's ARN (or another identity that stays the same for the trail's lifetime). */
  trail: string;
  accountId: string;
  region: string;
  category?: LogFileCategory;
  firstSeq: number;
  lastSeq: number;
}

/**
 * The 16-character unique part of a log file name, derived from what the file covers: the same
 * range always gives the same string, different ranges give different strings (SHA-256, 95 bits
 * kept). Same alphabet and length as AWS's random strings ([0-9A-Za-z]{16}).
 */
export function deliveryUnique(range: DeliveredRange): string {
  if (!Number.isSafeInteger(range.firstSeq) || !Number.isSafeInteger(range.lastSeq) || range.firstSeq < 0) {
    fail(`sequence numbers must be non-negative integers, got ${range.firstSeq}..${range.lastSeq}`);
  }
  if (range.lastSeq < range.firstSeq) fail(`last seq ${range.lastSeq} is before first seq ${range.firstSeq}`);
  const identity = [
    'opentrail/log-file/v1',
    range.trail,
    range.accountId,
    range.region,
    range.category ?? LOG_FOLDER,
    String(range.firstSeq),
    String(range.lastSeq),
  ].join('\u0000');
  const digest = createHash('sha256').update(identity, 'utf8').digest();
  // 128 bits is more than 62^16 (~2^95.3) needs; the remainder is then spread evenly enough.
  let n = digest.readBigUInt64BE(0) * 2n ** 64n + digest.readBigUInt64BE(8);
  let out = '';
  for (let i = 0; i < UNIQUE_LENGTH; i++) {
    out = BASE62[Number(n % 62n)]! + out;
    n /= 62n;
  }
  return out;
}
