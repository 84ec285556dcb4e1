/** Table-driven event-pattern cases from testdata/event-patterns.json, plus explain(). */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EventPatternError } from './errors.js';
import { compileEventPattern } from './event-pattern.js';

interface MatchCase {
  name: string;
  pattern: object;
  event: object;
  expected: boolean;
}
interface ErrorCase {
  name: string;
  pattern: unknown;
  reason?: string;
  reasonStartsWith?: string;
  path: string;
}
const data = JSON.parse(readFileSync(new URL('./testdata/event-patterns.json', import.meta.url), 'utf8')) as {
  matches: MatchCase[];
  errors: ErrorCase[];
};

describe('event pattern matching', () => {
  it.each(data.matches.map((c) => [c.name, c] as const))('%s', (_n, c) => {
    const m = compileEventPattern(c.pattern);
    expect(m.matches(c.event)).toBe(c.expected);
    expect(m.explain(c.event).matched).toBe(c.expected);
  });
  it('accepts the pattern as JSON text', () => {
    expect(compileEventPattern('{"source":["aws.ec2"]}').matches({ source: 'aws.ec2' })).toBe(true);
  });
});

describe('event pattern validation', () => {
  it.each(data.errors.map((c) => [c.name, c] as const))('%s', (_n, c) => {
    let err: unknown;
    try {
      compileEventPattern(c.pattern as object);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(EventPatternError);
    const e = err as EventPatternError;
    if (c.reason !== undefined) expect(e.reason).toBe(c.reason);
    else expect(e.reason.startsWith(c.reasonStartsWith!)).toBe(true);
    expect(e.path).toBe(c.path);
    expect(e.message).toBe(`Event pattern is not valid. Reason: ${e.reason} at ${c.path}`);
  });
});

describe('explain', () => {
  it('says which field failed and what it found', () => {
    const m = compileEventPattern({ source: ['aws.cloudtrail'], detail: { eventName: ['StopLogging'] } });
    const ex = m.explain({ source: 'aws.cloudtrail', detail: { eventName: 'StartLogging' } });
    expect(ex.matched).toBe(false);
    expect(ex.reasons).toEqual([
      'source: wanted "aws.cloudtrail", found "aws.cloudtrail" — match',
      'detail.eventName: wanted "StopLogging", found "StartLogging" — no match',
    ]);
  });
  it('reports each $or alternative', () => {
    const m = compileEventPattern({ $or: [{ a: ['1'] }, { b: [{ prefix: 'x' }] }] });
    const ex = m.explain({ b: 'xy' });
    expect(ex.matched).toBe(true);
    expect(ex.reasons).toEqual([
      '$or alternative 1: does not match',
      '  a: wanted "1", found nothing — no match',
      '$or alternative 2: matches',
      '  b: wanted prefix "x", found "xy" — match',
    ]);
  });
  it('says when no single array element satisfies a sub-pattern', () => {
    const m = compileEventPattern({ d: { a: ['1'], b: ['2'] } });
    const ex = m.explain({ d: [{ a: '1' }, { b: '2' }] });
    expect(ex.matched).toBe(false);
    expect(ex.reasons).toContain('d: no single element of the array satisfies every condition under it');
  });
});
