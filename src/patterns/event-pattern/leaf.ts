/**
 * The compiled form of one field's value list (`"field": [ ...values and operators... ]`): the
 * values are ORed. Tests are grouped by the JSON type they apply to, so a match does one typeof
 * and a Set lookup in the common case and allocates nothing.
 */
import { ipToHex } from './ip.js';

export type Primitive = string | number | boolean | null;

export class Leaf {
  readonly strings = new Set<string>();
  readonly numbers = new Set<number>();
  matchTrue = false;
  matchFalse = false;
  matchNull = false;
  /** `{"exists": true}`: any leaf value at all. */
  existsTrue = false;
  /** `{"exists": false}`: no leaf value at this path. */
  existsFalse = false;
  readonly stringTests: Array<(s: string) => boolean> = [];
  readonly numberTests: Array<(n: number) => boolean> = [];
  /** anything-but forms: they see every leaf value, whatever its type. */
  readonly anyTests: Array<(v: Primitive) => boolean> = [];
  /** Canonical hex of pattern strings that are IP literals (event-ruler matches those as addresses). */
  readonly ips = new Set<string>();
  /** One human-readable line per value in the list, for explain(). */
  readonly descriptions: string[] = [];

  testPrimitive(v: Primitive): boolean {
    if (this.existsTrue) return true;
    switch (typeof v) {
      case 'string':
        if (this.strings.has(v)) return true;
        for (const t of this.stringTests) if (t(v)) return true;
        if (this.ips.size > 0) {
          const hex = ipToHex(v);
          if (hex !== undefined && this.ips.has(hex)) return true;
        }
        break;
      case 'number':
        if (this.numbers.has(v)) return true;
        for (const t of this.numberTests) if (t(v)) return true;
        break;
      case 'boolean':
        if (v ? this.matchTrue : this.matchFalse) return true;
        break;
      default:
        if (this.matchNull) return true;
    }
    for (const t of this.anyTests) if (t(v)) return true;
    return false;
  }

  /** Whether the event value found at this field's path satisfies the list. */
  matches(value: unknown): boolean {
    const r = this.scan(value);
    return r === MATCHED || (r === NO_LEAF && this.existsFalse);
  }

  // 0: no leaf value under `value`; 1: leaf values, none matched; 2: one matched.
  private scan(value: unknown): number {
    if (value === undefined) return NO_LEAF;
    if (Array.isArray(value)) {
      let seen = NO_LEAF;
      for (const el of value) {
        const r = this.scan(el);
        if (r === MATCHED) return MATCHED;
        if (r === UNMATCHED) seen = UNMATCHED;
      }
      return seen;
    }
    const t = typeof value;
    if (t === 'object' && value !== null) return NO_LEAF;
    if (t === 'function' || t === 'symbol' || t === 'bigint') return NO_LEAF;
    return this.testPrimitive(value as Primitive) ? MATCHED : UNMATCHED;
  }

  describe(): string {
    return this.descriptions.join(' or ');
  }
}

const NO_LEAF = 0;
const UNMATCHED = 1;
const MATCHED = 2;
