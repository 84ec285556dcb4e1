/**
 * Conformance with aws/event-ruler (Apache-2.0): every case in
 * /work/shared/fixtures/eventbridge-patterns-event-ruler/ — the 51 correctness cases with the
 * results event-ruler's rulesForJSONEvent gives (EventBridge semantics, array consistency), and
 * the nested-array rules of GenericMachineTest.nestedArraysTest. None is skipped.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileEventPattern } from './event-pattern.js';

const FIXTURES = '/work/shared/fixtures/eventbridge-patterns-event-ruler';
const readJson = (p: string): unknown => JSON.parse(readFileSync(join(FIXTURES, p), 'utf8'));

interface Case {
  name: string;
  pattern: object;
  event: object;
  expected: 'match' | 'no-match';
}

describe('event-ruler correctness cases', () => {
  const cases = readJson('cases.json') as Case[];
  it('has all 51 cases', () => expect(cases).toHaveLength(51));
  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    expect(compileEventPattern(c.pattern).matches(c.event)).toBe(c.expected === 'match');
  });
});

describe('event-ruler nested arrays (GenericMachineTest.nestedArraysTest)', () => {
  const spec = readJson('nested_arrays_expected.json') as {
    rules: Record<string, string>;
    expected_rulesForJSONEvent: Record<string, string[]>;
  };
  const rules = Object.entries(spec.rules).map(([name, file]) => ({
    name,
    matcher: compileEventPattern(readFileSync(join(FIXTURES, file), 'utf8')),
  }));
  it.each(Object.entries(spec.expected_rulesForJSONEvent))('%s matches exactly %j', (file, expected) => {
    const event = readJson(file) as object;
    const matched = rules.filter((r) => r.matcher.matches(event)).map((r) => r.name);
    expect(matched.sort()).toEqual([...expected].sort());
  });
});
