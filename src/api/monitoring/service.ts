/**
 * CloudWatch alarms as the AWS CLI v1 / boto3 on this machine speak them: botocore's model for
 * `cloudwatch` lists smithy-rpc-v2-cbor, json and query, and botocore sends AWS JSON 1.0 —
 * `X-Amz-Target: GraniteServiceVersion20100801.<Operation>`, `x-amzn-query-mode: true`
 * (awsQueryCompatible), SigV4 service `monitoring`. Timestamps are epoch seconds; errors keep
 * CloudWatch's Query codes (ValidationError, ResourceNotFound…) in `__type` and `x-amzn-query-error`.
 * SetAlarmState changes, like evaluated ones, are handed to `DetectContext.onAlarmStateChange`.
 */
import type { AlarmHistoryItem, HistoryItemType } from '../../monitor/alarm-store.js';
import type { AlarmState, MetricAlarm, PutMetricAlarmInput } from '../../monitor/alarms.js';
import { MonitorError } from '../../monitor/errors.js';
import { detectOf } from '../detect-context.js';
import { ApiError, type ErrorCode } from '../errors.js';
import type { JsonOperation, JsonService } from '../json-service.js';

function opt(input: Record<string, unknown>, member: string): string | undefined {
  const v = input[member];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new ApiError('ValidationError', `${member} must be a string.`);
  return v;
}

/** JSON 1.0 timestamps: epoch seconds (numbers) or ISO strings. */
function time(input: Record<string, unknown>, member: string): number | undefined {
  const v = input[member];
  if (v === undefined || v === null) return undefined;
  const ms = typeof v === 'number' ? v * 1000 : typeof v === 'string' ? Date.parse(v) : NaN;
  if (!Number.isFinite(ms)) throw new ApiError('InvalidParameterValue', `${member} is not a timestamp.`);
  return ms;
}

function alarmShape(a: MetricAlarm): Record<string, unknown> {
  return {
    AlarmName: a.AlarmName,
    AlarmArn: a.AlarmArn,
    ...(a.AlarmDescription !== undefined ? { AlarmDescription: a.AlarmDescription } : {}),
    AlarmConfigurationUpdatedTimestamp: a.AlarmConfigurationUpdatedTimestamp / 1000,
    ActionsEnabled: a.ActionsEnabled,
    OKActions: a.OKActions,
    AlarmActions: a.AlarmActions,
    InsufficientDataActions: a.InsufficientDataActions,
    StateValue: a.StateValue,
    StateReason: a.StateReason,
    ...(a.StateReasonData !== undefined ? { StateReasonData: a.StateReasonData } : {}),
    StateUpdatedTimestamp: a.StateUpdatedTimestamp / 1000,
    MetricName: a.MetricName,
    Namespace: a.Namespace,
    Statistic: a.Statistic,
    Dimensions: a.Dimensions,
    Period: a.Period,
    ...(a.Unit !== undefined ? { Unit: a.Unit } : {}),
    EvaluationPeriods: a.EvaluationPeriods,
    ...(a.DatapointsToAlarm !== undefined ? { DatapointsToAlarm: a.DatapointsToAlarm } : {}),
    Threshold: a.Threshold,
    ComparisonOperator: a.ComparisonOperator,
    TreatMissingData: a.TreatMissingData,
    StateTransitionedTimestamp: a.StateTransitionedTimestamp / 1000,
  };
}

function historyShape(h: AlarmHistoryItem): Record<string, unknown> {
  return { ...h, Timestamp: h.Timestamp / 1000 };
}

const putMetricAlarm: JsonOperation = {
  name: 'PutMetricAlarm',
  readOnly: false,
  async handle(input, { ctx, caller }) {
    await detectOf(ctx).alarms.put(caller.accountId, input as unknown as PutMetricAlarmInput, Date.now());
    return {};
  },
};

const describeAlarms: JsonOperation = {
  name: 'DescribeAlarms',
  readOnly: true,
  async handle(input, { ctx, caller }) {
    const names = input.AlarmNames;
    const all = await detectOf(ctx).alarms.describe(caller.accountId, {
      ...(Array.isArray(names) ? { alarmNames: names.map(String) } : {}),
      ...(opt(input, 'AlarmNamePrefix') !== undefined ? { alarmNamePrefix: opt(input, 'AlarmNamePrefix')! } : {}),
      ...(opt(input, 'StateValue') !== undefined ? { stateValue: opt(input, 'StateValue') as AlarmState } : {}),
      ...(opt(input, 'ActionPrefix') !== undefined ? { actionPrefix: opt(input, 'ActionPrefix')! } : {}),
    });
    const max = typeof input.MaxRecords === 'number' ? input.MaxRecords : 50;
    if (!Number.isInteger(max) || max < 1 || max > 100) {
      throw new ApiError('InvalidParameterValue', `MaxRecords must be an integer from 1 to 100, got ${String(max)}.`);
    }
    const after = opt(input, 'NextToken');
    const from =
      after === undefined ? all : all.filter((a) => a.AlarmName > Buffer.from(after, 'base64url').toString('utf8'));
    const page = from.slice(0, max);
    const last = page[page.length - 1];
    return {
      MetricAlarms: page.map(alarmShape),
      CompositeAlarms: [],
      ...(from.length > max && last ? { NextToken: Buffer.from(last.AlarmName).toString('base64url') } : {}),
    };
  },
};

const deleteAlarms: JsonOperation = {
  name: 'DeleteAlarms',
  readOnly: false,
  async handle(input, { ctx, caller }) {
    const names = Array.isArray(input.AlarmNames) ? input.AlarmNames.map(String) : [];
    await detectOf(ctx).alarms.delete(caller.accountId, names);
    return {};
  },
};

const setAlarmState: JsonOperation = {
  name: 'SetAlarmState',
  readOnly: false,
  async handle(input, { ctx, caller }) {
    const d = detectOf(ctx);
    const change = await d.alarms.setState(
      caller.accountId,
      String(input.AlarmName ?? ''),
      opt(input, 'StateValue') as AlarmState,
      opt(input, 'StateReason') ?? '',
      opt(input, 'StateReasonData'),
      Date.now(),
    );
    if (change) await d.onAlarmStateChange?.(change);
    return {};
  },
};

const describeAlarmHistory: JsonOperation = {
  name: 'DescribeAlarmHistory',
  readOnly: true,
  async handle(input, { ctx, caller }) {
    const start = time(input, 'StartDate');
    const end = time(input, 'EndDate');
    const items = await detectOf(ctx).alarms.history(caller.accountId, {
      ...(opt(input, 'AlarmName') !== undefined ? { alarmName: opt(input, 'AlarmName')! } : {}),
      ...(opt(input, 'HistoryItemType') !== undefined
        ? { historyItemType: opt(input, 'HistoryItemType') as HistoryItemType }
        : {}),
      ...(start !== undefined ? { startMs: start } : {}),
      ...(end !== undefined ? { endMs: end } : {}),
      ...(opt(input, 'ScanBy') !== undefined ? { scanBy: opt(input, 'ScanBy') as 'TimestampAscending' } : {}),
      ...(typeof input.MaxRecords === 'number' ? { maxRecords: input.MaxRecords } : {}),
    });
    return { AlarmHistoryItems: items.map(historyShape) };
  },
};

const OPERATIONS = [putMetricAlarm, describeAlarms, deleteAlarms, setAlarmState, describeAlarmHistory];

export const MONITORING_SERVICE: JsonService = {
  targetPrefix: 'GraniteServiceVersion20100801',
  actionPrefix: 'cloudwatch',
  eventSource: 'monitoring.amazonaws.com',
  jsonVersion: '1.0',
  queryCompatible: true,
  operations: new Map(OPERATIONS.map((o) => [o.name, o])),
  mapError(err) {
    if (err instanceof MonitorError) return new ApiError(err.code as ErrorCode, err.message);
    return undefined;
  },
};
