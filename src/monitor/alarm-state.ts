/**
 * The alarm state machine, as CloudWatch documents it ("Evaluating an alarm" and "How alarm
 * state is evaluated when data is missing", CloudWatch User Guide). A pure function of the
 * alarm, the period aggregates and the clock.
 *
 * - The evaluation range is N + 2 periods (N = EvaluationPeriods; the guide's example retrieves
 *   5 periods for N = 3), ending at the end of the current minute, so the minute an event
 *   arrives in counts at once.
 * - At least N real datapoints in the range: the N most recent are evaluated; the missing-data
 *   setting plays no part.
 * - Fewer: every real datapoint is evaluated, plus as few missing ones (the most recent missing
 *   periods) as make N. `breaching` / `notBreaching` count them as such. `missing` and `ignore`
 *   count them as neither: M breaching datapoints still mean ALARM, and any non-breaching real
 *   datapoint means OK; with only breaching ones (fewer than M), `missing` goes to ALARM when the
 *   oldest evaluated datapoint is a real one and to INSUFFICIENT_DATA otherwise (the guide's
 *   rows `X - - - -` and `- - - - X`), and `ignore` keeps the current state.
 * - No real datapoint at all: INSUFFICIENT_DATA (`missing`), the current state (`ignore`), ALARM
 *   (`breaching`) or OK (`notBreaching`).
 * Fewer than M breaching evaluated datapoints is OK, otherwise ALARM.
 */
import { jsonDate, javaDouble, reasonDate } from './cloudwatch-format.js';
import {
  datapointsToAlarm,
  type AlarmDefinition,
  type AlarmState,
  type AlarmStateInfo,
  type ComparisonOperator,
} from './alarms.js';
import { MINUTE_MS, statisticOf, type PeriodAggregate } from './metrics.js';

/** An alarm as the evaluator needs it: the definition and its current state. */
export type EvaluableAlarm = AlarmDefinition & Pick<AlarmStateInfo, 'StateValue' | 'StateReason' | 'StateReasonData'>;

/** One evaluated period: a real datapoint or a missing one, with its classification. */
export interface EvaluatedDatapoint {
  timestampMs: number;
  /** Absent for a missing period. */
  value?: number;
  sampleCount?: number;
  breaching: boolean | 'missing';
}

export interface AlarmEvaluation {
  state: AlarmState;
  /** False when the state stays as it was (then reason and reasonData are the current ones). */
  changed: boolean;
  reason: string;
  reasonData: string | undefined;
  /** Newest first. */
  evaluated: EvaluatedDatapoint[];
}

export interface EvaluationRange {
  startMs: number;
  endMs: number;
  periodMs: number;
  /** Period start times, newest first. */
  periods: number[];
}

/** The periods an evaluation at `nowMs` looks at. */
export function evaluationRange(
  alarm: Pick<AlarmDefinition, 'Period' | 'EvaluationPeriods'>,
  nowMs: number,
): EvaluationRange {
  const periodMs = alarm.Period * 1000;
  const endMs = Math.floor(nowMs / MINUTE_MS) * MINUTE_MS + MINUTE_MS;
  const count = alarm.EvaluationPeriods + 2;
  const periods = Array.from({ length: count }, (_, i) => endMs - (i + 1) * periodMs);
  return { startMs: endMs - count * periodMs, endMs, periodMs, periods };
}

export function isBreaching(op: ComparisonOperator, value: number, threshold: number): boolean {
  switch (op) {
    case 'GreaterThanOrEqualToThreshold':
      return value >= threshold;
    case 'GreaterThanThreshold':
      return value > threshold;
    case 'LessThanThreshold':
      return value < threshold;
    case 'LessThanOrEqualToThreshold':
      return value <= threshold;
  }
}

const OPERATOR_WORDS: Record<ComparisonOperator, string> = {
  GreaterThanOrEqualToThreshold: 'greater than or equal to',
  GreaterThanThreshold: 'greater than',
  LessThanThreshold: 'less than',
  LessThanOrEqualToThreshold: 'less than or equal to',
};

/**
 * Evaluates an alarm at `nowMs` over the aggregates of its metric (any order; those outside the
 * evaluation range are ignored).
 */
export function evaluateAlarm(
  alarm: EvaluableAlarm,
  aggregates: readonly PeriodAggregate[],
  nowMs: number,
): AlarmEvaluation {
  const range = evaluationRange(alarm, nowMs);
  const byStart = new Map(aggregates.map((a) => [a.timestampMs, a]));
  const slots: EvaluatedDatapoint[] = range.periods.map((ts) => {
    const a = byStart.get(ts);
    if (!a || a.sampleCount === 0) return { timestampMs: ts, breaching: 'missing' };
    const value = statisticOf(a, alarm.Statistic);
    return {
      timestampMs: ts,
      value,
      sampleCount: a.sampleCount,
      breaching: isBreaching(alarm.ComparisonOperator, value, alarm.Threshold),
    };
  });
  const n = alarm.EvaluationPeriods;
  const m = datapointsToAlarm(alarm);
  const real = slots.filter((s) => s.breaching !== 'missing');
  const treat = alarm.TreatMissingData;

  let evaluated: EvaluatedDatapoint[];
  if (real.length >= n) {
    evaluated = real.slice(0, n);
  } else {
    const fills = slots.filter((s) => s.breaching === 'missing').slice(0, n - real.length);
    const chosen = new Set([...real, ...fills]);
    evaluated = slots.filter((s) => chosen.has(s));
  }
  const realEvaluated = evaluated.filter((s) => s.breaching !== 'missing');
  const fillCount = evaluated.length - realEvaluated.length;
  const breaching = realEvaluated.filter((s) => s.breaching === true).length;
  const notBreaching = realEvaluated.length - breaching;

  let state: AlarmState | 'retain';
  let fillsAs: 'Breaching' | 'NonBreaching' | undefined;
  if (fillCount === 0) {
    state = breaching >= m ? 'ALARM' : 'OK';
  } else if (treat === 'breaching') {
    fillsAs = 'Breaching';
    state = breaching + fillCount >= m ? 'ALARM' : 'OK';
  } else if (treat === 'notBreaching') {
    fillsAs = 'NonBreaching';
    state = breaching >= m ? 'ALARM' : 'OK';
  } else if (breaching >= m) {
    state = 'ALARM';
  } else if (notBreaching > 0) {
    state = 'OK';
  } else if (treat === 'ignore') {
    state = 'retain';
  } else {
    const oldest = evaluated[evaluated.length - 1]!;
    state = breaching > 0 && oldest.breaching === true ? 'ALARM' : 'INSUFFICIENT_DATA';
  }

  if (state === 'retain' || state === alarm.StateValue) {
    return {
      state: alarm.StateValue,
      changed: false,
      reason: alarm.StateReason,
      reasonData: alarm.StateReasonData,
      evaluated,
    };
  }
  const reason = reasonText(alarm, state, evaluated, m, fillsAs);
  return { state, changed: true, reason, reasonData: reasonData(alarm, evaluated, nowMs), evaluated };
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function wasWere(n: number): string {
  return n === 1 ? 'was' : 'were';
}

function listed(points: readonly EvaluatedDatapoint[]): string {
  return points.map((p) => `${javaDouble(p.value!)} (${reasonDate(p.timestampMs)})`).join(', ');
}

/**
 * CloudWatch's StateReason. With DatapointsToAlarm set:
 * `Threshold Crossed: 2 out of the last 3 datapoints [5.0 (…), 3.0 (…)] were greater than the
 * threshold (1.0) (minimum 2 datapoints for OK -> ALARM transition).`; without it the short
 * form `Threshold Crossed: 1 datapoint [3.0 (…)] was greater than or equal to the threshold (1.0).`
 * The datapoints listed are the ones that support the new state, newest first.
 */
function reasonText(
  alarm: EvaluableAlarm,
  state: AlarmState,
  evaluated: readonly EvaluatedDatapoint[],
  m: number,
  fillsAs: 'Breaching' | 'NonBreaching' | undefined,
): string {
  const fills = evaluated.filter((s) => s.breaching === 'missing').length;
  if (state === 'INSUFFICIENT_DATA')
    return `Insufficient Data: ${plural(fills, 'datapoint')} ${wasWere(fills)} unknown.`;
  const supporting = evaluated.filter((s) => s.breaching === (state === 'ALARM'));
  const missingClause =
    fills > 0 && fillsAs ? ` and ${plural(fills, 'missing datapoint')} ${wasWere(fills)} treated as [${fillsAs}]` : '';
  if (supporting.length === 0) {
    return `Threshold Crossed: no datapoints were received for ${plural(fills, 'period')}${missingClause}.`;
  }
  const op = `${state === 'OK' ? 'not ' : ''}${OPERATOR_WORDS[alarm.ComparisonOperator]}`;
  const k = supporting.length;
  const threshold = `the threshold (${javaDouble(alarm.Threshold)})`;
  if (alarm.DatapointsToAlarm === undefined) {
    return `Threshold Crossed: ${plural(k, 'datapoint')} [${listed(supporting)}] ${wasWere(k)} ${op} ${threshold}${missingClause}.`;
  }
  const n = alarm.EvaluationPeriods;
  const minimum = state === 'ALARM' ? m : n - m + 1;
  return (
    `Threshold Crossed: ${k} out of the last ${n} datapoints [${listed(supporting)}] ${wasWere(k)} ${op} ${threshold}` +
    `${missingClause} (minimum ${plural(minimum, 'datapoint')} for ${alarm.StateValue} -> ${state} transition).`
  );
}

/** CloudWatch's StateReasonData JSON, numbers written as Java doubles (`1.0`). */
function reasonData(alarm: EvaluableAlarm, evaluated: readonly EvaluatedDatapoint[], nowMs: number): string {
  const real = evaluated.filter((s) => s.breaching !== 'missing');
  const parts = [`"version":"1.0"`, `"queryDate":"${jsonDate(nowMs)}"`];
  if (real.length > 0) parts.push(`"startDate":"${jsonDate(evaluated[evaluated.length - 1]!.timestampMs)}"`);
  if (alarm.Unit) parts.push(`"unit":${JSON.stringify(alarm.Unit)}`);
  parts.push(`"statistic":"${alarm.Statistic}"`, `"period":${alarm.Period}`);
  parts.push(
    `"recentDatapoints":[${[...real]
      .reverse()
      .map((s) => javaDouble(s.value!))
      .join(',')}]`,
  );
  parts.push(`"threshold":${javaDouble(alarm.Threshold)}`);
  const points = evaluated.map((s) =>
    s.breaching === 'missing'
      ? `{"timestamp":"${jsonDate(s.timestampMs)}"}`
      : `{"timestamp":"${jsonDate(s.timestampMs)}","sampleCount":${javaDouble(s.sampleCount!)},"value":${javaDouble(s.value!)}}`,
  );
  parts.push(`"evaluatedDatapoints":[${points.join(',')}]`);
  return `{${parts.join(',')}}`;
}
