/** CloudWatch's StandardUnit enumeration (shared by metric filters, metrics and alarms). */
export const STANDARD_UNITS = [
  'Seconds',
  'Microseconds',
  'Milliseconds',
  'Bytes',
  'Kilobytes',
  'Megabytes',
  'Gigabytes',
  'Terabytes',
  'Bits',
  'Kilobits',
  'Megabits',
  'Gigabits',
  'Terabits',
  'Percent',
  'Count',
  'Bytes/Second',
  'Kilobytes/Second',
  'Megabytes/Second',
  'Gigabytes/Second',
  'Terabytes/Second',
  'Bits/Second',
  'Kilobits/Second',
  'Megabits/Second',
  'Gigabits/Second',
  'Terabits/Second',
  'Count/Second',
  'None',
] as const;

export type StandardUnit = (typeof STANDARD_UNITS)[number];

export function isStandardUnit(v: unknown): v is StandardUnit {
  return typeof v === 'string' && (STANDARD_UNITS as readonly string[]).includes(v);
}
