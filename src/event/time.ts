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
    if (!/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}(:?\d{2})?)?$/i.test(value)) {
      return undefined;
    }
    const hasZone = /(Z|[+-]\d{2}(:?\d{2})?)$/i.test(value) && value.length > 10;
    ms = Date.parse(hasZone || value.length === 10 ? value : value + 'Z');
  } else {
    return undefined;
  }
  if (!Number.isFinite(ms) || ms < MIN_MS || ms > MAX_MS) return undefined;
  return Math.floor(ms / 1000) * 1000;
}
