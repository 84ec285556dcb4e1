/**
 * Where digest files live (spec §3.1):
 * `[PFX/]AWSLogs/[o-ORG/]ACCT/CloudTrail-Digest/SRC/YYYY/MM/DD/ACCT_CloudTrail-Digest_SRC_TRAIL_HOME_YYYYMMDDTHHMMSSZ.json.gz`.
 * The same functions build keys for delivery and find them for validation, so the two cannot drift.
 */
import { compactSeconds, dateFolders } from './times.js';

export interface DigestLocation {
  /** The trail's S3 key prefix, without a trailing `/`; absent or empty for none. */
  prefix?: string | undefined;
  /** `o-…` for organisation trails. */
  organizationId?: string | undefined;
  /** The account whose logs the digest covers (the member account for organisation trails). */
  accountId: string;
  /** The region whose logs the digest covers. */
  sourceRegion: string;
  trailName: string;
  /** The region where the trail was created. */
  homeRegion: string;
}

const BACKFILL_SUFFIX = '_backfill.json.gz';

/** Prepends the prefix the way the AWS CLI does: `prefix + "/" + key` when the prefix is non-empty. */
function withPrefix(prefix: string | undefined, key: string): string {
  return prefix ? `${prefix}/${key}` : key;
}

function accountRoot(loc: DigestLocation): string {
  return loc.organizationId ? `AWSLogs/${loc.organizationId}/${loc.accountId}` : `AWSLogs/${loc.accountId}`;
}

/** The key of the digest whose period ends at `endMs`. */
export function digestObjectKey(loc: DigestLocation, endMs: number): string {
  const name =
    `${loc.accountId}_CloudTrail-Digest_${loc.sourceRegion}_${loc.trailName}_${loc.homeRegion}_` +
    `${compactSeconds(endMs)}.json.gz`;
  return withPrefix(
    loc.prefix,
    `${accountRoot(loc)}/CloudTrail-Digest/${loc.sourceRegion}/${dateFolders(endMs)}/${name}`,
  );
}

/** The listing prefix that holds every digest of one account and source region. */
export function digestListPrefix(loc: DigestLocation): string {
  return withPrefix(loc.prefix, `${accountRoot(loc)}/CloudTrail-Digest/${loc.sourceRegion}`);
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}

/** Matches this trail's digest keys (standard and backfill), as the AWS CLI's `_create_digest_key_regex`. */
export function digestKeyPattern(loc: DigestLocation): RegExp {
  const acct = escapeRegex(loc.accountId);
  const src = escapeRegex(loc.sourceRegion);
  const org = loc.organizationId ? `${loc.organizationId}/` : '';
  const body =
    `AWSLogs/${org}${acct}/CloudTrail\\-Digest/${src}/\\d+/\\d+/\\d+/${acct}_CloudTrail\\-Digest_` +
    `${src}_${escapeRegex(loc.trailName)}_${escapeRegex(loc.homeRegion)}_.+(?:_backfill)?\\.json\\.gz`;
  return new RegExp(`^${loc.prefix ? `${escapeRegex(loc.prefix)}/` : ''}${body}$`);
}

/** Backfill digests are re-issued digests for past periods; their names end in `_backfill.json.gz`. */
export function isBackfillDigestKey(key: string): boolean {
  return key.endsWith(BACKFILL_SUFFIX);
}

/** The 16-character `YYYYMMDDTHHMMSSZ` stamp of a digest key (the CLI slices it by position). */
export function digestKeyTimestamp(key: string): string {
  return isBackfillDigestKey(key) ? key.slice(-33, -17) : key.slice(-24, -8);
}
