/** The objects the crash test writes: key and body follow from n, so a reader can check them. */
import { createHash } from 'node:crypto';

export function keyOf(n: number): string {
  return `AWSLogs/${n % 7}/object-${String(n).padStart(6, '0')}.json.gz`;
}

/** 64 KiB to 576 KiB of a pattern unique to n: a torn or mixed body never passes for a whole one. */
export function bodyOf(n: number): Buffer {
  const pattern = createHash('sha256').update(`object ${n}`).digest();
  const size = 65_536 + ((n * 7919) % 524_288);
  const body = Buffer.allocUnsafe(size);
  for (let offset = 0; offset < size; offset += pattern.length) pattern.copy(body, offset);
  return body;
}
