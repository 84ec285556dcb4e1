/**
 * JSON filter patterns `{ EXPR }` (spec §7.1): a recursive-descent parser over the pattern text
 * producing a tree of closures. Precedence: parentheses, then `&&`, then `||`.
 */
import { FilterPatternError } from '../errors.js';
import { escapeRegex } from '../event-pattern/wildcard.js';
import { compileFilterRegex, MAX_REGEX_PER_PATTERN } from './regex.js';
import { parseSelector, resolve, type Step } from './selector.js';

export interface JsonCondition {
  test(event: unknown): boolean;
  /** Set on `selector = "literal"` (no wildcard), so ORs of them can become one Set lookup. */
  exact?: { selector: string; steps: Step[]; value: string };
  /** Explains this condition against an event, one line per comparison. */
  explain(event: unknown, out: string[]): boolean;
}

type Op = '=' | '!=' | '<' | '<=' | '>' | '>=';

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
/** Characters that end a bare (unquoted) value. */
const BARE_END = /[\s()&|{}"]/;

class Parser {
  private i = 0;
  private regexCount = 0;

  constructor(
    private readonly text: string,
    /** 1-based column of text[0] in the whole pattern. */
    private readonly column0: number,
  ) {}

  private col(i = this.i) {
    return this.column0 + i;
  }

  private skipSpace() {
    while (this.i < this.text.length && /\s/.test(this.text[this.i]!)) this.i++;
  }

  private fail(reason: string, at = this.i): never {
    throw new FilterPatternError(reason, this.col(at));
  }

  private peekWord(): string {
    const m = /^[A-Za-z]+/.exec(this.text.slice(this.i));
    return m ? m[0] : '';
  }

  parseAll(): JsonCondition {
    const cond = this.parseOr();
    this.skipSpace();
    if (this.i < this.text.length) {
      this.fail(`unexpected "${this.text[this.i]}": expected "&&", "||", ")" or the closing "}"`);
    }
    return cond;
  }

  private parseOr(): JsonCondition {
    const parts = [this.parseAnd()];
    for (;;) {
      this.skipSpace();
      if (!this.text.startsWith('||', this.i)) break;
      this.i += 2;
      parts.push(this.parseAnd());
    }
    return parts.length === 1 ? parts[0]! : anyOf(parts);
  }

  private parseAnd(): JsonCondition {
    const parts = [this.parsePrimary()];
    for (;;) {
      this.skipSpace();
      if (!this.text.startsWith('&&', this.i)) break;
      this.i += 2;
      parts.push(this.parsePrimary());
    }
    return parts.length === 1 ? parts[0]! : allOf(parts);
  }

  private parsePrimary(): JsonCondition {
    this.skipSpace();
    const c = this.text[this.i];
    if (c === '(') {
      const open = this.i;
      this.i++;
      const inner = this.parseOr();
      this.skipSpace();
      if (this.text[this.i] !== ')') this.fail(`expected ")" to close the "(" at column ${this.col(open)}`);
      this.i++;
      return inner;
    }
    if (c === '$') return this.parseComparison();
    if (c === undefined) this.fail('expected a selector such as $.eventName or "(", found the end of the pattern');
    this.fail(`expected a selector such as $.eventName or "(", found "${c}"`);
  }

  private parseComparison(): JsonCondition {
    const start = this.i;
    const { steps, end } = parseSelector(this.text, this.i, this.column0);
    this.i = end;
    const selector = this.text.slice(start, end);
    this.skipSpace();
    const word = this.peekWord();
    if (word === 'IS') {
      this.i += 2;
      this.skipSpace();
      const what = this.peekWord();
      if (what === 'NULL' || what === 'TRUE' || what === 'FALSE') {
        this.i += what.length;
        const want = what === 'NULL' ? null : what === 'TRUE';
        return leaf(selector, steps, `IS ${what}`, (v) => v === want);
      }
      if (what === 'NOT') this.fail('"IS NOT" is not supported: use "!=" or NOT EXISTS');
      this.fail('expected NULL, TRUE or FALSE after IS');
    }
    if (word === 'NOT') {
      this.i += 3;
      this.skipSpace();
      if (this.peekWord() !== 'EXISTS') this.fail('expected EXISTS after NOT');
      this.i += 6;
      return leaf(selector, steps, 'NOT EXISTS', (v) => v === undefined);
    }
    if (word === 'EXISTS') this.fail('"EXISTS" is not supported: use "= *" to test that a property is present');
    const m = /^(!=|<=|>=|=|<|>)/.exec(this.text.slice(this.i));
    if (!m) this.fail(`expected a comparison operator (=, !=, <, <=, >, >=), IS or NOT EXISTS after ${selector}`);
    const op = m[1] as Op;
    this.i += op.length;
    this.skipSpace();
    return this.parseValue(selector, steps, op);
  }

  private parseValue(selector: string, steps: Step[], op: Op): JsonCondition {
    const at = this.i;
    const c = this.text[at];
    if (c === undefined) this.fail(`expected a value after "${op}"`);
    let text: string;
    let quoted = false;
    if (c === '"') {
      text = this.readQuoted();
      quoted = true;
    } else if (c === '%') {
      const close = this.text.indexOf('%', at + 1);
      if (close < 0) this.fail('expected the closing "%" of the regular expression');
      if (++this.regexCount > MAX_REGEX_PER_PATTERN) {
        this.fail(`at most ${MAX_REGEX_PER_PATTERN} regular expressions are allowed in one filter pattern`, at);
      }
      if (op !== '=' && op !== '!=') this.fail(`regular expressions can only be compared with = or !=`, at);
      const re = compileFilterRegex(this.text.slice(at + 1, close), this.col(at + 1));
      this.i = close + 1;
      const hit = (v: unknown) => typeof v === 'string' && re.test(v);
      return op === '='
        ? leaf(selector, steps, `= %${re.source}%`, hit)
        : leaf(selector, steps, `!= %${re.source}%`, (v) => v !== undefined && !hit(v));
    } else {
      let j = at;
      while (j < this.text.length && !BARE_END.test(this.text[j]!)) j++;
      if (j === at) this.fail(`expected a value after "${op}", found "${c}"`);
      text = this.text.slice(at, j);
      this.i = j;
    }
    const shown = quoted ? JSON.stringify(text) : text;
    const isNumber = !quoted && NUMBER.test(text);
    if (op !== '=' && op !== '!=') {
      if (!isNumber) this.fail(`"${op}" compares numbers: expected a number, found ${shown}`, at);
      const n = Number(text);
      const cmp: (v: number) => boolean =
        op === '<' ? (v) => v < n : op === '<=' ? (v) => v <= n : op === '>' ? (v) => v > n : (v) => v >= n;
      return leaf(selector, steps, `${op} ${text}`, (v) => typeof v === 'number' && cmp(v));
    }
    const eq = isNumber ? numberEquals(text) : stringEquals(text);
    if (op === '=' && !isNumber && !text.includes('*')) {
      return { ...leaf(selector, steps, `= ${shown}`, eq), exact: { selector, steps, value: text } };
    }
    return op === '='
      ? leaf(selector, steps, `= ${shown}`, eq)
      : leaf(selector, steps, `!= ${shown}`, (v) => v !== undefined && !eq(v));
  }

  private readQuoted(): string {
    const open = this.i;
    let out = '';
    let j = open + 1;
    for (; j < this.text.length; j++) {
      const ch = this.text[j]!;
      if (ch === '\\' && (this.text[j + 1] === '"' || this.text[j + 1] === '\\')) {
        out += this.text[++j];
      } else if (ch === '"') {
        this.i = j + 1;
        return out;
      } else {
        out += ch;
      }
    }
    this.fail('expected the closing quote of the string', open);
  }
}

/** `= 5`: the same number (5 equals 5.0); a string value equal to the literal text also matches. */
function numberEquals(text: string): (v: unknown) => boolean {
  const n = Number(text);
  return (v) => (typeof v === 'number' ? v === n : typeof v === 'string' && v === text);
}

/**
 * `= "x"` / `= x`: string equality, `*` as a wildcard anywhere; `= *` alone means "present".
 * Numbers and booleans compare by their JSON text, so `= 4*` matches 403.
 */
function stringEquals(text: string): (v: unknown) => boolean {
  if (text === '*') return (v) => v !== undefined;
  const textOf = (v: unknown): string | undefined =>
    typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined;
  if (!text.includes('*')) return (v) => textOf(v) === text;
  const re = new RegExp(`^${text.split('*').map(escapeRegex).join('.*')}$`, 's');
  return (v) => {
    const s = textOf(v);
    return s !== undefined && re.test(s);
  };
}

function leaf(selector: string, steps: Step[], what: string, test: (v: unknown) => boolean): JsonCondition {
  return {
    test: (event) => test(resolve(event, steps)),
    explain(event, out) {
      const v = resolve(event, steps);
      const ok = test(v);
      out.push(
        `${selector} ${what}: found ${v === undefined ? 'nothing' : JSON.stringify(v)} — ${ok ? 'true' : 'false'}`,
      );
      return ok;
    },
  };
}

function allOf(parts: JsonCondition[]): JsonCondition {
  return {
    test(event) {
      for (const p of parts) if (!p.test(event)) return false;
      return true;
    },
    explain(event, out) {
      for (const p of parts) if (!p.explain(event, out)) return false;
      return true;
    },
  };
}

/**
 * `$.x = a || $.x = b || …` (the CIS packs are mostly this) becomes one property read and one Set
 * lookup; other alternatives keep their order after it.
 */
function anyOf(input: JsonCondition[]): JsonCondition {
  const bySelector = new Map<string, { steps: Step[]; values: Set<string> }>();
  for (const p of input) {
    if (!p.exact) continue;
    const g = bySelector.get(p.exact.selector) ?? { steps: p.exact.steps, values: new Set<string>() };
    g.values.add(p.exact.value);
    bySelector.set(p.exact.selector, g);
  }
  const parts = input.filter((p) => !p.exact || bySelector.get(p.exact.selector)!.values.size < 2);
  for (const [selector, { steps, values }] of bySelector) {
    if (values.size < 2) continue;
    parts.unshift(
      leaf(selector, steps, `in ${JSON.stringify([...values])}`, (v) => typeof v === 'string' && values.has(v)),
    );
  }
  return {
    test(event) {
      for (const p of parts) if (p.test(event)) return true;
      return false;
    },
    explain(event, out) {
      for (const p of parts) if (p.explain(event, out)) return true;
      return false;
    },
  };
}

/** Parses the text between `{` and `}`; `column0` is the column of its first character. */
export function parseJsonPattern(body: string, column0: number): JsonCondition {
  if (body.trim() === '') throw new FilterPatternError('expected an expression inside { }', column0);
  return new Parser(body, column0).parseAll();
}
