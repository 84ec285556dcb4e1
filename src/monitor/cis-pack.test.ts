/**
 * The CIS pack over real CloudTrail records: the Stratus Red Team detonation logs and the records
 * quoted in the CloudTrail User Guide (test/helpers/embedded.ts). Where the fixtures hold a record
 * of a control's events, the pattern must match exactly those; where they hold none, that absence
 * is asserted too, so no control is silently untested against data it should match.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { compileFilterPattern } from '../patterns/filter-pattern.js';
import { allFixtureRecords } from '../../test/helpers/embedded.js';
import { CIS_CONTROLS, CIS_NAMESPACE, cisInstallPlan } from './cis-pack.js';
import { validatePutMetricAlarm } from './alarms.js';
import { validatePutMetricFilter } from './metric-filters.js';
import { cloudWatchFilterEngine } from './filter-engine.js';

/** Matches per control and event name over all fixture records (checked by reading the records). */
const EXPECTED: Record<string, Record<string, number>> = {
  UnauthorizedAPICalls: {
    GetPasswordData: 30,
    AssumeRole: 4,
    LeaveOrganization: 1,
    DescribeInstanceAttribute: 15,
    RunInstances: 1,
  },
  ConsoleSigninWithoutMFA: { ConsoleLogin: 6 },
  RootAccountUsage: { ConsoleLogin: 3, EnableMFADevice: 1, PasswordUpdated: 1 },
  IAMPolicyChanges: { AttachUserPolicy: 1, AttachRolePolicy: 1 },
  CloudTrailConfigChanges: { DeleteTrail: 1, StopLogging: 1, UpdateTrail: 1 },
  ConsoleAuthenticationFailures: { ConsoleLogin: 2 },
  SecurityGroupChanges: { AuthorizeSecurityGroupIngress: 1 },
  OrganizationsChanges: { LeaveOrganization: 1 },
};

function countByName(records: Record<string, unknown>[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of records) out[String(r.eventName)] = (out[String(r.eventName)] ?? 0) + 1;
  return out;
}

describe('CIS pack', () => {
  const records = allFixtureRecords();

  it('holds the fifteen patterns of spec §7.5, byte for byte', () => {
    const spec = readFileSync(resolve(import.meta.dirname, '../../../shared/reference/cloudtrail-spec.md'), 'utf8');
    const section = spec.slice(spec.indexOf('### 7.5'), spec.indexOf('Compliance checkers'));
    const quoted = [...section.matchAll(/^\d+\. [^:]+: `([^`]+)`/gm)].map((m) => m[1]);
    expect(CIS_CONTROLS.map((c) => c.pattern)).toEqual(quoted);
    expect(CIS_CONTROLS.map((c) => c.control)).toEqual(CIS_CONTROLS.map((_, i) => `4.${i + 1}`));
  });

  it.each(CIS_CONTROLS.map((c) => [c.control, c] as const))('%s matches the real records of its events', (_n, c) => {
    const matcher = compileFilterPattern(c.pattern);
    const hits = records.filter((r) => matcher.matches(r));
    const expected = EXPECTED[c.name];
    if (expected) {
      expect(countByName(hits)).toEqual(expected);
    } else {
      // No fixture record of these events exists: nothing may match, and the names prove why.
      expect(hits).toEqual([]);
      const names = [...c.pattern.matchAll(/\$\.eventName\s*=\s*"?([A-Za-z]+)/g)].map((m) => m[1]);
      expect(names.length).toBeGreaterThan(0);
      expect(records.filter((r) => names.includes(String(r.eventName)))).toEqual([]);
    }
  });

  it('the newer patterns are stricter: they never match what the classic ones reject', () => {
    for (const c of CIS_CONTROLS.filter((x) => x.newerPattern)) {
      const classic = compileFilterPattern(c.pattern);
      const newer = compileFilterPattern(c.newerPattern!);
      for (const r of records) if (newer.matches(r)) expect(classic.matches(r)).toBe(true);
    }
  });

  it('plans valid PutMetricFilter and PutMetricAlarm requests: Sum >= 1 over 300 s, 1 period', () => {
    const plan = cisInstallPlan('111111111111', { alarmActions: ['arn:aws:sns:us-east-1:111111111111:cis'] });
    expect(plan.filters).toHaveLength(15);
    expect(plan.alarms).toHaveLength(15);
    for (const f of plan.filters) {
      expect(validatePutMetricFilter(f, cloudWatchFilterEngine)).toEqual(f);
      expect(f.logGroupName).toBe('aws-cloudtrail-logs-111111111111');
      expect(f.metricTransformations[0]).toEqual({
        metricName: f.filterName,
        metricNamespace: CIS_NAMESPACE,
        metricValue: '1',
      });
    }
    for (const a of plan.alarms) {
      const def = validatePutMetricAlarm(a);
      expect(def).toMatchObject({
        Statistic: 'Sum',
        Period: 300,
        EvaluationPeriods: 1,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        AlarmActions: ['arn:aws:sns:us-east-1:111111111111:cis'],
      });
    }
    expect(plan.alarms[4]!.AlarmName).toBe('CIS-4.5-CloudTrailConfigChanges');
    const newer = cisInstallPlan('111111111111', { newerPatterns: true });
    expect(newer.filters[0]!.filterPattern).toBe(CIS_CONTROLS[0]!.newerPattern);
    expect(newer.filters[2]!.filterPattern).toBe(CIS_CONTROLS[2]!.pattern);
  });
});
