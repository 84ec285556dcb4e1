/** CloudTrail timestamps: UTC, second precision, literal `Z` (spec §1). */

const MIN_MS = Date.UTC(1970, 0, 1);
const MAX_MS = Date.UTC(9999, 11, 31, 23, 59, 59);

/** Formats epoch milliseconds as `YYYY-MM-DDTHH:MM:SSZ`. */
export function formatEventTime(ms: number): string {
  // toISOString gives `YYYY-MM-DDTHH:MM:SS.sssZ`; CloudTrail drops the fraction.
  return new Date(ms).toISOString().slice(0, 19) + 'Z';
}

/**
 * Parses what callers send as an event time: an ISO-8601 string (any precision, any offset) or
 * epoch seconds / milliseconds as a number. Returns epoch milliseconds truncated to the second,
 * or undefined when the value is not a time.
 */
export function parseEventTime(value: unknown): number | undefined {
  let ms: number;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return undefined;
    // Ten-digit numbers are seconds until the year 2286; anything larger is milliseconds.
    ms = Math.abs(value) < 1e11 ? value * 1000 : value;
  } else if (typeof value === 'string') {
    // Require a date-first ISO shape: Date.parse alone accepts "1", "May 5" and other guesses.
    const m = /^(\d{4})-(\d{2})-(\d{2})([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}(:?\d{2})?)?$/i.exec(value);
    if (!m) return undefined;
    // Date.parse rolls impossible days over ("2024-02-30" → March 1): refuse them instead.
    const year = Number(m[1]);
    const month = Number(m[2]);
    const day = Number(m[3]);
    if (month < 1 || month > 12 || day < 1 || day > new Date(Date.UTC(year, month, 0)).getUTCDate()) return undefined;
    const hasZone = m[7] !== undefined && value.length > 10;
    // ISO 8601 allows an offset of whole hours ("+02"); Date.parse wants "+02:00".
    const text = hasZone && /[+-]\d{2}$/.test(value) ? value + ':00' : value;
    ms = Date.parse(hasZone || value.length === 10 ? text : text + 'Z');
  } else {
    return undefined;
  }
  if (!Number.isFinite(ms) || ms < MIN_MS || ms > MAX_MS) return undefined;
  return Math.floor(ms / 1000) * 1000;
}

const CANONICAL = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})Z$/;

/**
 * Epoch milliseconds of a time already written as `formatEventTime` writes it, or undefined when
 * `value` is not in that form (then `parseEventTime` decides). Archive records almost always are,
 * and recognising that skips a parse and a format per record.
 */
export function canonicalEventTimeMs(value: string): number | undefined {
  const m = CANONICAL.exec(value);
  if (!m) return undefined;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = Number(m[4]);
  const minute = Number(m[5]);
  const second = Number(m[6]);
  if (year < 1970 || month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return undefined;
  const ms = Date.UTC(year, month - 1, day, hour, minute, second);
  // Date.UTC rolls an impossible day over ("02-30" → March 1): that is no canonical time.
  return new Date(ms).getUTCDate() === day ? ms : undefined;
}
