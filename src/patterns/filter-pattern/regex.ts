/**
 * `%…%` regular expressions in filter patterns, restricted as CloudWatch restricts them (spec §7.1):
 * alphanumerics, the symbols `: _ # = @ / ; , -`, the operators `^ $ ? [ ] { } | \ * + .`; no
 * `(`/`)` groups and no multi-byte characters. We also let spaces through (CloudWatch's list does
 * not name them; phrases with spaces are common in log messages).
 */
import { FilterPatternError } from '../errors.js';

const ALLOWED = /^[A-Za-z0-9:_#=@/;,\- ^$?[\]{}|\\*+.]$/;

/** At most this many regular expressions in one pattern (CloudWatch's quota). */
export const MAX_REGEX_PER_PATTERN = 2;

/** Compiles the body between the `%` signs; `column` is where the body starts (1-based). */
export function compileFilterRegex(body: string, column: number): RegExp {
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c === '(' || c === ')') {
      throw new FilterPatternError('parentheses are not supported in regular expressions', column + i);
    }
    if (c.charCodeAt(0) > 0x7f) {
      throw new FilterPatternError('multi-byte characters are not supported in regular expressions', column + i);
    }
    if (!ALLOWED.test(c)) {
      throw new FilterPatternError(`character "${c}" is not supported in regular expressions`, column + i);
    }
  }
  if (body === '') throw new FilterPatternError('empty regular expression', column);
  try {
    return new RegExp(body);
  } catch (e) {
    throw new FilterPatternError(`invalid regular expression: ${(e as Error).message}`, column);
  }
}
