/**
 * Which rules can possibly match an event, without evaluating them all. A pattern's top-level
 * conditions are ANDed, so a rule whose pattern requires `detail.eventName` (or `detail.eventSource`,
 * `source`, `detail-type`) to be one of some exact strings, prefixes or case-insensitive strings can
 * match only events whose value is one of those. Each rule is filed under the first such field, in
 * that order (most selective first) — exact values, prefixes, suffixes and equals-ignore-case. A rule
 * with none but a top-level `$or` is filed under each branch (a branch with no indexed field by a
 * field its conditions need present, e.g. `errorCode` for a wildcard on it); the rest (anything-but
 * alone, exists:false…) are evaluated for every event. `candidates` is a superset of the matching rules: the caller still
 * runs each candidate's matcher, so the index can only save work, never change a result.
 */

/** Fields that can index a rule, most selective first. */
export const INDEXED_FIELDS: readonly (readonly string[])[] = [
  ['detail', 'eventName'],
  ['detail', 'eventSource'],
  ['source'],
  ['detail-type'],
];

interface Entry<T> {
  item: T;
  /** The `candidates` call that last returned this entry: dedupes a rule filed under several values. */
  stamp: number;
}

type Key = { exact: string } | { prefix: string } | { suffix: string } | { lower: string };

class FieldIndex<T> {
  readonly exact = new Map<string, Entry<T>[]>();
  readonly lower = new Map<string, Entry<T>[]>();
  readonly prefix = new Map<string, Entry<T>[]>();
  readonly suffix = new Map<string, Entry<T>[]>();
  prefixLengths: number[] = [];
  suffixLengths: number[] = [];
  readonly all: Entry<T>[] = [];

  constructor(readonly path: readonly string[]) {}

  add(entry: Entry<T>, keys: readonly Key[]): void {
    this.all.push(entry);
    for (const k of keys) {
      const [map, key] =
        'exact' in k
          ? [this.exact, k.exact]
          : 'lower' in k
            ? [this.lower, k.lower]
            : 'prefix' in k
              ? [this.prefix, k.prefix]
              : [this.suffix, k.suffix];
      let list = map.get(key);
      if (!list) map.set(key, (list = []));
      if (!list.includes(entry)) list.push(entry);
    }
    const lengths = (m: Map<string, unknown>) => [...new Set([...m.keys()].map((p) => p.length))].sort((a, b) => a - b);
    this.prefixLengths = lengths(this.prefix);
    this.suffixLengths = lengths(this.suffix);
  }
}

/** The indexable keys of one field's pattern value: every element an exact string, prefix, suffix or equals-ignore-case. */
function keysOf(value: unknown): Key[] | undefined {
  if (!Array.isArray(value) || value.length === 0) return undefined;
  const keys: Key[] = [];
  for (const v of value) {
    if (typeof v === 'string') keys.push({ exact: v });
    else if (typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length === 1) {
      const o = v as Record<string, unknown>;
      if (typeof o.prefix === 'string') keys.push({ prefix: o.prefix });
      else if (typeof o.suffix === 'string') keys.push({ suffix: o.suffix });
      else if (typeof o['equals-ignore-case'] === 'string') keys.push({ lower: o['equals-ignore-case'].toLowerCase() });
      else return undefined;
    } else return undefined;
  }
  return keys;
}

/** The pattern's value at `path`, following only plain objects (never into `$or`). */
function patternAt(pattern: unknown, path: readonly string[]): unknown {
  let cur = pattern;
  for (const p of path) {
    if (typeof cur !== 'object' || cur === null || Array.isArray(cur)) return undefined;
    cur = (cur as Record<string, unknown>)[p];
  }
  return cur;
}

function eventAt(event: unknown, path: readonly string[]): unknown {
  let cur = event;
  for (const p of path) {
    if (typeof cur !== 'object' || cur === null) return undefined;
    if (Array.isArray(cur)) return cur; // an array on the way: let the matcher decide
    cur = (cur as Record<string, unknown>)[p];
  }
  return cur;
}

/** Where one rule (or one `$or` branch of it) is filed. */
type Filing = { field: number; keys: Key[] } | { presence: string[] };

/** Operators that match only when the field is present in the event (not anything-but, not exists:false, not null). */
function impliesPresence(value: unknown): boolean {
  if (!Array.isArray(value) || value.length === 0) return false;
  return value.every((v) => {
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return true;
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
    const o = v as Record<string, unknown>;
    const ops = Object.keys(o);
    if (ops.length !== 1) return false;
    const op = ops[0]!;
    if (op === 'exists') return o.exists === true;
    return ['prefix', 'suffix', 'wildcard', 'numeric', 'cidr', 'equals-ignore-case'].includes(op);
  });
}

/** A leaf path of the branch whose condition needs the field present (the first found), if any. */
function presencePath(node: unknown, path: string[]): string[] | undefined {
  if (typeof node !== 'object' || node === null || Array.isArray(node)) return undefined;
  for (const [k, v] of Object.entries(node as Record<string, unknown>)) {
    if (k === '$or') continue;
    if (Array.isArray(v)) {
      if (impliesPresence(v)) return [...path, k];
    } else {
      const deeper = presencePath(v, [...path, k]);
      if (deeper) return deeper;
    }
  }
  return undefined;
}

/**
 * How a pattern is filed: under the first indexed field it constrains; else, when it has a
 * top-level `$or` whose every branch can be filed (by an indexed field or by a field it needs
 * present), under each branch; else not at all (evaluated for every event).
 */
function filingsOf(pattern: unknown): Filing[] | undefined {
  for (const [i, f] of INDEXED_FIELDS.entries()) {
    const keys = keysOf(patternAt(pattern, f));
    if (keys) return [{ field: i, keys }];
  }
  const branches = (pattern as Record<string, unknown> | null)?.['$or'];
  if (!Array.isArray(branches) || branches.length === 0) return undefined;
  const out: Filing[] = [];
  for (const b of branches) {
    const own = filingsOf(b);
    if (own) {
      out.push(...own);
      continue;
    }
    const presence = presencePath(b, []);
    if (!presence) return undefined;
    out.push({ presence });
  }
  return out;
}

export interface IndexStats {
  rules: number;
  indexed: number;
  unindexed: number;
}

export class RuleIndex<T> {
  private readonly fields = INDEXED_FIELDS.map((p) => new FieldIndex<T>(p));
  private readonly unindexed: T[] = [];
  /** Rules (`$or` branches) that need some field present: path → entries. */
  private readonly presence = new Map<string, { path: string[]; entries: Entry<T>[] }>();
  private stamp = 0;
  private count = 0;

  /** `pattern` is the rule's parsed EventPattern JSON. */
  add(item: T, pattern: unknown): void {
    this.count++;
    const entry: Entry<T> = { item, stamp: 0 };
    const filings = filingsOf(pattern);
    if (!filings) {
      this.unindexed.push(item);
      return;
    }
    for (const f of filings) {
      if ('field' in f) this.fields[f.field]!.add(entry, f.keys);
      else {
        const key = f.presence.join('\u0000');
        let p = this.presence.get(key);
        if (!p) this.presence.set(key, (p = { path: f.presence, entries: [] }));
        p.entries.push(entry);
      }
    }
  }

  stats(): IndexStats {
    return { rules: this.count, indexed: this.count - this.unindexed.length, unindexed: this.unindexed.length };
  }

  /** Every rule that could match `event` (an EventBridge envelope), each once. */
  candidates(event: object): T[] {
    const stamp = ++this.stamp;
    const out = this.unindexed.slice();
    const take = (list: Entry<T>[] | undefined) => {
      if (!list) return;
      for (const e of list) {
        if (e.stamp === stamp) continue;
        e.stamp = stamp;
        out.push(e.item);
      }
    };
    for (const p of this.presence.values()) {
      if (eventAt(event, p.path) !== undefined) take(p.entries);
    }
    for (const f of this.fields) {
      if (f.all.length === 0) continue;
      const v = eventAt(event, f.path);
      if (v === undefined) continue; // exact, prefix and equals-ignore-case all need the field present
      if (typeof v !== 'string') {
        take(f.all); // arrays, numbers, objects: rare in CloudTrail; the matchers decide
        continue;
      }
      take(f.exact.get(v));
      if (f.lower.size > 0) take(f.lower.get(v.toLowerCase()));
      for (const n of f.prefixLengths) {
        if (n > v.length) break;
        take(f.prefix.get(v.slice(0, n)));
      }
      for (const n of f.suffixLengths) {
        if (n > v.length) break;
        take(f.suffix.get(v.slice(v.length - n)));
      }
    }
    return out;
  }
}
