/**
 * EventBridge `wildcard` values: `*` matches any run of characters (including none), `\*` is a
 * literal star and `\\` a literal backslash; any other escape and two stars in a row are errors
 * (event-ruler's WildcardParser, whose positions count UTF-8 bytes of the value in quotes).
 */

/** event-ruler's wording when a wildcard value would make the matcher too expensive. */
export const TOO_COMPLEX =
  'Rule is too complex - try using fewer wildcard characters or fewer repeating character sequences after a wildcard character';

/**
 * Our stand-in for event-ruler's MachineComplexityEvaluator: it walks the automaton the rule
 * builds; we bound the number of wildcards in one value instead, which is what drives that cost.
 */
export const MAX_WILDCARDS_PER_VALUE = 20;

function utf8Length(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

const REGEX_SPECIAL = /[\\^$.*+?()[\]{}|/]/g;

export function escapeRegex(text: string): string {
  return text.replace(REGEX_SPECIAL, '\\$&');
}

/** Validates a wildcard value and returns the source of an anchored RegExp for it. */
export function wildcardToRegexSource(value: string): string {
  let source = '^';
  let stars = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    // event-ruler reports the byte offset in `"value"`, hence the + 1 for the opening quote.
    const pos = () => utf8Length(value.slice(0, i)) + 1;
    if (c === '*') {
      if (value[i + 1] === '*') throw new Error(`Consecutive wildcard characters at pos ${pos()}`);
      stars++;
      source += '.*';
    } else if (c === '\\') {
      const next = value[i + 1];
      if (next !== '*' && next !== '\\') throw new Error(`Invalid escape character at pos ${pos()}`);
      source += escapeRegex(next);
      i++;
    } else {
      source += escapeRegex(c);
    }
  }
  if (stars > MAX_WILDCARDS_PER_VALUE) throw new Error(TOO_COMPLEX);
  return source + '$';
}
