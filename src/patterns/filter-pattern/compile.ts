/**
 * Compiles a CloudWatch Logs filter pattern (spec §7.1, §7.2) into a Matcher. The form is chosen
 * by the first non-space character, as CloudWatch does: `{` JSON, `[` space-delimited, `%`
 * regex, anything else terms; an empty pattern matches every event.
 *
 * Input: the parsed JSON event (object) or the raw message (string). JSON patterns parse a string
 * message once per call; term, regex and delimited patterns serialise an object once per call.
 * Callers holding both forms should pass the one the pattern wants (see `wantsText`).
 */
import { FilterPatternError } from '../errors.js';
import type { Explanation, Matcher } from '../matcher.js';
import { matchDelimited, parseDelimitedPattern, type DelimitedPattern } from './delimited-pattern.js';
import { parseJsonPattern, type JsonCondition } from './json-pattern.js';
import { compileFilterRegex } from './regex.js';
import { explainTerms, matchTerms, parseTermPattern, type TermPattern } from './term-pattern.js';

/** PutMetricFilter's bound on `filterPattern` (spec §7.3). */
export const MAX_FILTER_PATTERN_LENGTH = 1024;

export type FilterPatternKind = 'all' | 'json' | 'terms' | 'regex' | 'delimited';

export interface FilterPatternMatcher extends Matcher<unknown> {
  readonly kind: FilterPatternKind;
  /** True when the pattern reads the message as text (terms, regex, delimited). */
  readonly wantsText: boolean;
  /** For space-delimited patterns: the named fields of a matching message (metric values `$name`). */
  fields(event: unknown): Record<string, string> | undefined;
}

function asText(event: unknown): string {
  return typeof event === 'string' ? event : (JSON.stringify(event) ?? '');
}

function asJson(event: unknown): unknown {
  if (typeof event !== 'string') return event;
  try {
    return JSON.parse(event);
  } catch {
    return undefined; // not a JSON message: JSON patterns never match it
  }
}

class Compiled implements FilterPatternMatcher {
  constructor(
    readonly kind: FilterPatternKind,
    private readonly json?: JsonCondition,
    private readonly terms?: TermPattern,
    private readonly regex?: RegExp,
    private readonly delimited?: DelimitedPattern,
  ) {}

  get wantsText(): boolean {
    return this.kind === 'terms' || this.kind === 'regex' || this.kind === 'delimited';
  }

  matches(event: unknown): boolean {
    switch (this.kind) {
      case 'all':
        return true;
      case 'json': {
        const v = asJson(event);
        return typeof v === 'object' && v !== null && this.json!.test(v);
      }
      case 'terms':
        return matchTerms(this.terms!, asText(event));
      case 'regex':
        return this.regex!.test(asText(event));
      case 'delimited':
        return matchDelimited(this.delimited!, asText(event)) !== undefined;
    }
  }

  fields(event: unknown): Record<string, string> | undefined {
    return this.kind === 'delimited' ? matchDelimited(this.delimited!, asText(event)) : undefined;
  }

  explain(event: unknown): Explanation {
    const reasons: string[] = [];
    let matched: boolean;
    switch (this.kind) {
      case 'all':
        reasons.push('empty pattern: matches every event');
        matched = true;
        break;
      case 'json': {
        const v = asJson(event);
        if (typeof v !== 'object' || v === null) {
          reasons.push('the event is not a JSON object, so a JSON pattern cannot match it');
          matched = false;
        } else {
          matched = this.json!.explain(v, reasons);
        }
        break;
      }
      case 'terms':
        matched = explainTerms(this.terms!, asText(event), reasons);
        break;
      case 'regex':
        matched = this.regex!.test(asText(event));
        reasons.push(`%${this.regex!.source}%: ${matched ? 'found' : 'not found'} in the message`);
        break;
      case 'delimited': {
        const f = matchDelimited(this.delimited!, asText(event));
        matched = f !== undefined;
        reasons.push(matched ? `fields ${JSON.stringify(f)}` : 'the message fields do not line up with the pattern');
        break;
      }
    }
    return { matched, reasons };
  }
}

/** Compiles a filter pattern once; throws FilterPatternError (reason + column) when AWS would reject it. */
export function compileFilterPattern(text: string): FilterPatternMatcher {
  if (text.length > MAX_FILTER_PATTERN_LENGTH) {
    throw new FilterPatternError(`a filter pattern is at most ${MAX_FILTER_PATTERN_LENGTH} characters`, 1025);
  }
  const start = text.search(/\S/);
  if (start < 0) return new Compiled('all');
  const first = text[start];
  const trimmedEnd = text.trimEnd().length;
  if (first === '{' || first === '[') {
    const close = first === '{' ? '}' : ']';
    if (text[trimmedEnd - 1] !== close) {
      throw new FilterPatternError(`expected "${close}" at the end of the pattern`, trimmedEnd + 1);
    }
    const body = text.slice(start + 1, trimmedEnd - 1);
    return first === '{'
      ? new Compiled('json', parseJsonPattern(body, start + 2))
      : new Compiled('delimited', undefined, undefined, undefined, parseDelimitedPattern(body, start + 2));
  }
  if (first === '%' && trimmedEnd - start >= 2 && text[trimmedEnd - 1] === '%') {
    return new Compiled(
      'regex',
      undefined,
      undefined,
      compileFilterRegex(text.slice(start + 1, trimmedEnd - 1), start + 2),
    );
  }
  return new Compiled('terms', undefined, parseTermPattern(text));
}
