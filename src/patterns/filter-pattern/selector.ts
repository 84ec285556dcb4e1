/**
 * `$.a.b[0].c` selectors of JSON filter patterns and metric values (spec §7.1), resolved once into
 * a list of steps so a lookup is a loop of property reads.
 */
import { FilterPatternError } from '../errors.js';

export type Step = string | number;

/** Names are alphanumerics, `-` and `_` (as in CloudWatch); `@` and `$` are accepted for AWS-style keys. */
const NAME = /[A-Za-z0-9_\-@$]/;

/**
 * Parses a selector starting at `start` (which must be `$`). Returns the steps and where it ended.
 * `column0` is the 1-based column of text[0], for error positions.
 */
export function parseSelector(text: string, start: number, column0 = 1): { steps: Step[]; end: number } {
  const col = (i: number) => column0 + i;
  if (text[start] !== '$') throw new FilterPatternError('expected a selector starting with "$."', col(start));
  let i = start + 1;
  const steps: Step[] = [];
  while (i < text.length) {
    const c = text[i];
    if (c === '.') {
      let j = i + 1;
      while (j < text.length && NAME.test(text[j]!)) j++;
      if (j === i + 1) throw new FilterPatternError('expected a property name after "."', col(i + 1));
      steps.push(text.slice(i + 1, j));
      i = j;
    } else if (c === '[') {
      const m = /^\[(\d+)\]/.exec(text.slice(i));
      if (!m) throw new FilterPatternError('expected an array index such as [0]', col(i));
      steps.push(Number(m[1]));
      i += m[0].length;
    } else {
      break;
    }
  }
  if (steps.length === 0) throw new FilterPatternError('expected "." and a property name after "$"', col(i));
  return { steps, end: i };
}

/** The value at the selector's path, or undefined when any step is missing. */
export function resolve(event: unknown, steps: readonly Step[]): unknown {
  let v = event;
  for (const s of steps) {
    if (typeof v !== 'object' || v === null) return undefined;
    if (typeof s === 'number') {
      if (!Array.isArray(v)) return undefined;
      v = v[s];
    } else {
      if (Array.isArray(v)) return undefined;
      v = (v as Record<string, unknown>)[s];
      // Inherited members (toString, constructor…) are not JSON properties.
      if (typeof v === 'function') return undefined;
    }
  }
  return v;
}

const compiled = new Map<string, Step[]>();

/**
 * A metric filter's value (spec §7.3): the number at `$.field` (a JSON number, or a string that
 * is one), or undefined. Selectors are parsed once and cached.
 */
export function extractValue(event: unknown, selector: string): number | undefined {
  let steps = compiled.get(selector);
  if (!steps) {
    const parsed = parseSelector(selector.trim(), 0);
    if (parsed.end !== selector.trim().length) {
      throw new FilterPatternError('unexpected text after the selector', parsed.end + 1);
    }
    steps = parsed.steps;
    if (compiled.size < 10_000) compiled.set(selector, steps);
  }
  const v = resolve(event, steps);
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'string' && v.trim() !== '') {
    const n = Number(v);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}
