/**
 * Low-level JSON helpers for the archive decoder:
 *
 * - `locateJsonSyntaxError`: where a JSON text first goes wrong (V8's `JSON.parse` errors do not
 *   always carry a position: `Unexpected token 'x', "..." is not valid JSON`). Only run after
 *   `JSON.parse` has failed, so it favours clarity over speed.
 * - `skipJsonValue` / `skipJsonString` / `skipWhitespace`: a lenient byte-level scanner that finds
 *   where a value ends without building it, so a document larger than V8's maximum string length
 *   can be cut into element batches that `JSON.parse` validates one by one.
 */

export interface JsonSyntaxErrorLocation {
  /** Offset (UTF-16 code units for strings, bytes for buffers) of the first offending character. */
  position: number;
  /** The input ended before the value was complete. */
  truncated: boolean;
}

const enum State {
  Value,
  ValueOrClose,
  Key,
  KeyOrClose,
  After,
}

function isWs(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}
function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}
function isHex(c: number): boolean {
  return isDigit(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}

/** Strict JSON (RFC 8259) syntax check. Returns undefined when `text` is one valid JSON value. */
export function locateJsonSyntaxError(text: string): JsonSyntaxErrorLocation | undefined {
  const n = text.length;
  const fail = (position: number): JsonSyntaxErrorLocation => ({ position, truncated: position >= n });
  const stack: number[] = []; // 0x5b '[' or 0x7b '{'
  let i = 0;
  let state = State.Value;

  // Each scanner returns the index after the token, or -(errorIndex + 1).
  const scanString = (start: number): number => {
    let j = start + 1;
    while (j < n) {
      const c = text.charCodeAt(j);
      if (c === 0x22) return j + 1;
      if (c < 0x20) return -(j + 1);
      if (c === 0x5c) {
        const e = j + 1 < n ? text.charCodeAt(j + 1) : -1;
        if (e === -1) return -(n + 1);
        if (e === 0x75) {
          for (let k = j + 2; k < j + 6; k++) {
            if (k >= n) return -(n + 1);
            if (!isHex(text.charCodeAt(k))) return -(k + 1);
          }
          j += 6;
          continue;
        }
        // " \ / b f n r t
        if (
          e !== 0x22 &&
          e !== 0x5c &&
          e !== 0x2f &&
          e !== 0x62 &&
          e !== 0x66 &&
          e !== 0x6e &&
          e !== 0x72 &&
          e !== 0x74
        ) {
          return -(j + 2);
        }
        j += 2;
        continue;
      }
      j++;
    }
    return -(n + 1);
  };
  const scanDigits = (start: number): number => {
    let j = start;
    while (j < n && isDigit(text.charCodeAt(j))) j++;
    return j;
  };
  const scanNumber = (start: number): number => {
    let j = start;
    if (text.charCodeAt(j) === 0x2d) j++;
    if (j >= n) return -(n + 1);
    const first = text.charCodeAt(j);
    if (first === 0x30) j++;
    else if (isDigit(first)) j = scanDigits(j);
    else return -(j + 1);
    if (j < n && text.charCodeAt(j) === 0x2e) {
      j++;
      if (j >= n) return -(n + 1);
      if (!isDigit(text.charCodeAt(j))) return -(j + 1);
      j = scanDigits(j);
    }
    if (j < n && (text.charCodeAt(j) === 0x65 || text.charCodeAt(j) === 0x45)) {
      j++;
      if (j < n && (text.charCodeAt(j) === 0x2b || text.charCodeAt(j) === 0x2d)) j++;
      if (j >= n) return -(n + 1);
      if (!isDigit(text.charCodeAt(j))) return -(j + 1);
      j = scanDigits(j);
    }
    return j;
  };
  const scanLiteral = (start: number, word: string): number => {
    for (let k = 0; k < word.length; k++) {
      if (start + k >= n) return -(n + 1);
      if (text.charCodeAt(start + k) !== word.charCodeAt(k)) return -(start + k + 1);
    }
    return start + word.length;
  };

  for (;;) {
    while (i < n && isWs(text.charCodeAt(i))) i++;
    if (i >= n) return state === State.After && stack.length === 0 ? undefined : fail(n);
    const c = text.charCodeAt(i);
    if (state === State.ValueOrClose || state === State.KeyOrClose) {
      if (c === (state === State.ValueOrClose ? 0x5d : 0x7d)) {
        stack.pop();
        i++;
        state = State.After;
        continue;
      }
      state = state === State.ValueOrClose ? State.Value : State.Key;
    }
    switch (state) {
      case State.Value: {
        let next: number;
        if (c === 0x7b) {
          stack.push(0x7b);
          i++;
          state = State.KeyOrClose;
          break;
        }
        if (c === 0x5b) {
          stack.push(0x5b);
          i++;
          state = State.ValueOrClose;
          break;
        }
        if (c === 0x22) next = scanString(i);
        else if (c === 0x2d || isDigit(c)) next = scanNumber(i);
        else if (c === 0x74) next = scanLiteral(i, 'true');
        else if (c === 0x66) next = scanLiteral(i, 'false');
        else if (c === 0x6e) next = scanLiteral(i, 'null');
        else return fail(i);
        if (next < 0) return fail(-next - 1);
        i = next;
        state = State.After;
        break;
      }
      case State.Key: {
        if (c !== 0x22) return fail(i);
        const next = scanString(i);
        if (next < 0) return fail(-next - 1);
        i = next;
        while (i < n && isWs(text.charCodeAt(i))) i++;
        if (i >= n) return fail(n);
        if (text.charCodeAt(i) !== 0x3a) return fail(i);
        i++;
        state = State.Value;
        break;
      }
      case State.After: {
        const top = stack[stack.length - 1];
        if (top === undefined) return fail(i); // data after the document
        if (c === 0x2c) {
          i++;
          state = top === 0x7b ? State.Key : State.Value;
        } else if ((c === 0x5d && top === 0x5b) || (c === 0x7d && top === 0x7b)) {
          stack.pop();
          i++;
        } else {
          return fail(i);
        }
        break;
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Byte-level, lenient scanning (the large-document path). Validation is left to JSON.parse.

export const NOT_FOUND = -1;

/** Index of the first non-whitespace byte at or after `i` (or `data.length`). */
export function skipWhitespace(data: Uint8Array, i: number): number {
  const n = data.length;
  while (i < n) {
    const c = data[i] as number;
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
    i++;
  }
  return i;
}

/** `i` is at an opening quote. Index after the closing quote, or NOT_FOUND when the data ends first. */
export function skipJsonString(data: Buffer, i: number): number {
  let j = i + 1;
  for (;;) {
    const q = data.indexOf(0x22, j);
    if (q === -1) return NOT_FOUND;
    // The quote is escaped when an odd number of backslashes precede it.
    let k = q - 1;
    while (k >= j && data[k] === 0x5c) k--;
    if ((q - 1 - k) % 2 === 0) return q + 1;
    j = q + 1;
  }
}

/**
 * `i` is at the first byte of a value. Index after the value, or NOT_FOUND when the data ends
 * first. Containers are matched by bracket depth without checking what is inside.
 */
export function skipJsonValue(data: Buffer, i: number): number {
  const n = data.length;
  const first = data[i];
  if (first === undefined) return NOT_FOUND;
  if (first === 0x22) return skipJsonString(data, i);
  if (first !== 0x7b && first !== 0x5b) {
    let j = i;
    while (j < n) {
      const c = data[j] as number;
      if (c === 0x2c || c === 0x5d || c === 0x7d || c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) break;
      j++;
    }
    return j;
  }
  let depth = 0;
  let j = i;
  while (j < n) {
    const c = data[j] as number;
    if (c === 0x22) {
      const end = skipJsonString(data, j);
      if (end === NOT_FOUND) return NOT_FOUND;
      j = end;
      continue;
    }
    if (c === 0x7b || c === 0x5b) depth++;
    else if (c === 0x7d || c === 0x5d) {
      depth--;
      if (depth === 0) return j + 1;
    }
    j++;
  }
  return NOT_FOUND;
}
