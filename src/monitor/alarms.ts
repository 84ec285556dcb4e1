/**
 * The PutMetricAlarm model (spec §7.4): static-threshold alarms on one metric, validated with
 * CloudWatch's wording. Anomaly-detection operators and metric math are refused clearly: they
 * need a Metrics list, which OpenTrail does not evaluate.
 */
import { MonitorError, constraintError } from './errors.js';
import { STATISTICS, type Dimension, type Statistic } from './metrics.js';
import { STANDARD_UNITS, isStandardUnit, type StandardUnit } from './units.js';

export type AlarmState = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';
export const ALARM_STATES: readonly AlarmState[] = ['OK', 'ALARM', 'INSUFFICIENT_DATA'];

export type ComparisonOperator =
  'GreaterThanOrEqualToThreshold' | 'GreaterThanThreshold' | 'LessThanThreshold' | 'LessThanOrEqualToThreshold';

const STATIC_OPERATORS: readonly ComparisonOperator[] = [
  'GreaterThanOrEqualToThreshold',
  'GreaterThanThreshold',
  'LessThanThreshold',
  'LessThanOrEqualToThreshold',
];
const ANOMALY_OPERATORS = [
  'LessThanLowerOrGreaterThanUpperThreshold',
  'LessThanLowerThreshold',
  'GreaterThanUpperThreshold',
];

export type TreatMissingData = 'missing' | 'notBreaching' | 'breaching' | 'ignore';
const TREATMENTS: readonly TreatMissingData[] = ['breaching', 'notBreaching', 'ignore', 'missing'];

/** PutMetricAlarm's request members (CloudWatch names). */
export interface PutMetricAlarmInput {
  AlarmName: string;
  AlarmDescription?: string;
  ActionsEnabled?: boolean;
  OKActions?: string[];
  AlarmActions?: string[];
  InsufficientDataActions?: string[];
  MetricName?: string;
  Namespace?: string;
  Statistic?: string;
  ExtendedStatistic?: string;
  Dimensions?: Dimension[];
  Period?: number;
  Unit?: string;
  EvaluationPeriods?: number;
  DatapointsToAlarm?: number;
  Threshold?: number;
  ComparisonOperator?: string;
  TreatMissingData?: string;
  EvaluateLowSampleCountPercentile?: string;
  Metrics?: unknown[];
  ThresholdMetricId?: string;
  Tags?: { Key: string; Value: string }[];
}

/** A validated alarm definition: what the evaluator reads. */
export interface AlarmDefinition {
  AlarmName: string;
  AlarmDescription?: string;
  ActionsEnabled: boolean;
  OKActions: string[];
  AlarmActions: string[];
  InsufficientDataActions: string[];
  MetricName: string;
  Namespace: string;
  Statistic: Statistic;
  Dimensions: Dimension[];
  /** Seconds, a multiple of 60. */
  Period: number;
  Unit?: StandardUnit;
  EvaluationPeriods: number;
  /** Absent when the request did not set it: then M = N, and reasons use CloudWatch's short form. */
  DatapointsToAlarm?: number;
  Threshold: number;
  ComparisonOperator: ComparisonOperator;
  TreatMissingData: TreatMissingData;
}

/** An alarm's state as DescribeAlarms reports it (timestamps in epoch ms). */
export interface AlarmStateInfo {
  StateValue: AlarmState;
  StateReason: string;
  /** JSON text, absent when the state was set without data (creation, SetAlarmState without data). */
  StateReasonData?: string;
  StateUpdatedTimestamp: number;
  StateTransitionedTimestamp: number;
}

/** DescribeAlarms' MetricAlarm (timestamps in epoch ms). */
export interface MetricAlarm extends AlarmDefinition, AlarmStateInfo {
  AlarmArn: string;
  AlarmConfigurationUpdatedTimestamp: number;
}

export const MAX_ACTIONS = 5;
export const MAX_ALARMS_PER_ACCOUNT = 5000;
const ONE_DAY = 86_400;
const ONE_WEEK = 604_800;
const ARN = /^arn:[^:]+:[^:]+:[^:]*:[^:]*:.+$/;

export function alarmArn(region: string, accountId: string, alarmName: string): string {
  return `arn:aws:cloudwatch:${region}:${accountId}:alarm:${alarmName}`;
}

/** M of "M out of N". */
export function datapointsToAlarm(a: AlarmDefinition): number {
  return a.DatapointsToAlarm ?? a.EvaluationPeriods;
}

function required<T>(name: string, v: T | undefined | null): T {
  if (v === undefined || v === null) throw new MonitorError('MissingParameter', `The parameter ${name} is required.`);
  return v;
}

function text(member: string, v: unknown, min: number, max: number): string {
  if (typeof v !== 'string') throw constraintError(member, v, 'Member must be a string');
  if (v.length < min) throw constraintError(member, v, `Member must have length greater than or equal to ${min}`);
  if (v.length > max) throw constraintError(member, v, `Member must have length less than or equal to ${max}`);
  return v;
}

function integer(member: string, v: unknown, min: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) throw constraintError(member, v, 'Member must be an integer');
  if (v < min) throw constraintError(member, v, `Member must have value greater than or equal to ${min}`);
  return v;
}

function actions(member: string, v: unknown): string[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw constraintError(member, v, 'Member must be a list of ARNs');
  if (v.length > MAX_ACTIONS) {
    throw constraintError(member, v, `Member must have length less than or equal to ${MAX_ACTIONS}`);
  }
  return v.map((arn, i) => {
    const s = text(`${member}.${i + 1}.member`, arn, 1, 1024);
    if (!ARN.test(s)) throw new MonitorError('ValidationError', `Invalid arn syntax: ${s}`);
    return s;
  });
}

/** Validates a PutMetricAlarm request; returns the definition to store. */
export function validatePutMetricAlarm(input: PutMetricAlarmInput): AlarmDefinition {
  const AlarmName = text('alarmName', required('AlarmName', input.AlarmName), 1, 255);
  if ([...AlarmName].some((ch) => ch.charCodeAt(0) > 0x7f)) {
    throw new MonitorError('InvalidParameterValue', `Alarm names must contain only ASCII characters: ${AlarmName}`);
  }
  const def: Partial<AlarmDefinition> = { AlarmName };
  if (input.AlarmDescription !== undefined && input.AlarmDescription !== null) {
    def.AlarmDescription = text('alarmDescription', input.AlarmDescription, 0, 1024);
  }
  if (input.Metrics !== undefined && input.Metrics !== null) {
    throw new MonitorError(
      'InvalidParameterValue',
      'Metrics (metric math and multi-metric alarms) are not supported by OpenTrail; give MetricName, Namespace and Statistic instead.',
    );
  }
  if (input.ThresholdMetricId !== undefined && input.ThresholdMetricId !== null) {
    throw new MonitorError(
      'InvalidParameterValue',
      'ThresholdMetricId (anomaly detection alarms) is not supported by OpenTrail; give a static Threshold instead.',
    );
  }
  const op = required('ComparisonOperator', input.ComparisonOperator);
  if (ANOMALY_OPERATORS.includes(op)) {
    throw new MonitorError(
      'InvalidParameterCombination',
      `ComparisonOperator ${op} is for anomaly detection alarms, which OpenTrail does not support; use one of ${STATIC_OPERATORS.join(', ')}.`,
    );
  }
  if (!(STATIC_OPERATORS as readonly string[]).includes(op)) {
    throw constraintError(
      'comparisonOperator',
      op,
      `Member must satisfy enum value set: [${[...STATIC_OPERATORS, ...ANOMALY_OPERATORS].join(', ')}]`,
    );
  }
  def.ComparisonOperator = op as ComparisonOperator;
  const threshold = required('Threshold', input.Threshold);
  if (typeof threshold !== 'number' || !Number.isFinite(threshold)) {
    throw constraintError('threshold', threshold, 'Member must be a finite number');
  }
  def.Threshold = threshold;
  def.MetricName = text('metricName', required('MetricName', input.MetricName), 1, 255);
  def.Namespace = text('namespace', required('Namespace', input.Namespace), 1, 255);
  if (!/^[^:].*$/.test(def.Namespace)) {
    throw constraintError('namespace', def.Namespace, 'Member must satisfy regular expression pattern: [^:].*');
  }
  const hasStat = input.Statistic !== undefined && input.Statistic !== null;
  const hasExt = input.ExtendedStatistic !== undefined && input.ExtendedStatistic !== null;
  if (hasStat === hasExt) {
    throw new MonitorError(
      'InvalidParameterCombination',
      'Exactly one of the parameters Statistic or ExtendedStatistic must be specified.',
    );
  }
  if (hasExt) {
    const ext = String(input.ExtendedStatistic);
    throw new MonitorError(
      'InvalidParameterValue',
      `ExtendedStatistic ${ext} is not supported by OpenTrail: metrics keep per-minute SampleCount, Sum, Minimum and Maximum, not percentiles; use Statistic.`,
    );
  }
  if (!(STATISTICS as readonly string[]).includes(input.Statistic!)) {
    throw constraintError(
      'statistic',
      input.Statistic,
      `Member must satisfy enum value set: [${STATISTICS.join(', ')}]`,
    );
  }
  def.Statistic = input.Statistic as Statistic;
  const dims = input.Dimensions ?? [];
  if (!Array.isArray(dims)) throw constraintError('dimensions', dims, 'Member must be a list');
  if (dims.length > 30) throw constraintError('dimensions', dims, 'Member must have length less than or equal to 30');
  const seen = new Set<string>();
  def.Dimensions = dims.map((d, i) => {
    const Name = text(`dimensions.${i + 1}.member.name`, d?.Name, 1, 255);
    const Value = text(`dimensions.${i + 1}.member.value`, d?.Value, 1, 1024);
    if (seen.has(Name)) {
      throw new MonitorError(
        'InvalidParameterValue',
        `The collection Dimensions must not contain duplicate names: ${Name}`,
      );
    }
    seen.add(Name);
    return { Name, Value };
  });
  const period = integer('period', required('Period', input.Period), 1);
  if (period === 10 || period === 20 || period === 30) {
    throw new MonitorError(
      'InvalidParameterValue',
      `Period ${period} is a high-resolution period; metrics from metric filters have one-minute resolution, so Period must be a multiple of 60.`,
    );
  }
  if (period % 60 !== 0) throw new MonitorError('ValidationError', 'Period must be 10, 20, 30 or a multiple of 60');
  def.Period = period;
  if (input.Unit !== undefined && input.Unit !== null) {
    if (!isStandardUnit(input.Unit)) {
      throw constraintError('unit', input.Unit, `Member must satisfy enum value set: [${STANDARD_UNITS.join(', ')}]`);
    }
    def.Unit = input.Unit;
  }
  const n = integer('evaluationPeriods', required('EvaluationPeriods', input.EvaluationPeriods), 1);
  def.EvaluationPeriods = n;
  if (input.DatapointsToAlarm !== undefined && input.DatapointsToAlarm !== null) {
    const m = integer('datapointsToAlarm', input.DatapointsToAlarm, 1);
    if (m > n)
      throw new MonitorError('ValidationError', 'DatapointsToAlarm must be less than or equal to EvaluationPeriods');
    def.DatapointsToAlarm = m;
  }
  if (period < 3600 && period * n > ONE_DAY) {
    throw new MonitorError(
      'ValidationError',
      'Metrics cannot be checked across more than a day (EvaluationPeriods * Period must be <= 86400) for alarms using period < 3600',
    );
  }
  if (period * n > ONE_WEEK) {
    throw new MonitorError(
      'ValidationError',
      'Metrics cannot be checked across more than a week (EvaluationPeriods * Period must be <= 604800) for alarms using period >= 3600',
    );
  }
  const treat = input.TreatMissingData ?? 'missing';
  if (!(TREATMENTS as readonly string[]).includes(treat)) {
    throw new MonitorError(
      'ValidationError',
      `Invalid TreatMissingData ${treat}: supported values are ${TREATMENTS.join(', ')}.`,
    );
  }
  def.TreatMissingData = treat as TreatMissingData;
  if (input.EvaluateLowSampleCountPercentile !== undefined && input.EvaluateLowSampleCountPercentile !== null) {
    throw new MonitorError(
      'InvalidParameterCombination',
      'EvaluateLowSampleCountPercentile applies only to alarms on percentiles (ExtendedStatistic).',
    );
  }
  if (
    input.ActionsEnabled !== undefined &&
    input.ActionsEnabled !== null &&
    typeof input.ActionsEnabled !== 'boolean'
  ) {
    throw constraintError('actionsEnabled', input.ActionsEnabled, 'Member must be a boolean');
  }
  def.ActionsEnabled = input.ActionsEnabled ?? true;
  def.OKActions = actions('oKActions', input.OKActions);
  def.AlarmActions = actions('alarmActions', input.AlarmActions);
  def.InsufficientDataActions = actions('insufficientDataActions', input.InsufficientDataActions);
  return def as AlarmDefinition;
}

/** The actions an alarm runs on entering a state. */
export function actionsFor(a: AlarmDefinition, state: AlarmState): string[] {
  return state === 'ALARM' ? a.AlarmActions : state === 'OK' ? a.OKActions : a.InsufficientDataActions;
}
