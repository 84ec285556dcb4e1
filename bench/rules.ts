/**
 * Rule matching throughput on one core, as the rules and monitor consumers do it: every event
 * goes through the 17 CIS filter patterns (against the record) and 100 generated EventBridge rules
 * through the rule index (`CompiledRuleSet`: candidates only, plus the read-only check). Records are
 * the 310 Stratus Red Team records (Apache-2.0), cycled; the envelope is built per event as the
 * consumer does (`lazyEnvelope`: its id only when read). `allRulesEventsPerSecond` is the same work evaluating every rule (bench/patterns.ts's
 * way), for comparison. Target (issue 5): ≥ 100,000 events/s.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { CloudTrailRecord } from '../src/event/types.js';
import { cloudTrailEnvelope, compileEventPattern, compileFilterPattern } from '../src/patterns/index.js';
import { CompiledRuleSet } from '../src/rules/compiled-rules.js';
import { lazyEnvelope } from '../src/rules/envelope.js';
import type { Rule } from '../src/rules/model.js';
import { generateEventPatterns } from './patterns.js';

const ROOT = resolve(import.meta.dirname, '..');
const STRATUS = '/work/shared/fixtures/stratus-red-team-detonation-logs';

export interface RulesBenchResult {
  records: number;
  rules: number;
  indexedRules: number;
  filterPatterns: number;
  events: number;
  seconds: number;
  eventsPerSecond: number;
  allRulesEventsPerSecond: number;
  ruleMatches: number;
  filterMatches: number;
}

function loop(seconds: number, step: (i: number) => void): { events: number; seconds: number } {
  let events = 0;
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(Math.round(seconds * 1e9));
  let now = start;
  while (now < deadline) {
    for (let k = 0; k < 1000; k++) step(events++);
    now = process.hrtime.bigint();
  }
  return { events, seconds: Number(now - start) / 1e9 };
}

export async function runRulesBench(opts: { seconds?: number } = {}): Promise<RulesBenchResult> {
  const seconds = opts.seconds ?? 3;
  const records: CloudTrailRecord[] = [];
  for (const f of readdirSync(STRATUS)
    .filter((n) => n.endsWith('.json'))
    .sort()) {
    records.push(...(JSON.parse(readFileSync(join(STRATUS, f), 'utf8')) as CloudTrailRecord[]));
  }
  const cis = JSON.parse(readFileSync(join(ROOT, 'src/patterns/testdata/cis-filter-patterns.json'), 'utf8')) as {
    patterns: Array<{ pattern: string }>;
  };
  const filters = cis.patterns.map((p) => compileFilterPattern(p.pattern));
  const patterns = generateEventPatterns(records, 100);
  const entries = patterns.map((p, i) => ({
    rule: {
      accountId: '123456789012',
      name: `rule-${i}`,
      arn: `arn:aws:events:us-east-1:123456789012:rule/rule-${i}`,
      eventPattern: JSON.stringify(p),
      state: 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS',
      createdAtMs: 0,
      updatedAtMs: 0,
    } satisfies Rule,
    targets: [],
  }));
  const set = new CompiledRuleSet(entries);
  const all = patterns.map((p) => compileEventPattern(p));
  const n = records.length;

  let ruleMatches = 0;
  let filterMatches = 0;
  const indexed = loop(seconds, (i) => {
    const rec = records[i % n]!;
    for (const f of filters) if (f.matches(rec)) filterMatches++;
    ruleMatches += set.matching(lazyEnvelope(rec, '123456789012')).length;
  });
  let sink = 0;
  const baseline = loop(seconds, (i) => {
    const rec = records[i % n]!;
    for (const f of filters) if (f.matches(rec)) sink++;
    const env = cloudTrailEnvelope(rec);
    for (const r of all) if (r.matches(env)) sink++;
  });
  return {
    records: n,
    rules: entries.length,
    indexedRules: set.stats().indexed,
    filterPatterns: filters.length,
    events: indexed.events,
    seconds: indexed.seconds,
    eventsPerSecond: indexed.events / indexed.seconds,
    allRulesEventsPerSecond: baseline.events / baseline.seconds + sink * 0,
    ruleMatches,
    filterMatches,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(await runRulesBench());
}
