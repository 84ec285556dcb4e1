/**
 * CloudWatch Logs metric filters (`Logs_20140328.<Operation>`, SigV4 service `logs`) on POST /,
 * AWS JSON 1.1: PutMetricFilter, DescribeMetricFilters, DeleteMetricFilter, TestMetricFilter,
 * over the monitor's MetricFilterStore. Member names are CloudWatch Logs' lower-camel ones;
 * creationTime is epoch milliseconds, as CloudWatch Logs returns it.
 */
import { MonitorError } from '../../monitor/errors.js';
import { cloudWatchFilterEngine } from '../../monitor/filter-engine.js';
import type { MetricFilter, PutMetricFilterInput } from '../../monitor/metric-filters.js';
import { testMetricFilter } from '../../monitor/metric-filters.js';
import { detectOf } from '../detect-context.js';
import { ApiError, type ErrorCode } from '../errors.js';
import type { JsonOperation, JsonService } from '../json-service.js';

function opt(input: Record<string, unknown>, member: string): string | undefined {
  const v = input[member];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new ApiError('SerializationException', `${member} must be a string.`);
  return v;
}

function filterShape(f: MetricFilter): Record<string, unknown> {
  return {
    filterName: f.filterName,
    filterPattern: f.filterPattern,
    metricTransformations: f.metricTransformations,
    creationTime: f.creationTime,
    logGroupName: f.logGroupName,
  };
}

const putMetricFilter: JsonOperation = {
  name: 'PutMetricFilter',
  readOnly: false,
  async handle(input, { ctx, caller }) {
    await detectOf(ctx).filters.put(caller.accountId, input as unknown as PutMetricFilterInput, Date.now());
    return {};
  },
};

const describeMetricFilters: JsonOperation = {
  name: 'DescribeMetricFilters',
  readOnly: true,
  async handle(input, { ctx, caller }) {
    const limit = input.limit;
    const r = await detectOf(ctx).filters.describe(caller.accountId, {
      ...(opt(input, 'logGroupName') !== undefined ? { logGroupName: opt(input, 'logGroupName')! } : {}),
      ...(opt(input, 'filterNamePrefix') !== undefined ? { filterNamePrefix: opt(input, 'filterNamePrefix')! } : {}),
      ...(opt(input, 'metricName') !== undefined ? { metricName: opt(input, 'metricName')! } : {}),
      ...(opt(input, 'metricNamespace') !== undefined ? { metricNamespace: opt(input, 'metricNamespace')! } : {}),
      ...(typeof limit === 'number' ? { limit } : {}),
      ...(opt(input, 'nextToken') !== undefined ? { nextToken: opt(input, 'nextToken')! } : {}),
    });
    return { metricFilters: r.metricFilters.map(filterShape), ...(r.nextToken ? { nextToken: r.nextToken } : {}) };
  },
};

const deleteMetricFilter: JsonOperation = {
  name: 'DeleteMetricFilter',
  readOnly: false,
  async handle(input, { ctx, caller }) {
    await detectOf(ctx).filters.delete(
      caller.accountId,
      String(input.logGroupName ?? ''),
      String(input.filterName ?? ''),
    );
    return {};
  },
};

const testMetricFilterOp: JsonOperation = {
  name: 'TestMetricFilter',
  readOnly: true,
  async handle(input) {
    const messages = input.logEventMessages as string[];
    return { matches: testMetricFilter(cloudWatchFilterEngine, String(input.filterPattern ?? ''), messages) };
  },
};

const OPERATIONS = [putMetricFilter, describeMetricFilters, deleteMetricFilter, testMetricFilterOp];

/** CloudWatch Logs answers request-validation failures with InvalidParameterException. */
const CODES: Partial<Record<MonitorError['code'], ErrorCode>> = {
  InvalidParameterException: 'InvalidParameterException',
  LimitExceededException: 'LimitExceededException',
  ResourceNotFoundException: 'ResourceNotFoundException',
  ValidationError: 'InvalidParameterException',
  InvalidParameterValue: 'InvalidParameterException',
  MissingParameter: 'InvalidParameterException',
};

export const LOGS_SERVICE: JsonService = {
  targetPrefix: 'Logs_20140328',
  actionPrefix: 'logs',
  eventSource: 'logs.amazonaws.com',
  operations: new Map(OPERATIONS.map((o) => [o.name, o])),
  mapError(err) {
    if (err instanceof MonitorError) return new ApiError(CODES[err.code] ?? 'InvalidParameterException', err.message);
    return undefined;
  },
};
