/** PutMetricAlarm validation (CloudWatch's codes and wording) and CloudWatch's number and date formats. */
import { describe, expect, it } from 'vitest';
import { validatePutMetricAlarm, type PutMetricAlarmInput } from './alarms.js';
import { javaDouble, jsonDate, reasonDate } from './cloudwatch-format.js';
import { MonitorError } from './errors.js';
import { aggregateByMinute } from './metrics.js';

const base: PutMetricAlarmInput = {
  AlarmName: 'a',
  MetricName: 'M',
  Namespace: 'N',
  Statistic: 'Sum',
  Period: 300,
  EvaluationPeriods: 1,
  Threshold: 1,
  ComparisonOperator: 'GreaterThanOrEqualToThreshold',
};

function rejects(over: Partial<PutMetricAlarmInput>): MonitorError {
  try {
    validatePutMetricAlarm({ ...base, ...over });
  } catch (err) {
    expect(err).toBeInstanceOf(MonitorError);
    return err as MonitorError;
  }
  throw new Error(`accepted ${JSON.stringify(over)}`);
}

describe('PutMetricAlarm validation', () => {
  it('fills CloudWatch defaults', () => {
    expect(validatePutMetricAlarm(base)).toEqual({
      ...base,
      Dimensions: [],
      TreatMissingData: 'missing',
      ActionsEnabled: true,
      OKActions: [],
      AlarmActions: [],
      InsufficientDataActions: [],
    });
  });

  const cases: [string, Partial<PutMetricAlarmInput>, string, string | RegExp][] = [
    [
      'M > N',
      { EvaluationPeriods: 2, DatapointsToAlarm: 3 },
      'ValidationError',
      'DatapointsToAlarm must be less than or equal to EvaluationPeriods',
    ],
    [
      'a day',
      { Period: 60, EvaluationPeriods: 1441 },
      'ValidationError',
      /^Metrics cannot be checked across more than a day \(EvaluationPeriods \* Period must be <= 86400\)/,
    ],
    [
      'a week',
      { Period: 3600, EvaluationPeriods: 169 },
      'ValidationError',
      /^Metrics cannot be checked across more than a week/,
    ],
    ['period', { Period: 90 }, 'ValidationError', 'Period must be 10, 20, 30 or a multiple of 60'],
    ['high resolution', { Period: 10 }, 'InvalidParameterValue', /high-resolution period/],
    [
      'anomaly operator',
      { ComparisonOperator: 'GreaterThanUpperThreshold' },
      'InvalidParameterCombination',
      /anomaly detection/,
    ],
    [
      'unknown operator',
      { ComparisonOperator: 'Bigger' },
      'ValidationError',
      /Value 'Bigger' at 'comparisonOperator' failed to satisfy constraint: Member must satisfy enum value set/,
    ],
    [
      'both statistics',
      { ExtendedStatistic: 'p99' },
      'InvalidParameterCombination',
      'Exactly one of the parameters Statistic or ExtendedStatistic must be specified.',
    ],
    [
      'percentiles',
      { Statistic: undefined, ExtendedStatistic: 'p99' },
      'InvalidParameterValue',
      /ExtendedStatistic p99 is not supported/,
    ],
    ['statistic', { Statistic: 'Median' }, 'ValidationError', /Value 'Median' at 'statistic'/],
    ['treatment', { TreatMissingData: 'zero' }, 'ValidationError', /Invalid TreatMissingData zero/],
    [
      'too many actions',
      { AlarmActions: Array(6).fill('arn:aws:sns:us-east-1:1:t') },
      'ValidationError',
      /at 'alarmActions' failed to satisfy constraint: Member must have length less than or equal to 5/,
    ],
    ['bad arn', { OKActions: ['nope'] }, 'ValidationError', 'Invalid arn syntax: nope'],
    ['missing threshold', { Threshold: undefined }, 'MissingParameter', 'The parameter Threshold is required.'],
    ['metric math', { Metrics: [{}] }, 'InvalidParameterValue', /Metrics \(metric math/],
    ['non-ASCII name', { AlarmName: 'alarmé' }, 'InvalidParameterValue', /only ASCII/],
    [
      'duplicate dimension',
      {
        Dimensions: [
          { Name: 'a', Value: '1' },
          { Name: 'a', Value: '2' },
        ],
      },
      'InvalidParameterValue',
      /duplicate names: a/,
    ],
  ];
  it.each(cases)('refuses %s', (_n, over, code, message) => {
    const err = rejects(over);
    expect(err.code).toBe(code);
    expect(err.message).toMatch(message);
  });
});

describe('CloudWatch formats', () => {
  it('prints doubles as Java does', () => {
    expect([1, 0.5, 0, -2, 1e7, 12345.678, 1e-4, 0.001, 1.5e-7].map(javaDouble)).toEqual([
      '1.0',
      '0.5',
      '0.0',
      '-2.0',
      '1.0E7',
      '12345.678',
      '1.0E-4',
      '0.001',
      '1.5E-7',
    ]);
  });
  it('prints dates as reason text and JSON do', () => {
    const t = Date.UTC(2026, 11, 1, 9, 5, 7, 42);
    expect(reasonDate(t)).toBe('01/12/26 09:05:07');
    expect(jsonDate(t)).toBe('2026-12-01T09:05:07.042+0000');
  });
});

describe('per-minute aggregation', () => {
  it('sums, counts and bounds datapoints per metric and minute, dimensions in any order', () => {
    const p = (timestampMs: number, value: number, dimensions: Record<string, string> = {}) => ({
      accountId: '1',
      namespace: 'N',
      metricName: 'M',
      dimensions,
      timestampMs,
      value,
    });
    const rows = aggregateByMinute([
      p(0, 1, { a: 'x', b: 'y' }),
      p(59_999, 3, { b: 'y', a: 'x' }),
      p(60_000, 2),
      p(1000, -1),
    ]);
    expect(rows).toEqual([
      {
        accountId: '1',
        namespace: 'N',
        metricName: 'M',
        dimensions: '[["a","x"],["b","y"]]',
        unit: 'None',
        minuteMs: 0,
        sampleCount: 2,
        sum: 4,
        minimum: 1,
        maximum: 3,
      },
      {
        accountId: '1',
        namespace: 'N',
        metricName: 'M',
        dimensions: '[]',
        unit: 'None',
        minuteMs: 60_000,
        sampleCount: 1,
        sum: 2,
        minimum: 2,
        maximum: 2,
      },
      {
        accountId: '1',
        namespace: 'N',
        metricName: 'M',
        dimensions: '[]',
        unit: 'None',
        minuteMs: 0,
        sampleCount: 1,
        sum: -1,
        minimum: -1,
        maximum: -1,
      },
    ]);
  });
});
