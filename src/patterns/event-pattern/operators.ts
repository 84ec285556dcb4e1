/**
 * One value of a field's list, compiled into a Leaf: a literal, or an operator object such as
 * `{"prefix": "x"}`. Validation follows event-ruler's JsonRuleCompiler: the same checks in the
 * same order, with its messages (a few of its copy-paste slips, such as calling a cidr operand a
 * "prefix match pattern", are corrected).
 */
import { Leaf } from './leaf.js';
import { ipToHex, looksLikeIp, parseCidr } from './ip.js';
import { escapeRegex, wildcardToRegexSource } from './wildcard.js';

/** Thrown with a path relative to the value being compiled; the caller adds the rest. */
export class OperandError extends Error {
  constructor(
    message: string,
    readonly at: Array<string | number> = [],
  ) {
    super(message);
  }
}

/** event-ruler's numeric bounds (ComparableNumber.HALF_TRILLION). */
export const NUMERIC_LIMIT = 5e11;

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const show = (v: unknown) => JSON.stringify(v);

function checkNumberInRange(n: number, at: Array<string | number>): void {
  if (!(n >= -NUMERIC_LIMIT && n <= NUMERIC_LIMIT)) {
    throw new OperandError('Value must be between -5.0E11 and 5.0E11, inclusive', at);
  }
}

/** Adds one element of a field's value list to the leaf. */
export function addValue(leaf: Leaf, value: unknown): void {
  if (typeof value === 'string') {
    leaf.strings.add(value);
    if (looksLikeIp(value)) {
      const hex = ipToHex(value);
      if (hex !== undefined) leaf.ips.add(hex);
    }
    leaf.descriptions.push(show(value));
  } else if (typeof value === 'number') {
    leaf.numbers.add(value);
    leaf.descriptions.push(String(value));
  } else if (value === true) {
    leaf.matchTrue = true;
    leaf.descriptions.push('true');
  } else if (value === false) {
    leaf.matchFalse = true;
    leaf.descriptions.push('false');
  } else if (value === null) {
    leaf.matchNull = true;
    leaf.descriptions.push('null');
  } else if (isPlainObject(value)) {
    addOperator(leaf, value);
  } else {
    throw new OperandError('Match value must be String, number, true, false, or null');
  }
}

function singleKey(obj: Record<string, unknown>, emptyMessage: string): [string, unknown] {
  const keys = Object.keys(obj);
  const first = keys[0];
  if (first === undefined) throw new OperandError(emptyMessage);
  return [first, obj[first]];
}

function onlyOneKey(obj: Record<string, unknown>): void {
  const extra = Object.keys(obj)[1];
  if (extra !== undefined) throw new OperandError('Only one key allowed in match expression', [extra]);
}

function addOperator(leaf: Leaf, expr: Record<string, unknown>): void {
  const [op, operand] = singleKey(expr, 'Match expression name not found');
  const at = [op];
  const str = (message: string, v: unknown = operand, where = at): string => {
    if (typeof v !== 'string') throw new OperandError(message, where);
    return v;
  };
  switch (op) {
    case 'exactly': {
      const s = str('exact match pattern must be a string');
      leaf.strings.add(s);
      leaf.descriptions.push(`exactly ${show(s)}`);
      break;
    }
    case 'prefix':
    case 'suffix': {
      if (isPlainObject(operand)) {
        const label = op === 'prefix' ? 'Prefix' : 'Suffix';
        const [inner, text] = singleKey(operand, `${label} expression name not found`);
        if (inner !== 'equals-ignore-case') throw new OperandError(`Unsupported ${op} pattern: ${inner}`, [op, inner]);
        const s = str('equals-ignore-case match pattern must be a string', text, [op, inner]);
        onlyOneKey(operand);
        const re = new RegExp(op === 'prefix' ? `^${escapeRegex(s)}` : `${escapeRegex(s)}$`, 'iu');
        leaf.stringTests.push((v) => re.test(v));
        leaf.descriptions.push(`${op} ${show(s)} ignoring case`);
        break;
      }
      const s = str(`${op} match pattern must be a string`);
      leaf.stringTests.push(op === 'prefix' ? (v) => v.startsWith(s) : (v) => v.endsWith(s));
      leaf.descriptions.push(`${op} ${show(s)}`);
      break;
    }
    case 'equals-ignore-case': {
      const s = str('equals-ignore-case match pattern must be a string');
      const re = new RegExp(`^${escapeRegex(s)}$`, 'iu');
      leaf.stringTests.push((v) => re.test(v));
      leaf.descriptions.push(`equals-ignore-case ${show(s)}`);
      break;
    }
    case 'wildcard': {
      const s = str('wildcard match pattern must be a string');
      const re = compileWildcard(s, at);
      leaf.stringTests.push((v) => re.test(v));
      leaf.descriptions.push(`wildcard ${show(s)}`);
      break;
    }
    case 'numeric': {
      if (!Array.isArray(operand)) throw new OperandError('Value of numeric must be an array.', at);
      const test = compileNumeric(operand);
      leaf.numberTests.push(test);
      leaf.descriptions.push(`numeric ${show(operand)}`);
      break;
    }
    case 'exists': {
      if (operand === true) leaf.existsTrue = true;
      else if (operand === false) leaf.existsFalse = true;
      else throw new OperandError('exists match pattern must be either true or false.', at);
      leaf.descriptions.push(operand ? 'exists' : 'absent');
      break;
    }
    case 'cidr': {
      const s = str('cidr match pattern must be a string');
      let range;
      try {
        range = parseCidr(s);
      } catch (e) {
        throw new OperandError((e as Error).message, at);
      }
      const { low, high } = range;
      leaf.stringTests.push((v) => {
        const hex = ipToHex(v);
        return hex !== undefined && hex.length === low.length && hex >= low && hex <= high;
      });
      leaf.descriptions.push(`cidr ${s}`);
      break;
    }
    case 'anything-but':
      addAnythingBut(leaf, operand);
      break;
    default:
      throw new OperandError(`Unrecognized match type ${op}`, at);
  }
  onlyOneKey(expr);
}

function compileWildcard(s: string, at: Array<string | number>): RegExp {
  try {
    return new RegExp(wildcardToRegexSource(s), 'su');
  } catch (e) {
    throw new OperandError((e as Error).message, at);
  }
}

const OPS = new Set(['=', '<', '<=', '>', '>=']);

/** `[op, n]` or `[">"|">=", low, "<"|"<=", high]`, checked as event-ruler does. */
function compileNumeric(items: unknown[]): (n: number) => boolean {
  const at = (i: number) => ['numeric', i];
  const num = (i: number, op: string): number => {
    const v = items[i];
    if (typeof v !== 'number') {
      throw new OperandError(`Value of ${op === '=' ? 'equals' : op} must be numeric`, at(i));
    }
    checkNumberInRange(v, at(i));
    return v;
  };
  const op = items[0];
  if (typeof op !== 'string') throw new OperandError(`Invalid member in numeric match: ${show(op)}`, at(0));
  if (!OPS.has(op)) throw new OperandError(`Unrecognized numeric range operator: ${op}`, at(0));
  const first = num(1, op);
  const inRange = (n: number) => n >= -NUMERIC_LIMIT && n <= NUMERIC_LIMIT;
  if (op === '=' || op === '<' || op === '<=') {
    if (items.length > 2) throw new OperandError('Too many elements in numeric expression', at(2));
    if (op === '=') return (n) => n === first;
    if (op === '<') return (n) => n < first && inRange(n);
    return (n) => n <= first && inRange(n);
  }
  const openBottom = op === '>';
  if (items.length === 2) return openBottom ? (n) => n > first && inRange(n) : (n) => n >= first && inRange(n);
  const op2 = items[2];
  if (typeof op2 !== 'string') throw new OperandError(`Bad value in numeric range: ${show(op2)}`, at(2));
  if (op2 !== '<' && op2 !== '<=') throw new OperandError(`Bad numeric range operator: ${op2}`, at(2));
  const top = num(3, op2);
  if (items.length > 4) throw new OperandError('Too many terms in numeric range expression', at(4));
  if (!(first < top)) throw new OperandError('Bottom must be less than top', at(3));
  const openTop = op2 === '<';
  return (n) => (openBottom ? n > first : n >= first) && (openTop ? n < top : n <= top);
}

/**
 * anything-but matches every leaf value not excluded. The string forms (a string list, prefix,
 * suffix, equals-ignore-case, wildcard) let numbers, booleans and null through, as event-ruler's
 * byte matching does; the numeric form only matches numbers.
 */
function addAnythingBut(leaf: Leaf, operand: unknown): void {
  const at: Array<string | number> = ['anything-but'];
  if (isPlainObject(operand)) {
    const [form, inner] = singleKey(operand, 'Anything-But expression name not found');
    const formAt = [...at, form];
    if (!['equals-ignore-case', 'prefix', 'suffix', 'wildcard'].includes(form)) {
      throw new OperandError(`Unsupported anything-but pattern: ${form}`, formAt);
    }
    if (!Array.isArray(inner) && typeof inner !== 'string' && typeof inner !== 'number') {
      throw new OperandError('Value of anything-but must be an array or single string/number value.', formAt);
    }
    const values = Array.isArray(inner) ? inner : [inner];
    const typeMessage =
      form === 'equals-ignore-case'
        ? 'Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.'
        : form === 'wildcard'
          ? 'wildcard match pattern must be a string'
          : 'prefix/suffix match pattern must be a string';
    const strings = values.map((v, i) => {
      const where = Array.isArray(inner) ? [...formAt, i] : formAt;
      if (typeof v !== 'string') throw new OperandError(typeMessage, where);
      if ((form === 'prefix' || form === 'suffix') && v === '') {
        throw new OperandError('Null prefix/suffix not allowed', where);
      }
      return v;
    });
    onlyOneKey(operand);
    let excluded: (s: string) => boolean;
    if (form === 'prefix') excluded = (s) => strings.some((p) => s.startsWith(p));
    else if (form === 'suffix') excluded = (s) => strings.some((p) => s.endsWith(p));
    else {
      const res = strings.map((s, i) =>
        form === 'wildcard'
          ? compileWildcard(s, Array.isArray(inner) ? [...formAt, i] : formAt)
          : new RegExp(`^${escapeRegex(s)}$`, 'iu'),
      );
      excluded = (s) => res.some((re) => re.test(s));
    }
    leaf.anyTests.push((v) => typeof v !== 'string' || !excluded(v));
    leaf.descriptions.push(`anything-but ${form} ${show(inner)}`);
    return;
  }
  let values: unknown[];
  if (Array.isArray(operand)) {
    values = operand;
    const hasString = values.some((v) => typeof v === 'string');
    const hasNumber = values.some((v) => typeof v === 'number');
    values.forEach((v, i) => {
      if (typeof v !== 'string' && typeof v !== 'number') {
        throw new OperandError('Inside anything but list, start|null|boolean is not supported.', [...at, i]);
      }
    });
    if (hasString === hasNumber) {
      throw new OperandError(
        'Inside anything but list, either all values are number or string, mixed type is not supported',
        at,
      );
    }
  } else if (typeof operand === 'string' || typeof operand === 'number') {
    values = [operand];
  } else {
    throw new OperandError('Value of anything-but must be an array or single string/number value.', at);
  }
  if (typeof values[0] === 'number') {
    values.forEach((v, i) => checkNumberInRange(v as number, Array.isArray(operand) ? [...at, i] : at));
    const excluded = new Set(values as number[]);
    leaf.anyTests.push((v) => typeof v === 'number' && !excluded.has(v));
  } else {
    const excluded = new Set(values as string[]);
    leaf.anyTests.push((v) => typeof v !== 'string' || !excluded.has(v));
  }
  leaf.descriptions.push(`anything-but ${show(operand)}`);
}
