/**
 * The alarm state machine: CloudWatch's missing-data tables as data, M-out-of-N cases, and the
 * exact reason text and StateReasonData CloudWatch writes.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { evaluateAlarm, evaluationRange, type EvaluableAlarm } from './alarm-state.js';
import type { AlarmState, TreatMissingData } from './alarms.js';
import type { PeriodAggregate } from './metrics.js';

interface Row {
  m: number;
  n: number;
  points: string;
  missing: string;
  ignore: string;
  breaching: string;
  notBreaching: string;
}
const table = JSON.parse(readFileSync(join(import.meta.dirname, 'testdata/missing-data-table.json'), 'utf8')) as {
  rows: Row[];
};

// 2026-12-01 10:12:30 UTC: inside the minute 10:12, so the range ends at 10:13.
const NOW = Date.UTC(2026, 11, 1, 10, 12, 30);

function alarm(over: Partial<EvaluableAlarm> = {}): EvaluableAlarm {
  return {
    AlarmName: 'a',
    ActionsEnabled: true,
    OKActions: [],
    AlarmActions: [],
    InsufficientDataActions: [],
    MetricName: 'Errors',
    Namespace: 'App',
    Statistic: 'Sum',
    Dimensions: [],
    Period: 300,
    EvaluationPeriods: 1,
    Threshold: 1,
    ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    TreatMissingData: 'missing',
    StateValue: 'INSUFFICIENT_DATA',
    StateReason: 'Unchecked: Initial alarm creation',
    ...over,
  };
}

function agg(timestampMs: number, value: number, sampleCount = 1): PeriodAggregate {
  return { timestampMs, sampleCount, sum: value, minimum: value, maximum: value };
}

/** Aggregates laid out oldest first over the evaluation range: 'X' = 5 (breaching), '0' = 0. */
function layout(a: EvaluableAlarm, points: string): PeriodAggregate[] {
  const oldestFirst = [...evaluationRange(a, NOW).periods].reverse();
  expect(oldestFirst).toHaveLength(points.length);
  return [...points].flatMap((c, i) => (c === '-' ? [] : [agg(oldestFirst[i]!, c === 'X' ? 5 : 0)]));
}

describe('missing data, as the CloudWatch User Guide tabulates it', () => {
  const cases = table.rows.flatMap((row) =>
    (['missing', 'ignore', 'breaching', 'notBreaching'] as TreatMissingData[]).flatMap((treat) =>
      (['OK', 'ALARM', 'INSUFFICIENT_DATA'] as AlarmState[]).map((current) => ({ row, treat, current })),
    ),
  );
  it.each(cases.map((c) => [`${c.row.m}/${c.row.n} ${c.row.points} ${c.treat} from ${c.current}`, c] as const))(
    '%s',
    (_name, { row, treat, current }) => {
      const a = alarm({
        EvaluationPeriods: row.n,
        ...(row.m !== row.n ? { DatapointsToAlarm: row.m } : {}),
        TreatMissingData: treat,
        StateValue: current,
        StateReason: 'before',
      });
      const r = evaluateAlarm(a, layout(a, row.points), NOW);
      const want = row[treat] === 'retain' ? current : row[treat];
      expect(r.state).toBe(want);
      expect(r.changed).toBe(want !== current);
      if (!r.changed) expect(r.reason).toBe('before');
    },
  );
});

describe('M out of N', () => {
  const cases: { m: number; n: number; points: string; want: AlarmState }[] = [
    { m: 1, n: 1, points: '--X', want: 'ALARM' },
    { m: 1, n: 1, points: '--0', want: 'OK' },
    { m: 1, n: 1, points: 'X-0', want: 'OK' }, // the newest real datapoint decides
    { m: 1, n: 1, points: '0X-', want: 'ALARM' }, // the last datapoint still in range
    { m: 2, n: 4, points: 'X0X00X', want: 'ALARM' },
    { m: 2, n: 4, points: 'XX000X', want: 'OK' }, // only the 4 most recent count
    { m: 3, n: 4, points: '0XX0XX', want: 'ALARM' },
    { m: 4, n: 4, points: '0XXXX0', want: 'OK' },
    { m: 4, n: 4, points: '0XXXXX', want: 'ALARM' },
  ];
  it.each(cases.map((c) => [`${c.m}/${c.n} ${c.points}`, c] as const))('%s', (_n, c) => {
    const a = alarm({ EvaluationPeriods: c.n, DatapointsToAlarm: c.m, StateValue: 'OK' });
    expect(evaluateAlarm(a, layout(a, c.points), NOW).state).toBe(c.want === 'OK' ? 'OK' : c.want);
  });

  it('compares with each operator at the threshold itself', () => {
    const at = (op: EvaluableAlarm['ComparisonOperator']) => {
      const a = alarm({ ComparisonOperator: op, Threshold: 5, StateValue: 'INSUFFICIENT_DATA' });
      return evaluateAlarm(a, layout(a, '--X'), NOW).state;
    };
    expect(at('GreaterThanOrEqualToThreshold')).toBe('ALARM');
    expect(at('GreaterThanThreshold')).toBe('OK');
    expect(at('LessThanOrEqualToThreshold')).toBe('ALARM');
    expect(at('LessThanThreshold')).toBe('OK');
  });

  it('reads the alarm statistic of each period', () => {
    const start = evaluationRange(alarm(), NOW).periods[0]!;
    const p: PeriodAggregate = { timestampMs: start, sampleCount: 4, sum: 2, minimum: 0, maximum: 2 };
    const state = (Statistic: EvaluableAlarm['Statistic'], Threshold: number) =>
      evaluateAlarm(alarm({ Statistic, Threshold }), [p], NOW).state;
    expect(state('SampleCount', 4)).toBe('ALARM');
    expect(state('Sum', 3)).toBe('OK');
    expect(state('Average', 0.5)).toBe('ALARM');
    expect(state('Average', 0.6)).toBe('OK');
    expect(state('Minimum', 0.1)).toBe('OK');
    expect(state('Maximum', 2)).toBe('ALARM');
  });
});

describe('reason text and StateReasonData', () => {
  const p0 = Date.UTC(2026, 11, 1, 10, 8); // newest period of the range at NOW (10:08–10:13)

  it('writes the M-of-N form when DatapointsToAlarm is set', () => {
    const a = alarm({ DatapointsToAlarm: 1, StateValue: 'OK', Period: 300 });
    const r = evaluateAlarm(a, [agg(p0, 5)], NOW);
    expect(r.reason).toBe(
      'Threshold Crossed: 1 out of the last 1 datapoints [5.0 (01/12/26 10:08:00)] was greater than or equal to the threshold (1.0) (minimum 1 datapoint for OK -> ALARM transition).',
    );
    expect(r.reasonData).toBe(
      '{"version":"1.0","queryDate":"2026-12-01T10:12:30.000+0000","startDate":"2026-12-01T10:08:00.000+0000","statistic":"Sum","period":300,"recentDatapoints":[5.0],"threshold":1.0,"evaluatedDatapoints":[{"timestamp":"2026-12-01T10:08:00.000+0000","sampleCount":1.0,"value":5.0}]}',
    );
  });

  it('writes the short form without DatapointsToAlarm, and lists only supporting datapoints', () => {
    const a = alarm({ StateValue: 'INSUFFICIENT_DATA', Period: 60, EvaluationPeriods: 1 });
    const r = evaluateAlarm(a, [agg(Date.UTC(2026, 11, 1, 10, 12), 3, 3)], NOW);
    expect(r.reason).toBe(
      'Threshold Crossed: 1 datapoint [3.0 (01/12/26 10:12:00)] was greater than or equal to the threshold (1.0).',
    );
    const b = alarm({ StateValue: 'ALARM', Period: 60, EvaluationPeriods: 2, DatapointsToAlarm: 2 });
    const r2 = evaluateAlarm(b, [agg(Date.UTC(2026, 11, 1, 10, 12), 0.5), agg(Date.UTC(2026, 11, 1, 10, 11), 7)], NOW);
    expect(r2.state).toBe('OK');
    expect(r2.reason).toBe(
      'Threshold Crossed: 1 out of the last 2 datapoints [0.5 (01/12/26 10:12:00)] was not greater than or equal to the threshold (1.0) (minimum 1 datapoint for ALARM -> OK transition).',
    );
  });

  it('says how missing datapoints were treated', () => {
    const a = alarm({ TreatMissingData: 'breaching', EvaluationPeriods: 2, Period: 300, StateValue: 'OK' });
    const r = evaluateAlarm(a, [], NOW);
    expect(r.state).toBe('ALARM');
    expect(r.reason).toBe(
      'Threshold Crossed: no datapoints were received for 2 periods and 2 missing datapoints were treated as [Breaching].',
    );
    expect(r.reasonData).toBe(
      '{"version":"1.0","queryDate":"2026-12-01T10:12:30.000+0000","statistic":"Sum","period":300,"recentDatapoints":[],"threshold":1.0,"evaluatedDatapoints":[{"timestamp":"2026-12-01T10:08:00.000+0000"},{"timestamp":"2026-12-01T10:03:00.000+0000"}]}',
    );
    const b = alarm({
      TreatMissingData: 'breaching',
      EvaluationPeriods: 2,
      StateValue: 'ALARM',
      ComparisonOperator: 'LessThanThreshold',
    });
    const r2 = evaluateAlarm(b, [agg(p0, 1)], NOW);
    expect(r2.state).toBe('OK');
    expect(r2.reason).toBe(
      'Threshold Crossed: 1 datapoint [1.0 (01/12/26 10:08:00)] was not less than the threshold (1.0) and 1 missing datapoint was treated as [Breaching].',
    );
    const c = alarm({ TreatMissingData: 'notBreaching', StateValue: 'ALARM' });
    expect(evaluateAlarm(c, [], NOW).reason).toBe(
      'Threshold Crossed: no datapoints were received for 1 period and 1 missing datapoint was treated as [NonBreaching].',
    );
  });

  it('reports unknown datapoints when data is insufficient, and the unit when the alarm has one', () => {
    const a = alarm({ StateValue: 'OK', Unit: 'Count' });
    const r = evaluateAlarm(a, [], NOW);
    expect(r.state).toBe('INSUFFICIENT_DATA');
    expect(r.reason).toBe('Insufficient Data: 1 datapoint was unknown.');
    expect(JSON.parse(r.reasonData!)).toMatchObject({ unit: 'Count', recentDatapoints: [] });
    const b = alarm({ StateValue: 'OK', EvaluationPeriods: 3 });
    expect(evaluateAlarm(b, layout(b, '----X'), NOW).reason).toBe('Insufficient Data: 2 datapoints were unknown.');
  });

  it('keeps the state and reason when nothing changes', () => {
    const a = alarm({ StateValue: 'ALARM', StateReason: 'earlier', StateReasonData: '{"x":1}' });
    const r = evaluateAlarm(a, [agg(p0, 9)], NOW);
    expect(r).toMatchObject({ state: 'ALARM', changed: false, reason: 'earlier', reasonData: '{"x":1}' });
  });

  it('forgets a datapoint once it leaves the evaluation range (N + 2 periods)', () => {
    const a = alarm({ StateValue: 'ALARM', Period: 60 });
    const t = Date.UTC(2026, 11, 1, 10, 0);
    expect(evaluateAlarm(a, [agg(t, 5)], t + 2 * 60_000 + 59_999).state).toBe('ALARM');
    expect(evaluateAlarm(a, [agg(t, 5)], t + 3 * 60_000).state).toBe('INSUFFICIENT_DATA');
  });
});
