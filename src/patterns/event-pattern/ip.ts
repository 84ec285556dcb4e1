/**
 * IP address literals as fixed-width upper-case hex strings (8 digits for IPv4, 32 for IPv6), so
 * ranges compare as plain strings. event-ruler does the same: an IPv4 address and an IPv6 address
 * are never equal, even for v4-mapped forms.
 */

// The shapes event-ruler accepts as "looks like an IP" before parsing it (Constants.IPv4_REGEX/IPv6_REGEX).
const IPV4_SHAPE = /^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$/;
const IPV6_SHAPE = /^[0-9a-fA-F:]*:[0-9a-fA-F:]*$/;

export function looksLikeIp(text: string): boolean {
  return IPV4_SHAPE.test(text) || IPV6_SHAPE.test(text);
}

/** The address as bytes, or undefined when the text is not an IPv4 or IPv6 literal. */
export function parseIp(text: string): number[] | undefined {
  if (IPV4_SHAPE.test(text)) return parseIpv4(text);
  if (IPV6_SHAPE.test(text)) return parseIpv6(text);
  return undefined;
}

function parseIpv4(text: string): number[] | undefined {
  const bytes: number[] = [];
  for (const part of text.split('.')) {
    if (part.length > 3) return undefined;
    const n = Number(part);
    if (n > 255) return undefined;
    bytes.push(n);
  }
  return bytes;
}

function parseIpv6(text: string): number[] | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groups = (s: string): number[] | undefined => {
    if (s === '') return [];
    const out: number[] = [];
    for (const g of s.split(':')) {
      if (g.length === 0 || g.length > 4) return undefined;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const head = groups(halves[0] ?? '');
  const tail = halves.length === 2 ? groups(halves[1] ?? '') : [];
  if (!head || !tail) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  const all = [...head, ...new Array<number>(missing).fill(0), ...tail];
  const bytes: number[] = [];
  for (const g of all) bytes.push(g >> 8, g & 0xff);
  return bytes;
}

export function bytesToHex(bytes: readonly number[]): string {
  let s = '';
  for (const b of bytes) s += (b < 16 ? '0' : '') + b.toString(16).toUpperCase();
  return s;
}

/** The address in range-comparable form, or undefined when the text is not an IP literal. */
export function ipToHex(text: string): string | undefined {
  const bytes = parseIp(text);
  return bytes ? bytesToHex(bytes) : undefined;
}

export interface IpRange {
  /** Inclusive bounds, both of the same width (8 or 32 hex digits). */
  low: string;
  high: string;
}

/**
 * Parses `a.b.c.d/n` or `x:y::z/n`. Messages follow event-ruler's CIDR class. Unlike event-ruler,
 * the host bits of the base address are cleared, so `10.0.0.7/24` covers all of 10.0.0.x.
 */
export function parseCidr(text: string): IpRange {
  const slashed = text.split('/');
  if (slashed.length !== 2) throw new Error("Malformed CIDR, one '/' required");
  const [addr = '', bitsText = ''] = slashed;
  if (!/^-?[0-9]+$/.test(bitsText)) throw new Error('Malformed CIDR, mask bits must be an integer');
  const bits = Number(bitsText);
  if (bits < 0) throw new Error('Malformed CIDR, mask bits must not be negative');
  if (!looksLikeIp(addr)) throw new Error(`Nonstandard IP address: ${addr}`);
  const bytes = parseIp(addr);
  if (!bytes) throw new Error(`Invalid IP address: ${addr}`);
  if (bytes.length === 4 && bits > 31) throw new Error('IPv4 mask bits must be < 32');
  if (bytes.length === 16 && bits > 127) throw new Error('IPv6 mask bits must be < 128');
  const low: number[] = [];
  const high: number[] = [];
  bytes.forEach((b, i) => {
    const keep = Math.max(0, Math.min(8, bits - i * 8));
    const mask = keep === 0 ? 0 : (0xff << (8 - keep)) & 0xff;
    low.push(b & mask);
    high.push((b & mask) | (~mask & 0xff));
  });
  return { low: bytesToHex(low), high: bytesToHex(high) };
}
