/**
 * Space-delimited patterns (spec §7.2): `[ip, user, ts, request = *.html*, status = 4*, bytes > 1000]`.
 * The message is split on spaces, with `"…"` and `[…]` kept as one field each; `...` stands for
 * any number of fields; a field may carry conditions joined by `&&` / `||`.
 */
import { FilterPatternError } from '../errors.js';
import { escapeRegex } from '../event-pattern/wildcard.js';

interface Field {
  name: string;
  ellipsis: boolean;
  test: (value: string) => boolean;
  text: string;
}

export interface DelimitedPattern {
  fields: Field[];
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function compileCondition(op: string, raw: string, column: number): (v: string) => boolean {
  const quoted = raw.startsWith('"') && raw.endsWith('"') && raw.length >= 2;
  const text = quoted ? raw.slice(1, -1) : raw;
  if (op !== '=' && op !== '!=') {
    if (quoted || !NUMBER.test(text)) {
      throw new FilterPatternError(`"${op}" compares numbers: expected a number, found ${raw}`, column);
    }
    const n = Number(text);
    const cmp =
      op === '<'
        ? (x: number) => x < n
        : op === '<='
          ? (x: number) => x <= n
          : op === '>'
            ? (x: number) => x > n
            : (x: number) => x >= n;
    return (v) => v.trim() !== '' && Number.isFinite(Number(v)) && cmp(Number(v));
  }
  let eq: (v: string) => boolean;
  if (!quoted && NUMBER.test(text)) {
    const n = Number(text);
    eq = (v) => v === text || (v.trim() !== '' && Number(v) === n);
  } else if (text.includes('*')) {
    const re = new RegExp(`^${text.split('*').map(escapeRegex).join('.*')}$`, 's');
    eq = (v) => re.test(v);
  } else {
    eq = (v) => v === text;
  }
  return op === '=' ? eq : (v) => !eq(v);
}

/** Parses the text between `[` and `]`; `column0` is the column of its first character. */
export function parseDelimitedPattern(body: string, column0: number): DelimitedPattern {
  const fields: Field[] = [];
  let offset = 0;
  for (const part of body.split(',')) {
    const col = column0 + offset + (part.length - part.trimStart().length);
    offset += part.length + 1;
    const text = part.trim();
    if (text === '') throw new FilterPatternError('expected a field name between commas', col);
    if (text === '...') {
      fields.push({ name: '...', ellipsis: true, test: () => true, text });
      continue;
    }
    const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text)?.[0];
    if (!name) throw new FilterPatternError(`expected a field name, found "${text[0]}"`, col);
    // Conditions: `name op value` joined by && / ||, later ones may repeat the name or omit it.
    const alternatives: Array<Array<(v: string) => boolean>> = [[]];
    let rest = text.slice(name.length).trim();
    let restCol = col + text.length - rest.length;
    while (rest !== '') {
      const m = /^(!=|<=|>=|=|<|>)\s*("(?:[^"\\]|\\.)*"|[^\s&|]+)\s*/.exec(rest);
      if (!m) throw new FilterPatternError(`expected a comparison (=, !=, <, <=, >, >=) after field ${name}`, restCol);
      alternatives[alternatives.length - 1]!.push(compileCondition(m[1]!, m[2]!, restCol));
      rest = rest.slice(m[0].length);
      restCol += m[0].length;
      const join = /^(&&|\|\|)\s*/.exec(rest);
      if (!join) {
        if (rest !== '') throw new FilterPatternError('expected "&&", "||", "," or "]"', restCol);
        break;
      }
      if (join[1] === '||') alternatives.push([]);
      rest = rest.slice(join[0].length);
      restCol += join[0].length;
      if (rest.startsWith(name)) {
        rest = rest.slice(name.length).trimStart();
        restCol = col + text.length - rest.length;
      }
    }
    const test =
      alternatives[0]!.length === 0 ? () => true : (v: string) => alternatives.some((all) => all.every((t) => t(v)));
    fields.push({ name, ellipsis: false, test, text });
  }
  return { fields };
}

/** Splits a message into fields: spaces separate; `"…"` and `[…]` are single fields, delimiters stripped. */
export function splitMessage(message: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < message.length) {
    const c = message[i]!;
    if (c === ' ' || c === '\t') {
      i++;
      continue;
    }
    const close = c === '"' ? '"' : c === '[' ? ']' : undefined;
    if (close) {
      const end = message.indexOf(close, i + 1);
      if (end >= 0) {
        out.push(message.slice(i + 1, end));
        i = end + 1;
        continue;
      }
    }
    let j = i;
    while (j < message.length && message[j] !== ' ' && message[j] !== '\t') j++;
    out.push(message.slice(i, j));
    i = j;
  }
  return out;
}

/** Aligns pattern fields with message fields (`...` absorbs any number); returns the named values. */
export function matchDelimited(p: DelimitedPattern, message: string): Record<string, string> | undefined {
  const values = splitMessage(message);
  const named: Record<string, string> = {};
  const go = (fi: number, vi: number): boolean => {
    if (fi === p.fields.length) return vi === values.length;
    const f = p.fields[fi]!;
    if (f.ellipsis) {
      for (let k = vi; k <= values.length; k++) if (go(fi + 1, k)) return true;
      return false;
    }
    const v = values[vi];
    if (v === undefined || !f.test(v)) return false;
    named[f.name] = v;
    return go(fi + 1, vi + 1);
  };
  return go(0, 0) ? named : undefined;
}
