import { describe, expect, it } from 'vitest';
import { canonicalEventTimeMs, formatEventTime, parseEventTime } from './time.js';

/** mulberry32, seeded: the property checks below are deterministic. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const MAX_MS = Date.UTC(9999, 11, 31, 23, 59, 59);

describe('formatEventTime', () => {
  it.each<[number, string]>([
    [0, '1970-01-01T00:00:00Z'],
    [999, '1970-01-01T00:00:00Z'],
    [Date.UTC(2024, 4, 1, 12, 34, 56, 999), '2024-05-01T12:34:56Z'],
    [Date.UTC(2024, 1, 29, 23, 59, 59), '2024-02-29T23:59:59Z'],
    [MAX_MS, '9999-12-31T23:59:59Z'],
  ])('%d → %s (truncates, never rounds)', (ms, want) => {
    expect(formatEventTime(ms)).toBe(want);
  });
});

describe('parseEventTime', () => {
  it('returns epoch milliseconds truncated to the second', () => {
    expect(parseEventTime('2024-05-01T12:34:56.999Z')).toBe(Date.UTC(2024, 4, 1, 12, 34, 56));
    expect(parseEventTime(1714566896.999)).toBe(Date.UTC(2024, 4, 1, 12, 34, 56));
    expect(parseEventTime(1714566896999)).toBe(Date.UTC(2024, 4, 1, 12, 34, 56));
  });

  it('treats numbers below 1e11 as seconds and from 1e11 on as milliseconds', () => {
    expect(parseEventTime(99_999_999_999)).toBe(99_999_999_999_000);
    expect(parseEventTime(100_000_000_000)).toBe(100_000_000_000);
    expect(formatEventTime(parseEventTime(100_000_000_000)!)).toBe('1973-03-03T09:46:40Z');
  });

  it('accepts the range 1970 … 9999', () => {
    expect(parseEventTime('1970-01-01T00:00:00Z')).toBe(0);
    expect(parseEventTime('9999-12-31T23:59:59Z')).toBe(MAX_MS);
    expect(parseEventTime('1969-12-31T23:59:59Z')).toBeUndefined();
    expect(parseEventTime(-1)).toBeUndefined();
    expect(parseEventTime(MAX_MS + 1000)).toBeUndefined();
  });

  it.each<[string, unknown]>([
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['-Infinity', Number.NEGATIVE_INFINITY],
    ['undefined', undefined],
    ['null', null],
    ['a boolean', true],
    ['an object', { time: '2024-05-01T00:00:00Z' }],
    ['an array', ['2024-05-01T00:00:00Z']],
    ['a bare year', '2024'],
    ['a year and month', '2024-05'],
    ['a digit', '1'],
    ['an English date', 'May 5'],
    ['a week date', '2024-W18-3'],
    ['an ordinal date', '2024-122'],
    ['a basic-format time', '20240501T123456Z'],
    ['a date with a slash', '2024/05/01'],
    ['leading whitespace', ' 2024-05-01T12:34:56Z'],
    ['trailing whitespace', '2024-05-01T12:34:56Z '],
    ['month 00', '2024-00-10T00:00:00Z'],
    ['day 00', '2024-05-00T00:00:00Z'],
    ['day 32', '2024-05-32T00:00:00Z'],
    ['June 31', '2024-06-31T00:00:00Z'],
    ['February 30', '2024-02-30T00:00:00Z'],
    ['February 29, 1900 (not a leap year)', '1900-02-29T00:00:00Z'],
    ['February 29, 2100 (not a leap year)', '2100-02-29T00:00:00Z'],
  ])('refuses %s', (_name, value) => {
    expect(parseEventTime(value)).toBeUndefined();
  });

  it.each<[string, number]>([
    ['2000-02-29T00:00:00Z', Date.UTC(2000, 1, 29)],
    ['2024-05-01T12:34:56+05:30', Date.UTC(2024, 4, 1, 7, 4, 56)],
    ['2024-05-01T12:34:56-0930', Date.UTC(2024, 4, 1, 22, 4, 56)],
    ['2024-05-01T12:34:56+02', Date.UTC(2024, 4, 1, 10, 34, 56)],
    ['2024-05-01T12:34:56.1-02', Date.UTC(2024, 4, 1, 14, 34, 56)],
  ])('parses %s', (value, want) => {
    expect(parseEventTime(value)).toBe(want);
  });

  it('round-trips every formatted time (seeded sample of 2,000)', () => {
    const rand = prng(20240501);
    for (let i = 0; i < 2000; i++) {
      const ms = Math.floor(rand() * MAX_MS);
      const text = formatEventTime(ms);
      expect(text).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
      expect(parseEventTime(text), text).toBe(Math.floor(ms / 1000) * 1000);
      // Seconds and milliseconds numbers name the same second (ten-digit seconds only).
      if (ms < 1e14) expect(parseEventTime(Math.floor(ms / 1000)), text).toBe(Math.floor(ms / 1000) * 1000);
      if (ms >= 1e11) expect(parseEventTime(ms), text).toBe(Math.floor(ms / 1000) * 1000);
    }
  });
});

describe('canonicalEventTimeMs', () => {
  it('reads every formatted time back to its milliseconds (seeded sample of 2,000)', () => {
    const rand = prng(7);
    for (let i = 0; i < 2000; i++) {
      const ms = Math.floor((rand() * Date.UTC(9999, 11, 31)) / 1000) * 1000;
      const text = formatEventTime(ms);
      expect(canonicalEventTimeMs(text), text).toBe(ms);
      expect(canonicalEventTimeMs(text)).toBe(parseEventTime(text));
    }
  });

  it.each([
    '2024-05-01T12:34:56.000Z',
    '2024-05-01T12:34:56+00:00',
    '2024-05-01 12:34:56Z',
    '2024-05-01T12:34Z',
    '2024-02-30T00:00:00Z',
    '2023-02-29T00:00:00Z',
    '2024-13-01T00:00:00Z',
    '2024-05-01T24:00:00Z',
    '2024-05-01T23:60:00Z',
    '2024-05-01T23:59:60Z',
    '1969-12-31T23:59:59Z',
    '2024-05-01t12:34:56z',
  ])('leaves %s to parseEventTime (not in the canonical form, or no such time)', (text) => {
    expect(canonicalEventTimeMs(text)).toBeUndefined();
  });

  it('accepts a leap day', () => {
    expect(canonicalEventTimeMs('2024-02-29T23:59:59Z')).toBe(Date.UTC(2024, 1, 29, 23, 59, 59));
  });
});
