/**
 * How CloudWatch writes numbers and times in alarm reasons and StateReasonData. Its service is
 * Java: doubles print the way `Double.toString` prints them (`1.0`, `0.5`, `1.0E7`), reason text
 * dates are `dd/MM/yy HH:mm:ss` in UTC and JSON dates `yyyy-MM-dd'T'HH:mm:ss.SSS+0000`.
 */

/** Java's `Double.toString`: plain decimals in [1e-3, 1e7), otherwise `d.dddE±n`; always a fraction digit. */
export function javaDouble(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return 'Infinity';
  if (x === -Infinity) return '-Infinity';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const abs = Math.abs(x);
  if (abs >= 1e-3 && abs < 1e7) {
    const s = String(x);
    return s.includes('.') ? s : s + '.0';
  }
  // Shortest round-tripping digits, then Java's layout of them.
  const [mantissa, exponent] = x.toExponential().split('e') as [string, string];
  const m = mantissa.includes('.') ? mantissa : mantissa + '.0';
  return `${m}E${Number(exponent)}`;
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** `26/10/24 18:59:00`: the date inside reason text such as `[3.0 (26/10/24 18:59:00)]`. */
export function reasonDate(ms: number): string {
  const d = new Date(ms);
  return (
    `${pad(d.getUTCDate())}/${pad(d.getUTCMonth() + 1)}/${pad(d.getUTCFullYear() % 100)} ` +
    `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`
  );
}

/** `2024-10-26T18:59:00.000+0000`: dates inside StateReasonData and HistoryData. */
export function jsonDate(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '+0000');
}
