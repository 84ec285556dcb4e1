/**
 * Table-driven filter-pattern cases (testdata/filter-patterns.json), the CIS benchmark patterns
 * run over real CloudTrail records (testdata/cis-filter-patterns.json), and metric value extraction.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FilterPatternError } from './errors.js';
import { compileFilterPattern, extractValue } from './filter-pattern.js';

const readData = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`./testdata/${name}`, import.meta.url), 'utf8'));

const data = readData('filter-patterns.json') as {
  matches: Array<{ name: string; pattern: string; event: unknown; expected: boolean }>;
  errors: Array<{ name: string; pattern: string; column: number; reason?: string; reasonStartsWith?: string }>;
};

describe('filter pattern matching', () => {
  it.each(data.matches.map((c) => [c.name, c] as const))('%s', (_n, c) => {
    const m = compileFilterPattern(c.pattern);
    expect(m.matches(c.event)).toBe(c.expected);
    expect(m.explain(c.event).matched).toBe(c.expected);
  });
});

describe('filter pattern errors', () => {
  it.each(data.errors.map((c) => [c.name, c] as const))('%s', (_n, c) => {
    let err: unknown;
    try {
      compileFilterPattern(c.pattern);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(FilterPatternError);
    const e = err as FilterPatternError;
    expect(e.column).toBe(c.column);
    if (c.reason !== undefined) expect(e.reason).toBe(c.reason);
    else expect(e.reason.startsWith(c.reasonStartsWith!)).toBe(true);
  });
  it('rejects patterns over 1024 characters', () => {
    expect(() => compileFilterPattern('a'.repeat(1025))).toThrow(FilterPatternError);
  });
});

interface Fixture {
  file: string;
  record: Record<string, unknown>;
}
function loadRecords(): Fixture[] {
  const out: Fixture[] = [];
  const stratus = '/work/shared/fixtures/stratus-red-team-detonation-logs';
  for (const f of readdirSync(stratus)
    .filter((n) => n.endsWith('.json'))
    .sort()) {
    for (const r of JSON.parse(readFileSync(join(stratus, f), 'utf8')) as Array<Record<string, unknown>>) {
      out.push({ file: f, record: r });
    }
  }
  const docs = '/work/shared/fixtures/aws-docs-cloudtrail-examples/records.json';
  for (const x of JSON.parse(readFileSync(docs, 'utf8')) as Array<{ record: Record<string, unknown> }>) {
    out.push({ file: 'aws-docs', record: x.record });
  }
  return out;
}

describe('CIS benchmark filter patterns over real CloudTrail records', () => {
  const cis = readData('cis-filter-patterns.json') as {
    patterns: Array<{ id: string; pattern: string; expectedMatchCount: number; expectedEventNames?: string[] }>;
  };
  const records = loadRecords();
  it('loads the 310 Stratus records and 23 AWS doc records', () => expect(records).toHaveLength(333));
  it.each(cis.patterns.map((p) => [p.id, p] as const))('%s', (_id, p) => {
    const m = compileFilterPattern(p.pattern);
    const hits = records.filter((r) => m.matches(r.record));
    expect(hits).toHaveLength(p.expectedMatchCount);
    if (p.expectedEventNames) {
      expect([...new Set(hits.map((h) => h.record.eventName))].sort()).toEqual(p.expectedEventNames);
    }
  });
  it('the CloudTrail-changes pattern catches the StopLogging and DeleteTrail detonations', () => {
    const p = cis.patterns.find((x) => x.id === 'cloudtrail-changes')!;
    const m = compileFilterPattern(p.pattern);
    const files = records.filter((r) => m.matches(r.record)).map((r) => r.file);
    expect(files).toContain('aws.defense-evasion.cloudtrail-stop.json');
    expect(files).toContain('aws.defense-evasion.cloudtrail-delete.json');
  });
  it('patterns are the same after stripping whitespace (compliance checkers compare that way)', () => {
    for (const p of cis.patterns) {
      // Spaces next to operators and parentheses (outside quotes) are optional; between keywords they are not.
      const tight = compileFilterPattern(p.pattern.replace(/\s*([(){}=!<>&|]+)\s*(?=(?:[^"]*"[^"]*")*[^"]*$)/g, '$1'));
      const loose = compileFilterPattern(p.pattern);
      for (const r of records) expect(tight.matches(r.record)).toBe(loose.matches(r.record));
    }
  });
});

describe('extractValue (metric filter values)', () => {
  const event = { a: { b: 42, s: '7.5', t: 'x' }, list: [{ n: 3 }] };
  it.each([
    ['$.a.b', 42],
    ['$.a.s', 7.5],
    ['$.list[0].n', 3],
    ['$.a.t', undefined],
    ['$.a.missing', undefined],
    ['$.a', undefined],
  ] as const)('%s → %s', (sel, want) => expect(extractValue(event, sel)).toBe(want));
  it('rejects a malformed selector with its column', () => {
    expect(() => extractValue(event, '$.a b')).toThrow(/column 4/);
  });
});

describe('explain and delimited fields', () => {
  it('lists the comparisons made until the result was known', () => {
    const m = compileFilterPattern('{ ($.eventName = ConsoleLogin) && ($.errorMessage = "Failed authentication") }');
    const ex = m.explain({ eventName: 'ConsoleLogin', errorMessage: 'No' });
    expect(ex).toEqual({
      matched: false,
      reasons: [
        '$.eventName = ConsoleLogin: found "ConsoleLogin" — true',
        '$.errorMessage = "Failed authentication": found "No" — false',
      ],
    });
  });
  it('returns the named fields of a space-delimited match', () => {
    const m = compileFilterPattern('[ip, user, status = 4*, bytes]');
    expect(m.fields('1.2.3.4 bob 404 100')).toEqual({ ip: '1.2.3.4', user: 'bob', status: '404', bytes: '100' });
    expect(m.fields('1.2.3.4 bob 200 100')).toBeUndefined();
  });
});
