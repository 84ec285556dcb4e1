/**
 * Compiles an EventBridge event pattern (spec §6) into a Matcher.
 *
 * As in event-ruler's JsonRuleCompiler, `$or` is expanded up front into alternative branches,
 * each a plain AND of field conditions; a branch is a tree of the pattern's object nesting with a
 * Leaf at every field that carries a value list. Matching walks a branch and the event together.
 * An array in the event means "some element": a whole sub-tree must match inside ONE element,
 * which gives event-ruler's array consistency (fields matched under an array of objects come
 * from the same element).
 */
import { EventPatternError } from '../errors.js';
import type { Explanation, Matcher } from '../matcher.js';
import { Leaf } from './leaf.js';
import { addValue, OperandError } from './operators.js';
import { formatPath, type PathSegment } from './path.js';

/** Names event-ruler reserves inside `$or` objects (Constants.RESERVED_FIELD_NAMES_IN_OR_RELATIONSHIP). */
const RESERVED_IN_OR = new Set([
  'exactly', 'equals-ignore-case', 'prefix', 'suffix', 'anything-but', 'exists', 'wildcard', 'numeric',
  'cidr', 'html', '=', '<', '<=', '>', '>=', 'regex', 'not-wildcard', 'not-equals-ignore-case',
  'date-after', 'date-on-or-after', 'date-before', 'date-on-or-before', 'in-date-range',
  'ip-address-in-range', 'ip-address-not-in-range',
]); // prettier-ignore

/** Our bound on `$or` expansion (alternatives multiply when `$or`s nest or sit side by side). */
export const MAX_BRANCHES = 1024;

interface FieldSpec {
  /** Field names from the root to this field. */
  names: string[];
  leaf: Leaf;
}
/** One alternative after `$or` expansion: field path (joined) → its value list. */
type FlatBranch = Map<string, FieldSpec>;

export interface PatternNode {
  name: string;
  leaf: Leaf | undefined;
  children: PatternNode[];
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function fail(reason: string, at: readonly PathSegment[]): never {
  throw new EventPatternError(reason, formatPath(at));
}

function parseObject(
  obj: Record<string, unknown>,
  branches: FlatBranch[],
  names: string[],
  at: PathSegment[],
  insideOr: boolean,
): void {
  const keys = Object.keys(obj);
  if (keys.length === 0) fail('Empty objects are not allowed', at);
  for (const key of keys) {
    const value = obj[key];
    const here = [...at, key];
    if (key === '$or') {
      parseOr(value, branches, names, here);
      continue;
    }
    if (insideOr && RESERVED_IN_OR.has(key)) {
      fail(`${key} is Ruler reserved fieldName which cannot be used inside $or.`, here);
    }
    if (isPlainObject(value)) parseObject(value, branches, [...names, key], here, insideOr);
    else if (Array.isArray(value)) writeField(value, branches, [...names, key], here);
    else fail(`"${key}" must be an object or an array`, here);
  }
}

function parseOr(value: unknown, branches: FlatBranch[], names: string[], at: PathSegment[]): void {
  if (!Array.isArray(value)) fail('It must be an Array followed with $or.', at);
  const before = branches.splice(0, branches.length);
  if (before.length === 0) before.push(new Map());
  value.forEach((alt, i) => {
    if (!isPlainObject(alt)) fail('Only JSON object is allowed in array of $or relationship.', [...at, i]);
    const forked = before.map((b) => new Map(b));
    parseObject(alt, forked, names, [...at, i], true);
    branches.push(...forked);
    if (branches.length > MAX_BRANCHES) {
      fail(`Pattern expands into more than ${MAX_BRANCHES} alternatives through $or`, at);
    }
  });
  if (value.length < 2) fail('There must have at least 2 Objects in $or relationship.', at);
}

function writeField(values: unknown[], branches: FlatBranch[], names: string[], at: PathSegment[]): void {
  if (values.length === 0) fail('Empty arrays are not allowed', at);
  const leaf = new Leaf();
  values.forEach((v, i) => {
    try {
      addValue(leaf, v);
    } catch (e) {
      if (e instanceof OperandError) fail(e.message, [...at, i, ...e.at]);
      throw e;
    }
  });
  if (branches.length === 0) branches.push(new Map());
  // A later definition of the same path replaces the earlier one, as event-ruler's default does.
  const key = names.join('\u0000');
  for (const b of branches) b.set(key, { names, leaf });
}

function toTree(branch: FlatBranch): PatternNode {
  const root: PatternNode = { name: '', leaf: undefined, children: [] };
  for (const { names, leaf } of branch.values()) {
    let node = root;
    for (const name of names) {
      let child = node.children.find((c) => c.name === name);
      if (!child) {
        child = { name, leaf: undefined, children: [] };
        node.children.push(child);
      }
      node = child;
    }
    node.leaf = leaf;
  }
  sortChildren(root);
  return root;
}

// Cheapest checks first, so most events are turned away by a Set lookup: literal-only leaves,
// then leaves with operators (regexes, cidr parsing), then sub-objects.
function cost(n: PatternNode): number {
  if (n.children.length > 0) return 2;
  const l = n.leaf!;
  return l.stringTests.length + l.numberTests.length + l.anyTests.length + l.ips.size > 0 ? 1 : 0;
}
function sortChildren(node: PatternNode): void {
  node.children.sort((a, b) => cost(a) - cost(b));
  node.children.forEach(sortChildren);
}

/** Parses and validates a pattern; throws EventPatternError with the path of the first problem. */
export function parseEventPattern(json: string | object): PatternNode[] {
  let pattern: unknown = json;
  if (typeof json === 'string') {
    try {
      pattern = JSON.parse(json);
    } catch (e) {
      fail(`Invalid JSON: ${(e as Error).message}`, []);
    }
  }
  if (!isPlainObject(pattern)) fail('Filter is not an object', []);
  const branches: FlatBranch[] = [];
  parseObject(pattern, branches, [], [], false);
  return branches.map(toTree);
}

function childValue(container: unknown, name: string): unknown {
  if (typeof container !== 'object' || container === null || Array.isArray(container)) return undefined;
  const v = (container as Record<string, unknown>)[name];
  // Inherited members (toString, constructor…) are not event fields.
  if (typeof v === 'function') return undefined;
  return v;
}

function matchChildren(children: readonly PatternNode[], container: unknown, trace?: Trace): boolean {
  for (const child of children) {
    if (!matchField(child, childValue(container, child.name), trace)) return false;
  }
  return true;
}

function matchField(node: PatternNode, value: unknown, trace?: Trace): boolean {
  if (node.children.length === 0) {
    const ok = node.leaf!.matches(value);
    trace?.leaf(node, value, ok);
    return ok;
  }
  if (Array.isArray(value)) {
    if (value.length === 0) return matchField(node, undefined, trace);
    trace?.enter(node.name);
    try {
      for (const el of value) if (matchField(node, el, trace?.quiet())) return true;
      trace?.note(`no single element of the array satisfies every condition under it`);
      return false;
    } finally {
      trace?.exit();
    }
  }
  trace?.enter(node.name);
  try {
    if (node.leaf && !node.leaf.matches(value)) {
      trace?.leaf(node, value, false);
      return false;
    }
    return matchChildren(node.children, value, trace);
  } finally {
    trace?.exit();
  }
}

/** Collects explain() lines; `quiet()` hides attempts on individual array elements. */
class Trace {
  private readonly names: string[] = [];
  constructor(
    readonly lines: string[],
    private readonly silent = false,
  ) {}
  quiet(): Trace {
    const t = new Trace(this.lines, true);
    t.names.push(...this.names);
    return t;
  }
  enter(name: string) {
    this.names.push(name);
  }
  exit() {
    this.names.pop();
  }
  note(text: string) {
    if (!this.silent) this.lines.push(`${this.names.join('.')}: ${text}`);
  }
  leaf(node: PatternNode, value: unknown, ok: boolean) {
    if (this.silent) return;
    const field = [...this.names, node.name].join('.');
    const found = value === undefined ? 'nothing' : JSON.stringify(value);
    this.lines.push(`${field}: wanted ${node.leaf!.describe()}, found ${found} — ${ok ? 'match' : 'no match'}`);
  }
}

export class EventPatternMatcher implements Matcher<object> {
  constructor(private readonly branches: readonly PatternNode[]) {}

  matches(event: object): boolean {
    for (const b of this.branches) if (matchChildren(b.children, event)) return true;
    return false;
  }

  explain(event: object): Explanation {
    const reasons: string[] = [];
    const many = this.branches.length > 1;
    let matched = false;
    this.branches.forEach((b, i) => {
      const lines: string[] = [];
      const ok = matchChildren(b.children, event, new Trace(lines));
      if (many) reasons.push(`$or alternative ${i + 1}: ${ok ? 'matches' : 'does not match'}`);
      reasons.push(...lines.map((l) => (many ? `  ${l}` : l)));
      matched ||= ok;
    });
    return { matched, reasons };
  }
}

/** Compiles an event pattern (a JSON string or an already-parsed object) once, for many matches. */
export function compileEventPattern(json: string | object): Matcher<object> {
  return new EventPatternMatcher(parseEventPattern(json));
}
