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

/** Days of each month in a common year. */
const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** The two-digit number at `at`, or NaN when either character is not a digit. */
function twoDigits(s: string, at: number): number {
  const a = s.charCodeAt(at) - 48;
  const b = s.charCodeAt(at + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : NaN;
}

/**
 * Epoch milliseconds of a time already written as `formatEventTime` writes it, or undefined when
 * `value` is not in that form (then `parseEventTime` decides). Archive records almost always are,
 * and recognising that skips a parse and a format per record. Read digit by digit: no match
 * array, substrings or Date per event.
 */
export function canonicalEventTimeMs(value: string): number | undefined {
  // YYYY-MM-DDTHH:MM:SSZ
  if (
    value.length !== 20 ||
    value.charCodeAt(4) !== 0x2d ||
    value.charCodeAt(7) !== 0x2d ||
    value.charCodeAt(10) !== 0x54 ||
    value.charCodeAt(13) !== 0x3a ||
    value.charCodeAt(16) !== 0x3a ||
    value.charCodeAt(19) !== 0x5a
  ) {
    return undefined;
  }
  const year = twoDigits(value, 0) * 100 + twoDigits(value, 2);
  const month = twoDigits(value, 5);
  const day = twoDigits(value, 8);
  const hour = twoDigits(value, 11);
  const minute = twoDigits(value, 14);
  const second = twoDigits(value, 17);
  // NaN fails every comparison below, so a non-digit anywhere is refused.
  if (!(year >= 1970 && month >= 1 && month <= 12 && day >= 1 && hour <= 23 && minute <= 59 && second <= 59)) {
    return undefined;
  }
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const days = month === 2 && leap ? 29 : MONTH_DAYS[month - 1]!;
  // Date.UTC would roll an impossible day over ("02-30" → March 1): that is no canonical time.
  return day <= days ? Date.UTC(year, month - 1, day, hour, minute, second) : undefined;
}
