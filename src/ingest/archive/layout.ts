/**
 * Classifying archive paths and S3 keys: which ones hold CloudTrail records, which are digests,
 * which are something else (READMEs, licences, S3 folder markers, other services' logs), and what
 * the `AWSLogs/...` layout says about the account, organisation and region.
 *
 * Pure functions, no I/O. Both `/` and `\` separate path segments, so local Windows paths and S3
 * keys classify the same way.
 *
 * Layout (CloudTrail User Guide, "Finding your CloudTrail log files"):
 *
 *   [PFX/]AWSLogs/[o-ORGID/]ACCOUNT/CloudTrail/REGION/YYYY/MM/DD/ACCOUNT_CloudTrail_REGION_YYYYMMDDTHHmmZ_UNIQUE.json.gz
 *
 * with sibling category folders `CloudTrail-Insight`, `CloudTrail-NetworkActivity` and
 * `CloudTrail-Digest` (digest files:
 * `ACCOUNT_CloudTrail-Digest_REGION_TRAILNAME_REGION_YYYYMMDDTHHmmssZ.json.gz`).
 */

export type ArchiveKind = 'log' | 'insight' | 'network-activity' | 'digest' | 'other';

/** Why a path is `other` (not read). */
export type OtherReason =
  /** S3 console / Hadoop folder placeholders: keys ending in `/` or `_$folder$`. */
  | 'folder-marker'
  /** Under `AWSLogs/ACCOUNT/` but in another service's folder (Config, elasticloadbalancing, vpcflowlogs, ...). */
  | 'not-cloudtrail-folder'
  /** Not .json, .json.gz, .jsonl, .ndjson or .gz: READMEs, licences, images, CSV exports, ... */
  | 'unsupported-extension';

/** The CloudTrail category folders that can sit under `AWSLogs/[o-ORGID/]ACCOUNT/`. */
export type CloudTrailCategory =
  'CloudTrail' | 'CloudTrail-Insight' | 'CloudTrail-NetworkActivity' | 'CloudTrail-Digest';

/** What the `AWSLogs/...` part of a path says. Fields are absent when the path stops before them. */
export interface AwsLogsLocation {
  /** Everything before the `AWSLogs` segment ('' when the path starts with it), without trailing separator. */
  prefix: string;
  /** Organisation trails: `o-` followed by 10 to 32 lowercase letters or digits. */
  orgId?: string;
  /** The 12-digit account. */
  accountId?: string;
  /** The folder under the account: a CloudTrail category, or another service's folder name. */
  category?: string;
  region?: string;
  /** YYYY-MM-DD from the `YYYY/MM/DD` folders, when all three are present and numeric. */
  date?: string;
}

/** The layout facts kept on each archive file (from the AWSLogs path, else from the file name). */
export interface ArchiveLayout {
  orgId?: string;
  accountId?: string;
  region?: string;
  /** YYYY-MM-DD from the `YYYY/MM/DD` folders, else from the file name's delivery time. */
  date?: string;
}

export interface PathClassification {
  kind: ArchiveKind;
  /** Set when kind is `other`. */
  otherReason?: OtherReason;
  /** Read as one JSON record per line (`.jsonl`, `.ndjson`, optionally gzipped). */
  ndjson: boolean;
  layout?: ArchiveLayout;
}

const CATEGORY_KIND: Record<CloudTrailCategory, ArchiveKind> = {
  CloudTrail: 'log',
  'CloudTrail-Insight': 'insight',
  'CloudTrail-NetworkActivity': 'network-activity',
  'CloudTrail-Digest': 'digest',
};

const ORG_ID = /^o-[a-z0-9]{10,32}$/;
const ACCOUNT_ID = /^\d{12}$/;
/**
 * CloudTrail file names: `ACCOUNT_CloudTrail[-Insight|-NetworkActivity|-Digest]_REGION_...`.
 * Used when a file was copied out of its folder tree.
 */
const FILE_NAME = /^(\d{12})_(CloudTrail(?:-Insight|-NetworkActivity|-Digest)?)_([a-z]{2}(?:-[a-z]+)+-\d+)_/;

/** The delivery timestamp in CloudTrail file names: `_YYYYMMDDTHHmmZ_` (logs) or `_YYYYMMDDTHHmmssZ.` (digests). */
const FILE_TIME = /_(\d{4})(\d{2})(\d{2})T\d{4}(?:\d{2})?Z[_.]/;

const LOG_SUFFIXES = ['.json', '.json.gz', '.jsonl', '.ndjson', '.jsonl.gz', '.ndjson.gz', '.gz'] as const;
const NDJSON_SUFFIXES = ['.jsonl', '.ndjson', '.jsonl.gz', '.ndjson.gz'] as const;

export function isCloudTrailCategory(name: string): name is CloudTrailCategory {
  return Object.hasOwn(CATEGORY_KIND, name);
}

function splitSegments(path: string): string[] {
  return path.split(/[/\\]/);
}

/** The last path segment (file name); '' for a path ending in a separator. */
export function baseName(path: string): string {
  const segments = splitSegments(path);
  return segments[segments.length - 1] ?? '';
}

/**
 * Parse the `AWSLogs/...` part of a path or key. Returns undefined when there is no `AWSLogs`
 * segment, or when what follows it is not an account (optionally after an org id). The last
 * `AWSLogs` segment that is followed by an account wins, so a prefix that happens to contain
 * `AWSLogs` does not confuse it.
 */
export function parseAwsLogsPath(path: string): AwsLogsLocation | undefined {
  const segments = splitSegments(path);
  for (let i = segments.length - 2; i >= 0; i--) {
    if (segments[i] !== 'AWSLogs') continue;
    // The file itself is the last segment; folders are segments[i + 1 .. length - 2].
    const folders = segments.slice(i + 1, segments.length - 1);
    const location: AwsLogsLocation = { prefix: segments.slice(0, i).join('/') };
    let next = 0;
    const first = folders[0];
    if (first !== undefined && ORG_ID.test(first)) {
      location.orgId = first;
      next = 1;
    }
    const account = folders[next];
    if (account === undefined) {
      // `AWSLogs/o-xxx/` or `AWSLogs/` alone: still an AWSLogs tree, nothing more known.
      if (folders.length === next) return location;
      continue;
    }
    if (!ACCOUNT_ID.test(account)) continue;
    location.accountId = account;
    const category = folders[next + 1];
    if (category === undefined) return location;
    location.category = category;
    if (!isCloudTrailCategory(category)) return location;
    const region = folders[next + 2];
    if (region !== undefined) location.region = region;
    const [yyyy, mm, dd] = folders.slice(next + 3, next + 6);
    if (yyyy !== undefined && mm !== undefined && dd !== undefined) {
      if (/^\d{4}$/.test(yyyy) && /^\d{2}$/.test(mm) && /^\d{2}$/.test(dd)) location.date = `${yyyy}-${mm}-${dd}`;
    }
    return location;
  }
  return undefined;
}

function hasSuffix(lowerName: string, suffixes: readonly string[]): boolean {
  return suffixes.some((suffix) => lowerName.endsWith(suffix) && lowerName.length > suffix.length);
}

function layoutOf(location: AwsLogsLocation): ArchiveLayout | undefined {
  const layout: ArchiveLayout = {};
  if (location.orgId !== undefined) layout.orgId = location.orgId;
  if (location.accountId !== undefined) layout.accountId = location.accountId;
  if (location.region !== undefined) layout.region = location.region;
  if (location.date !== undefined) layout.date = location.date;
  return Object.keys(layout).length > 0 ? layout : undefined;
}

/**
 * Classify a local path or S3 key.
 *
 * - Folder markers (`.../`, `..._$folder$`) and files without a log extension are `other`.
 * - Under `AWSLogs/[o-ORGID/]ACCOUNT/`, the category folder decides: `CloudTrail` → log,
 *   `CloudTrail-Insight` → insight, `CloudTrail-NetworkActivity` → network-activity,
 *   `CloudTrail-Digest` → digest, any other folder (Config, vpcflowlogs, ...) → other.
 * - Elsewhere the CloudTrail file name pattern decides (a digest copied out of its folder is still
 *   a digest); anything else with a log extension is a `log` candidate — the decoder has the last
 *   word (a JSON file that is not CloudTrail-shaped fails, a digest-shaped one is skipped).
 */
export function classifyPath(path: string): PathClassification {
  const name = baseName(path);
  const lower = name.toLowerCase();
  if (name === '' || name.endsWith('_$folder$')) return { kind: 'other', otherReason: 'folder-marker', ndjson: false };
  if (!hasSuffix(lower, LOG_SUFFIXES)) return { kind: 'other', otherReason: 'unsupported-extension', ndjson: false };
  const ndjson = hasSuffix(lower, NDJSON_SUFFIXES);

  const location = parseAwsLogsPath(path);
  const fromName = FILE_NAME.exec(name);
  let layout = location !== undefined ? layoutOf(location) : undefined;
  if (fromName !== null) {
    // Fill in what the folders did not say (files copied out of their tree).
    const [, account, , region] = fromName;
    layout = { ...layout };
    if (layout.accountId === undefined && account !== undefined) layout.accountId = account;
    if (layout.region === undefined && region !== undefined) layout.region = region;
    const time = FILE_TIME.exec(name);
    if (layout.date === undefined && time !== null) layout.date = `${time[1]}-${time[2]}-${time[3]}`;
  }
  const withLayout = (kind: ArchiveKind): PathClassification =>
    layout !== undefined ? { kind, ndjson, layout } : { kind, ndjson };

  if (location?.category !== undefined) {
    if (!isCloudTrailCategory(location.category)) {
      return { kind: 'other', otherReason: 'not-cloudtrail-folder', ndjson, ...(layout ? { layout } : {}) };
    }
    return withLayout(CATEGORY_KIND[location.category]);
  }
  const nameCategory = fromName?.[2];
  if (nameCategory !== undefined && isCloudTrailCategory(nameCategory)) return withLayout(CATEGORY_KIND[nameCategory]);
  return withLayout('log');
}

/** One-line, human-readable explanation of an `other` reason, for skip messages. */
export function describeOtherReason(reason: OtherReason): string {
  switch (reason) {
    case 'folder-marker':
      return 'S3 folder marker';
    case 'not-cloudtrail-folder':
      return "not in a CloudTrail folder (another service's logs)";
    case 'unsupported-extension':
      return 'not a .json, .json.gz, .jsonl, .ndjson or .gz file';
  }
}
