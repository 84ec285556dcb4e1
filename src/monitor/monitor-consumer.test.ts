/**
 * The monitor on a real embedded database: metric filters over ingested events, per-minute
 * metrics, GetMetricStatistics, alarms firing and recovering with their history, and a restart
 * that neither skips nor repeats.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  ACCOUNT_A,
  ACCOUNT_B,
  apiRecord,
  normalized,
  openEmbedded,
  removeDir,
  type Embedded,
} from '../../test/helpers/embedded.js';
import { AlarmStore, type AlarmStateChange } from './alarm-store.js';
import { cisInstallPlan } from './cis-pack.js';
import { MonitorError } from './errors.js';
import { cloudWatchFilterEngine } from './filter-engine.js';
import { builtInLogGroupName } from './log-groups.js';
import { MetricFilterStore } from './metric-filter-store.js';
import { MetricStore } from './metrics.js';
import { MonitorConsumer } from './monitor-consumer.js';

const T0 = Date.UTC(2024, 4, 1, 12, 0);
const GROUP = builtInLogGroupName(ACCOUNT_A);

interface Rig {
  e: Embedded;
  filters: MetricFilterStore;
  metrics: MetricStore;
  alarms: AlarmStore;
  consumer: MonitorConsumer;
  changes: AlarmStateChange[];
  now: { ms: number };
}

let dirs: string[] = [];
let open: Embedded[] = [];
afterEach(async () => {
  for (const e of open) await e.close();
  for (const d of dirs) removeDir(d);
  open = [];
  dirs = [];
});

async function rig(dir?: string, now = { ms: T0 }): Promise<Rig> {
  const e = await openEmbedded(dir);
  open.push(e);
  if (!dir) dirs.push(e.dir);
  const filters = await MetricFilterStore.open(e.db, cloudWatchFilterEngine);
  const metrics = await MetricStore.open(e.db);
  const alarms = await AlarmStore.open(e.db, 'us-east-1');
  const changes: AlarmStateChange[] = [];
  const consumer = new MonitorConsumer({
    log: e.log,
    filters,
    metrics,
    alarms,
    clock: () => now.ms,
    batchSize: 3,
    onAlarmStateChange: (c) => void changes.push(c),
  });
  await consumer.start({ loop: false });
  return { e, filters, metrics, alarms, consumer, changes, now };
}

async function ingest(
  r: Rig,
  records: Record<string, unknown>[],
  receivedAtMs = T0,
  accountId = ACCOUNT_A,
): Promise<void> {
  await r.e.log.append(
    records.map((rec) => normalized(rec, { receivedAtMs, accountId })),
    receivedAtMs,
  );
}

async function drain(r: Rig): Promise<void> {
  while ((await r.consumer.pollOnce()) > 0);
}

const at = (min: number, sec = 0) => new Date(T0 + min * 60_000 + sec * 1000).toISOString();

describe('metric filters → metrics', () => {
  it('counts matches per minute, publishes values and dimensions, and reads them back', async () => {
    const r = await rig();
    await r.filters.put(
      ACCOUNT_A,
      {
        logGroupName: GROUP,
        filterName: 'orders',
        filterPattern: '{ $.eventName = "CreateOrder" }',
        metricTransformations: [{ metricName: 'Orders', metricNamespace: 'App', metricValue: '1' }],
      },
      T0 - 1,
    );
    await r.filters.put(
      ACCOUNT_A,
      {
        logGroupName: GROUP,
        filterName: 'amounts',
        filterPattern: '{ $.requestParameters.amount = * }',
        metricTransformations: [
          {
            metricName: 'Amount',
            metricNamespace: 'App',
            metricValue: '$.requestParameters.amount',
            dimensions: { Region: '$.awsRegion' },
          },
        ],
      },
      T0 - 1,
    );
    await ingest(r, [
      apiRecord({ eventTime: at(0, 5), requestParameters: { amount: 10 } }),
      apiRecord({ eventTime: at(0, 50), requestParameters: { amount: '2.5' } }),
      apiRecord({ eventTime: at(1, 1), eventName: 'Other', requestParameters: { amount: 4 } }),
      apiRecord({ eventTime: at(1, 2) }),
    ]);
    await ingest(r, [apiRecord({ eventTime: at(1, 3) })], T0, ACCOUNT_B);
    await drain(r);
    expect(r.consumer.counters()).toMatchObject({ received: 5, sent: 6, dropped: 0, failed: 0 });
    const orders = await r.metrics.getMetricStatistics({
      accountId: ACCOUNT_A,
      namespace: 'App',
      metricName: 'Orders',
      dimensions: [],
      startMs: T0,
      endMs: T0 + 3 * 60_000,
      period: 60,
      statistics: ['Sum', 'SampleCount'],
    });
    expect(orders).toEqual([
      { Timestamp: T0, Sum: 2, SampleCount: 2, Unit: 'None' },
      { Timestamp: T0 + 60_000, Sum: 1, SampleCount: 1, Unit: 'None' },
    ]);
    const amount = await r.metrics.getMetricStatistics({
      accountId: ACCOUNT_A,
      namespace: 'App',
      metricName: 'Amount',
      dimensions: [{ Name: 'Region', Value: 'us-east-1' }],
      startMs: T0,
      endMs: T0 + 5 * 60_000,
      period: 300,
      statistics: ['Sum', 'Minimum', 'Maximum', 'Average', 'SampleCount'],
    });
    expect(amount).toEqual([
      { Timestamp: T0, Sum: 16.5, Minimum: 2.5, Maximum: 10, Average: 5.5, SampleCount: 3, Unit: 'None' },
    ]);
    // A metric is its exact dimension set: without dimensions there is no such metric.
    expect(
      await r.metrics.getMetricStatistics({
        accountId: ACCOUNT_A,
        namespace: 'App',
        metricName: 'Amount',
        dimensions: [],
        startMs: T0,
        endMs: T0 + 300_000,
        period: 300,
        statistics: ['Sum'],
      }),
    ).toEqual([]);
    expect(await r.metrics.listMetrics(ACCOUNT_A)).toEqual([
      { Namespace: 'App', MetricName: 'Amount', Dimensions: [{ Name: 'Region', Value: 'us-east-1' }] },
      { Namespace: 'App', MetricName: 'Orders', Dimensions: [] },
    ]);
    expect(await r.metrics.listMetrics(ACCOUNT_B)).toEqual([]); // account B has no filters
  });

  it('publishes the default value for events that do not match, only for events received after creation', async () => {
    const r = await rig();
    await ingest(r, [apiRecord({ eventTime: at(0) })], T0 - 10);
    await r.filters.put(
      ACCOUNT_A,
      {
        logGroupName: GROUP,
        filterName: 'errors',
        filterPattern: '{ $.errorCode = * }',
        metricTransformations: [{ metricName: 'Errors', metricNamespace: 'App', metricValue: '1', defaultValue: 0 }],
      },
      T0,
    );
    await ingest(r, [
      apiRecord({ eventTime: at(0, 1) }),
      apiRecord({ eventTime: at(0, 2), errorCode: 'AccessDenied' }),
    ]);
    await drain(r);
    const s = await r.metrics.getMetricStatistics({
      accountId: ACCOUNT_A,
      namespace: 'App',
      metricName: 'Errors',
      dimensions: [],
      startMs: T0,
      endMs: T0 + 60_000,
      period: 60,
      statistics: ['Sum', 'SampleCount'],
    });
    expect(s).toEqual([{ Timestamp: T0, Sum: 1, SampleCount: 2, Unit: 'None' }]);
  });

  it('validates filters the way CloudWatch Logs does', async () => {
    const r = await rig();
    const base = {
      logGroupName: GROUP,
      filterName: 'f',
      filterPattern: '{ $.a = 1 }',
      metricTransformations: [{ metricName: 'M', metricNamespace: 'N', metricValue: '1' }],
    };
    const fail = async (over: object, code: string, message: string | RegExp) => {
      const err = await r.filters.put(ACCOUNT_A, { ...base, ...over }, T0).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(MonitorError);
      expect((err as MonitorError).code).toBe(code);
      expect((err as MonitorError).message).toMatch(message);
    };
    await fail({ logGroupName: 'nope' }, 'ResourceNotFoundException', 'The specified log group does not exist.');
    await fail({ filterName: 'a:b' }, 'ValidationError', "Value 'a:b' at 'filterName' failed to satisfy constraint");
    await fail({ filterPattern: '{ $.a = ' }, 'InvalidParameterException', /^Invalid metric filter pattern: /);
    await fail(
      {
        metricTransformations: [
          { metricName: 'M', metricNamespace: 'N', metricValue: '1', defaultValue: 0, dimensions: { A: '$.a' } },
        ],
      },
      'InvalidParameterException',
      'Invalid metric transformation: dimensions and default value are mutually exclusive properties',
    );
    await fail(
      { metricTransformations: [{ metricName: 'M', metricNamespace: 'N', metricValue: '1', dimensions: { A: 'x' } }] },
      'InvalidParameterException',
      'Invalid metric transformation: dimension value must be valid selector',
    );
    await fail(
      {
        metricTransformations: [
          {
            metricName: 'M',
            metricNamespace: 'N',
            metricValue: '1',
            dimensions: { A: '$.a', B: '$.b', C: '$.c', D: '$.d' },
          },
        ],
      },
      'InvalidParameterException',
      /at most 3 dimensions/,
    );
    await fail(
      { metricTransformations: [{ metricName: 'M', metricNamespace: 'N', metricValue: 'one' }] },
      'InvalidParameterException',
      /metric value one must be a number or a JSON selector/,
    );
    await fail({ metricTransformations: [] }, 'ValidationError', /length greater than or equal to 1/);
    for (let i = 0; i < 100; i++) await r.filters.put(ACCOUNT_A, { ...base, filterName: `f${i}` }, T0);
    await fail({ filterName: 'one-too-many' }, 'LimitExceededException', 'Resource limit exceeded.');
    await r.filters.put(ACCOUNT_A, { ...base, filterName: 'f7', filterPattern: '{ $.b = 2 }' }, T0 + 5); // replacing is fine
    const page = await r.filters.describe(ACCOUNT_A, { logGroupName: GROUP, filterNamePrefix: 'f7' });
    expect(page.metricFilters).toHaveLength(11); // f7, f70 … f79
    expect(page.metricFilters[0]).toMatchObject({ filterName: 'f7', filterPattern: '{ $.b = 2 }', creationTime: T0 });
    const first = await r.filters.describe(ACCOUNT_A, { limit: 50 });
    const second = await r.filters.describe(ACCOUNT_A, { limit: 50, nextToken: first.nextToken! });
    expect(first.metricFilters.length + second.metricFilters.length).toBe(100);
    expect(second.nextToken).toBeUndefined();
    await r.filters.delete(ACCOUNT_A, GROUP, 'f7');
    await expect(r.filters.delete(ACCOUNT_A, GROUP, 'f7')).rejects.toThrow(
      'The specified metric filter does not exist.',
    );
  });
});

describe('alarms over the monitor', () => {
  it('a StopLogging call raises the CIS CloudTrail alarm, which recovers, with its history', async () => {
    const r = await rig();
    const plan = cisInstallPlan(ACCOUNT_A, { alarmActions: ['arn:aws:sns:us-east-1:111111111111:cis'] });
    for (const f of plan.filters) await r.filters.put(ACCOUNT_A, f, T0 - 1);
    for (const a of plan.alarms) await r.alarms.put(ACCOUNT_A, a, T0 - 1);
    await ingest(r, [
      apiRecord({ eventTime: at(0, 10), eventSource: 'cloudtrail.amazonaws.com', eventName: 'StopLogging' }),
    ]);
    r.now.ms = T0 + 20_000;
    await drain(r);
    expect(r.changes).toHaveLength(1);
    const fired = r.changes[0]!;
    expect(fired).toMatchObject({
      alarmName: 'CIS-4.5-CloudTrailConfigChanges',
      alarmArn: 'arn:aws:cloudwatch:us-east-1:111111111111:alarm:CIS-4.5-CloudTrailConfigChanges',
      oldState: { value: 'INSUFFICIENT_DATA', reason: 'Unchecked: Initial alarm creation' },
      newState: { value: 'ALARM' },
      actions: ['arn:aws:sns:us-east-1:111111111111:cis'],
    });
    expect(fired.newState.reason).toBe(
      'Threshold Crossed: 1 datapoint [1.0 (01/05/24 11:56:00)] was greater than or equal to the threshold (1.0).',
    );
    // The other fourteen alarms go to OK (missing data is not breaching) on the periodic pass.
    const periodic = await r.consumer.evaluateAll();
    expect(periodic.map((c) => c.newState.value)).toEqual(Array(14).fill('OK'));
    // As in CloudWatch, the last datapoint is evaluated while it is in the evaluation range
    // (N + 2 = 3 periods, here 15 minutes), even once its own period is over.
    r.now.ms = T0 + 14 * 60_000 + 59_999;
    expect(await r.consumer.evaluateAll()).toEqual([]);
    r.now.ms = T0 + 15 * 60_000;
    const later = await r.consumer.evaluateAll();
    expect(later.map((c) => [c.alarmName, c.oldState.value, c.newState.value])).toEqual([
      ['CIS-4.5-CloudTrailConfigChanges', 'ALARM', 'OK'],
    ]);
    expect(later[0]!.newState.reason).toBe(
      'Threshold Crossed: no datapoints were received for 1 period and 1 missing datapoint was treated as [NonBreaching].',
    );
    const history = await r.alarms.history(ACCOUNT_A, { alarmName: 'CIS-4.5-CloudTrailConfigChanges' });
    expect(history.map((h) => [h.HistoryItemType, h.HistorySummary])).toEqual([
      ['StateUpdate', 'Alarm updated from ALARM to OK'],
      ['StateUpdate', 'Alarm updated from INSUFFICIENT_DATA to ALARM'],
      ['ConfigurationUpdate', 'Alarm "CIS-4.5-CloudTrailConfigChanges" created'],
    ]);
    const data = JSON.parse(history[1]!.HistoryData) as {
      oldState: { stateValue: string };
      newState: { stateValue: string; stateReasonData: { evaluatedDatapoints: unknown[] } };
    };
    expect(data.oldState.stateValue).toBe('INSUFFICIENT_DATA');
    expect(data.newState.stateReasonData.evaluatedDatapoints).toEqual([
      { timestamp: '2024-05-01T11:56:00.000+0000', sampleCount: 1, value: 1 },
    ]);
  });

  it('SetAlarmState holds until the next evaluation; updates keep the state; deletes are all or nothing', async () => {
    const r = await rig();
    const input = {
      AlarmName: 'errors',
      MetricName: 'Errors',
      Namespace: 'App',
      Statistic: 'Sum',
      Period: 60,
      EvaluationPeriods: 1,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
    };
    await r.alarms.put(ACCOUNT_A, input, T0);
    const set = await r.alarms.setState(ACCOUNT_A, 'errors', 'ALARM', 'testing', '{"a":1}', T0 + 1);
    expect(set?.newState).toEqual({ value: 'ALARM', reason: 'testing', reasonData: '{"a":1}' });
    await r.alarms.put(ACCOUNT_A, { ...input, Threshold: 2 }, T0 + 2);
    expect(await r.alarms.get(ACCOUNT_A, 'errors')).toMatchObject({
      StateValue: 'ALARM',
      Threshold: 2,
      AlarmConfigurationUpdatedTimestamp: T0 + 2,
    });
    r.now.ms = T0 + 3;
    expect((await r.consumer.evaluateAll()).map((c) => c.newState.value)).toEqual(['OK']);
    await expect(r.alarms.setState(ACCOUNT_A, 'errors', 'OK', 'x', 'not json', T0)).rejects.toMatchObject({
      code: 'InvalidFormat',
    });
    await expect(r.alarms.setState(ACCOUNT_A, 'nope', 'OK', 'x', undefined, T0)).rejects.toMatchObject({
      code: 'ResourceNotFound',
    });
    const types = (await r.alarms.history(ACCOUNT_A, { scanBy: 'TimestampAscending' })).map((h) => h.HistorySummary);
    expect(types).toEqual([
      'Alarm "errors" created',
      'Alarm updated from INSUFFICIENT_DATA to ALARM',
      'Alarm "errors" updated',
      'Alarm updated from ALARM to OK',
    ]);
    await expect(r.alarms.delete(ACCOUNT_A, ['errors', 'nope'])).rejects.toMatchObject({ code: 'ResourceNotFound' });
    expect(await r.alarms.get(ACCOUNT_A, 'errors')).toBeDefined();
    await r.alarms.delete(ACCOUNT_A, ['errors']);
    expect(await r.alarms.describe(ACCOUNT_A)).toEqual([]);
    expect(await r.alarms.describe(ACCOUNT_B)).toEqual([]);
  });
});

describe('restart', () => {
  it('resumes after the last committed batch: no event counted twice, none skipped', async () => {
    const first = await rig();
    const dir = first.e.dir;
    await first.filters.put(
      ACCOUNT_A,
      {
        logGroupName: GROUP,
        filterName: 'all',
        filterPattern: '',
        metricTransformations: [{ metricName: 'Events', metricNamespace: 'App', metricValue: '1' }],
      },
      T0 - 1,
    );
    await ingest(
      first,
      Array.from({ length: 7 }, (_, i) => apiRecord({ eventTime: at(0, i) })),
    );
    expect(await first.consumer.pollOnce()).toBe(3); // one batch of three, then "crash"
    await first.consumer.shutdown();
    await first.consumer.shutdown(); // idempotent
    await first.e.close();
    open = open.filter((x) => x !== first.e);

    const second = await rig(dir);
    expect(second.consumer.position()).toBe(3);
    await ingest(
      second,
      Array.from({ length: 2 }, (_, i) => apiRecord({ eventTime: at(0, 30 + i) })),
    );
    await drain(second);
    expect(second.consumer.counters()).toMatchObject({ received: 6, sent: 6 });
    expect(await second.e.log.getCursor('monitor')).toBe(9);
    const s = await second.metrics.getMetricStatistics({
      accountId: ACCOUNT_A,
      namespace: 'App',
      metricName: 'Events',
      dimensions: [],
      startMs: T0,
      endMs: T0 + 60_000,
      period: 60,
      statistics: ['SampleCount'],
    });
    expect(s).toEqual([{ Timestamp: T0, SampleCount: 9, Unit: 'None' }]);
  });
});
