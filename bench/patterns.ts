/**
 * Pattern matching throughput on one core: every event goes through the 17 CIS filter patterns
 * (against the record) and 100 generated EventBridge rules (against its envelope), as the
 * monitor and rules consumers will do. Records are the 310 real Stratus Red Team detonation
 * records (Apache-2.0), cycled. Target (issue 5): ≥ 100,000 events/s.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { cloudTrailEnvelope, compileEventPattern, compileFilterPattern } from '../src/patterns/index.js';
import type { CloudTrailRecord } from '../src/event/types.js';

const ROOT = resolve(import.meta.dirname, '..');
const STRATUS = '/work/shared/fixtures/stratus-red-team-detonation-logs';

/** 100 rules in the shapes people write for CloudTrail: source + names, prefixes, $or, anything-but, exists, numeric, cidr. */
export function generateEventPatterns(records: CloudTrailRecord[], count = 100): object[] {
  const names = [...new Set(records.map((r) => r.eventName ?? 'Unknown'))];
  const sources = [...new Set(records.map((r) => (r.eventSource ?? 'x.amazonaws.com').split('.')[0]))];
  const out: object[] = [];
  for (let i = 0; out.length < count; i++) {
    const name = names[i % names.length]!;
    const src = `aws.${sources[i % sources.length]}`;
    switch (i % 8) {
      case 0:
        out.push({ source: [src], 'detail-type': ['AWS API Call via CloudTrail'], detail: { eventName: [name] } });
        break;
      case 1:
        out.push({ detail: { eventName: [{ prefix: name.slice(0, 6) }], errorCode: [{ exists: true }] } });
        break;
      case 2:
        out.push({ source: [src], detail: { userIdentity: { type: [{ 'anything-but': ['AWSService'] }] } } });
        break;
      case 3:
        out.push({ $or: [{ detail: { eventName: [name] } }, { detail: { errorCode: [{ wildcard: '*Denied*' }] } }] });
        break;
      case 4:
        out.push({ detail: { sourceIPAddress: [{ cidr: '10.0.0.0/8' }], eventName: [name] } });
        break;
      case 5:
        out.push({
          detail: { eventSource: [{ suffix: `${sources[i % sources.length]}.amazonaws.com` }], readOnly: [false] },
        });
        break;
      case 6:
        out.push({
          detail: { resources: { ARN: [{ prefix: 'arn:aws:iam::' }] }, eventName: [{ 'equals-ignore-case': name }] },
        });
        break;
      default:
        out.push({
          region: [{ 'anything-but': { prefix: 'us-gov-' } }],
          detail: { eventVersion: [{ prefix: '1.0' }] },
          source: [src],
        });
    }
  }
  return out;
}

export async function runPatternBench(opts: { seconds?: number } = {}): Promise<{
  records: number;
  filterPatterns: number;
  eventPatterns: number;
  events: number;
  seconds: number;
  eventsPerSecond: number;
  matchesPerSecond: number;
  filterMatches: number;
  ruleMatches: number;
}> {
  const seconds = opts.seconds ?? 3;
  const records: CloudTrailRecord[] = [];
  for (const f of readdirSync(STRATUS)
    .filter((n) => n.endsWith('.json'))
    .sort()) {
    records.push(...(JSON.parse(readFileSync(join(STRATUS, f), 'utf8')) as CloudTrailRecord[]));
  }
  const envelopes = records.map((r) => cloudTrailEnvelope(r));
  const cis = JSON.parse(readFileSync(join(ROOT, 'src/patterns/testdata/cis-filter-patterns.json'), 'utf8')) as {
    patterns: Array<{ pattern: string }>;
  };
  const filters = cis.patterns.map((p) => compileFilterPattern(p.pattern));
  const rules = generateEventPatterns(records).map((p) => compileEventPattern(p));

  let events = 0;
  let filterMatches = 0;
  let ruleMatches = 0;
  const n = records.length;
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(Math.round(seconds * 1e9));
  let now = start;
  while (now < deadline) {
    for (let k = 0; k < 1000; k++) {
      const i = events % n;
      const rec = records[i]!;
      const env = envelopes[i]!;
      for (const f of filters) if (f.matches(rec)) filterMatches++;
      for (const r of rules) if (r.matches(env)) ruleMatches++;
      events++;
    }
    now = process.hrtime.bigint();
  }
  const elapsed = Number(now - start) / 1e9;
  return {
    records: n,
    filterPatterns: filters.length,
    eventPatterns: rules.length,
    events,
    seconds: elapsed,
    eventsPerSecond: events / elapsed,
    matchesPerSecond: (events * (filters.length + rules.length)) / elapsed,
    filterMatches,
    ruleMatches,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(await runPatternBench());
}
