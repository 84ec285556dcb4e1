import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateEventPatterns } from '../../bench/patterns.js';
import type { CloudTrailRecord } from '../event/types.js';
import { cloudTrailEnvelope, compileEventPattern } from '../patterns/index.js';
import { RuleIndex } from './rule-index.js';

const STRATUS = '/work/shared/fixtures/stratus-red-team-detonation-logs';

function records(): CloudTrailRecord[] {
  const out: CloudTrailRecord[] = [];
  for (const f of readdirSync(STRATUS)
    .filter((n) => n.endsWith('.json'))
    .sort()) {
    out.push(...(JSON.parse(readFileSync(join(STRATUS, f), 'utf8')) as CloudTrailRecord[]));
  }
  return out;
}

describe('RuleIndex', () => {
  it('files rules under eventName, eventSource, source or detail-type, and the rest as unindexed', () => {
    const idx = new RuleIndex<string>();
    idx.add('name', { detail: { eventName: ['StopLogging', { prefix: 'Delete' }] }, source: ['aws.cloudtrail'] });
    idx.add('src', { source: ['aws.iam'] });
    idx.add('ci', { detail: { eventName: [{ 'equals-ignore-case': 'putbucketpolicy' }] } });
    idx.add('or', { $or: [{ source: ['aws.s3'] }, { detail: { errorCode: [{ exists: true }] } }] });
    idx.add('numeric', { detail: { eventName: [{ 'anything-but': 'x' }] } });
    idx.add('suffix', { detail: { eventSource: [{ suffix: 'iam.amazonaws.com' }] } });
    idx.add('or-open', { $or: [{ source: ['aws.s3'] }, { detail: { errorCode: [{ exists: false }] } }] });
    // `or` is filed under each branch: source aws.s3, and the presence of detail.errorCode.
    expect(idx.stats()).toEqual({ rules: 7, indexed: 5, unindexed: 2 });
    const env = (eventName: string, source: string, extra: object = {}) => ({
      source,
      detail: { eventName, ...extra },
    });
    expect(idx.candidates(env('StopLogging', 'aws.cloudtrail')).sort()).toEqual(['name', 'numeric', 'or-open']);
    expect(idx.candidates(env('DeleteTrail', 'aws.cloudtrail')).sort()).toEqual(['name', 'numeric', 'or-open']);
    expect(idx.candidates(env('CreateUser', 'aws.iam', { eventSource: 'iam.amazonaws.com' })).sort()).toEqual([
      'numeric',
      'or-open',
      'src',
      'suffix',
    ]);
    expect(idx.candidates(env('PutBucketPolicy', 'aws.s3')).sort()).toEqual(['ci', 'numeric', 'or', 'or-open']);
    expect(
      idx.candidates(env('RunInstances', 'aws.ec2', { errorCode: 'Client.UnauthorizedOperation' })).sort(),
    ).toEqual(['numeric', 'or', 'or-open']);
    expect(idx.candidates({ source: 'aws.iam' }).sort()).toEqual(['numeric', 'or-open', 'src']);
  });

  it('never loses a match: over the Stratus records, index candidates ⊇ rules that match', () => {
    const recs = records();
    const patterns = generateEventPatterns(recs, 100);
    const idx = new RuleIndex<number>();
    const matchers = patterns.map((p) => compileEventPattern(p));
    patterns.forEach((p, i) => idx.add(i, p));
    expect(idx.stats().indexed).toBe(100);
    let matches = 0;
    for (const r of recs) {
      const env = cloudTrailEnvelope(r);
      const cand = new Set(idx.candidates(env));
      matchers.forEach((m, i) => {
        if (m.matches(env)) {
          matches++;
          expect(cand.has(i)).toBe(true);
        }
      });
    }
    expect(matches).toBeGreaterThan(0);
  });
});
