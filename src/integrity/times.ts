/** The two time renderings CloudTrail digests use: UTC, whole seconds, literal `Z` (spec §3.1, §3.2). */

/** `YYYY-MM-DDTHH:MM:SSZ`: digest JSON fields and the validator's display format. */
export function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19) + 'Z';
}

/** `YYYYMMDDTHHMMSSZ`: the timestamp in a digest object's name (Python `%Y%m%dT%H%M%SZ`). */
export function compactSeconds(ms: number): string {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}T${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
}

/** `YYYY/MM/DD`: the date folders of a key. */
export function dateFolders(ms: number): string {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 4)}/${iso.slice(5, 7)}/${iso.slice(8, 10)}`;
}

const ISO_LIKE =
  /^(\d{4})-?(\d{2})-?(\d{2})(?:[T ](\d{2}):?(\d{2})(?::?(\d{2})(?:[.,](\d+))?)?)?\s*(Z|UTC|[+-]\d{2}(?::?\d{2})?)?$/i;

/**
 * Parses a time the way the AWS CLI's validator does for `--start-time`, digest times and key
 * timestamps: dateutil's parser followed by `replace(tzinfo=UTC)`. That replacement keeps the wall
 * clock and drops any offset ("10:00+02:00" counts as 10:00 UTC), and we copy it so both tools
 * pick the same digests. We accept the ISO-8601 shapes (extended and basic, `T` or space,
 * optional fraction and zone) rather than every dateutil guess. Returns epoch milliseconds, or
 * undefined when the text is not such a time.
 */
export function parseCliTime(text: string): number | undefined {
  const m = ISO_LIKE.exec(text.trim());
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6]].map((v) => Number(v ?? 0)) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const fraction = m[7] ? Number(`0.${m[7]}`) : 0;
  if (month < 1 || month > 12 || day < 1 || day > new Date(Date.UTC(year, month, 0)).getUTCDate()) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  return Date.UTC(year, month - 1, day, hour, minute, second) + Math.floor(fraction * 1000);
}
