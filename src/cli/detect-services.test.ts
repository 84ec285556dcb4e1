import { describe, expect, it } from 'vitest';
import type { AlarmStateChange } from '../monitor/alarm-store.js';
import { summarize } from '../notify/index.js';
import { alarmNotifications } from './detect-services.js';

const T = Date.UTC(2026, 10, 30, 9, 16);
const ARN = 'arn:aws:cloudwatch:eu-west-1:123456789012:alarm:CIS-4.5-CloudTrailChanges';
const HOOK = 'arn:opentrail:notify:eu-west-1:123456789012:channel/hook';

const change: AlarmStateChange = {
  accountId: '123456789012',
  alarmName: 'CIS-4.5-CloudTrailChanges',
  alarmArn: ARN,
  timestampMs: T,
  oldState: { value: 'OK', reason: 'Threshold Crossed: no datapoints were breaching' },
  newState: {
    value: 'ALARM',
    reason:
      'Threshold Crossed: 1 datapoint [1.0 (30/11/26 09:15:00)] was greater than or equal to the threshold (1.0).',
  },
  actions: [HOOK],
  alarm: {
    AlarmName: 'CIS-4.5-CloudTrailChanges',
    AlarmArn: ARN,
    AlarmDescription: 'CIS 4.5: CloudTrail configuration changes',
    ActionsEnabled: true,
    OKActions: [],
    AlarmActions: [HOOK],
    InsufficientDataActions: [],
    MetricName: 'CloudTrailChanges',
    Namespace: 'CISBenchmark',
    Statistic: 'Sum',
    Dimensions: [],
    Period: 300,
    EvaluationPeriods: 1,
    Threshold: 1,
    ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    TreatMissingData: 'notBreaching',
    StateValue: 'ALARM',
    StateReason: 'x',
    StateUpdatedTimestamp: T,
    StateTransitionedTimestamp: T,
    AlarmConfigurationUpdatedTimestamp: T - 60_000,
  },
};

describe('alarmNotifications', () => {
  it("sends each action CloudWatch's SNS JSON, which the notify formatter reads as an alarm", () => {
    const [n, ...rest] = alarmNotifications(change, 'eu-west-1');
    expect(rest).toEqual([]);
    expect(n!.channelArn).toBe(HOOK);
    expect(n!.message.body).toMatchObject({
      AlarmName: 'CIS-4.5-CloudTrailChanges',
      AWSAccountId: '123456789012',
      NewStateValue: 'ALARM',
      OldStateValue: 'OK',
      StateChangeTime: '2026-11-30T09:16:00.000+0000',
      Region: 'EU (Ireland)',
      AlarmArn: ARN,
      Trigger: {
        MetricName: 'CloudTrailChanges',
        Namespace: 'CISBenchmark',
        Statistic: 'SUM',
        Period: 300,
        Threshold: 1,
      },
    });
    expect(n!.message.subject).toBe('ALARM: "CIS-4.5-CloudTrailChanges" in EU (Ireland)');
    // The same change gives the same message id (a replay is recognisable); another state another.
    expect(alarmNotifications(change, 'eu-west-1')[0]!.message.id).toBe(n!.message.id);
    const ok = { ...change, newState: { value: 'OK' as const, reason: 'r' } };
    expect(alarmNotifications(ok, 'eu-west-1')[0]!.message.id).not.toBe(n!.message.id);
    expect(summarize(n!.message.body).tone).not.toBe('info');
  });
});
