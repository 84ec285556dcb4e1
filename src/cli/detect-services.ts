/**
 * The running half of detect and respond, started by `serve` after the API: the notify
 * Dispatcher, the monitor consumer (metric filters → metrics → alarms) and the rules consumer
 * (event patterns → targets), each a consumer of the log with its own cursor. Alarm state
 * changes — evaluated or set by SetAlarmState — go to the alarm's actions as the JSON CloudWatch
 * publishes to SNS, so tooling written for AWS reads them. `shutdown` stops the consumers, then
 * the dispatcher, within one deadline, before the database closes.
 */
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { AlarmStateChange } from '../monitor/alarm-store.js';
import { jsonDate } from '../monitor/cloudwatch-format.js';
import { MonitorConsumer } from '../monitor/monitor-consumer.js';
import { Dispatcher, type NotificationRequest } from '../notify/index.js';
import { channelEndpoints, RulesConsumer } from '../rules/index.js';
import type { EmbeddedRuntime } from './runtime.js';

/** The region names CloudWatch writes in alarm notifications (`Region`), for the common regions. */
const REGION_NAMES: Record<string, string> = {
  'us-east-1': 'US East (N. Virginia)',
  'us-east-2': 'US East (Ohio)',
  'us-west-1': 'US West (N. California)',
  'us-west-2': 'US West (Oregon)',
  'eu-west-1': 'EU (Ireland)',
  'eu-west-2': 'EU (London)',
  'eu-west-3': 'EU (Paris)',
  'eu-central-1': 'EU (Frankfurt)',
  'eu-north-1': 'EU (Stockholm)',
  'ap-southeast-1': 'Asia Pacific (Singapore)',
  'ap-southeast-2': 'Asia Pacific (Sydney)',
  'ap-northeast-1': 'Asia Pacific (Tokyo)',
  'ap-south-1': 'Asia Pacific (Mumbai)',
  'sa-east-1': 'South America (Sao Paulo)',
  'ca-central-1': 'Canada (Central)',
};

function uuidFrom(text: string): string {
  const h = createHash('sha1').update(text).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** The SNS message CloudWatch sends an alarm action, as one notification per action ARN. */
export function alarmNotifications(change: AlarmStateChange, region: string): NotificationRequest[] {
  const a = change.alarm;
  const body = {
    AlarmName: a.AlarmName,
    AlarmDescription: a.AlarmDescription ?? null,
    AWSAccountId: change.accountId,
    AlarmConfigurationUpdatedTimestamp: jsonDate(a.AlarmConfigurationUpdatedTimestamp),
    NewStateValue: change.newState.value,
    NewStateReason: change.newState.reason,
    StateChangeTime: jsonDate(change.timestampMs),
    Region: REGION_NAMES[region] ?? region,
    AlarmArn: change.alarmArn,
    OldStateValue: change.oldState.value,
    OKActions: a.OKActions,
    AlarmActions: a.AlarmActions,
    InsufficientDataActions: a.InsufficientDataActions,
    Trigger: {
      MetricName: a.MetricName,
      Namespace: a.Namespace,
      StatisticType: 'Statistic',
      Statistic: a.Statistic.toUpperCase(),
      Unit: a.Unit ?? null,
      Dimensions: a.Dimensions.map((d) => ({ value: d.Value, name: d.Name })),
      Period: a.Period,
      EvaluationPeriods: a.EvaluationPeriods,
      ...(a.DatapointsToAlarm !== undefined ? { DatapointsToAlarm: a.DatapointsToAlarm } : {}),
      ComparisonOperator: a.ComparisonOperator,
      Threshold: a.Threshold,
      TreatMissingData: a.TreatMissingData,
      EvaluateLowSampleCountPercentile: '',
    },
  };
  const subject = `${change.newState.value}: "${a.AlarmName}" in ${REGION_NAMES[region] ?? region}`;
  return change.actions.map((arn) => ({
    channelArn: arn,
    accountId: change.accountId,
    message: {
      id: uuidFrom(`${change.alarmArn}/${change.timestampMs}/${change.newState.value}/${arn}`),
      subject: subject.slice(0, 100),
      body,
      attributes: { alarmName: a.AlarmName, alarmArn: change.alarmArn },
    },
  }));
}

export interface DetectServices {
  dispatcher: Dispatcher;
  monitor: MonitorConsumer;
  rules: RulesConsumer;
  /** Stops consumers, then the dispatcher, within `deadlineMs` in all. Idempotent. */
  shutdown(deadlineMs?: number): Promise<void>;
}

export async function startDetectServices(
  rt: EmbeddedRuntime,
  logger: Logger,
  options: { pollIntervalMs?: number; evaluationIntervalMs?: number } = {},
): Promise<DetectServices> {
  const d = rt.detect;
  const dispatcher = await Dispatcher.open(rt.db, {
    resolve: d.registry.resolve,
    onError: (err) => logger.error({ err }, 'notify: outbox write failed'),
  });
  await dispatcher.start();
  const notifyAlarm = (change: AlarmStateChange) => {
    for (const request of alarmNotifications(change, rt.region)) {
      const r = dispatcher.enqueue(request);
      if (r.status === 'dropped') {
        logger.error(
          { alarm: change.alarmName, channel: request.channelArn, reason: r.reason },
          'alarm notification dropped',
        );
      }
    }
  };
  d.onAlarmStateChange = notifyAlarm;
  const monitor = new MonitorConsumer({
    log: rt.log,
    fromHeadWhenNew: true,
    filters: d.filters,
    metrics: d.metrics,
    alarms: d.alarms,
    onAlarmStateChange: notifyAlarm,
    ...(d.logGroupsOf ? { logGroupsOf: d.logGroupsOf } : {}),
    onError: (err) => logger.error({ err }, 'monitor: step failed'),
    ...(options.pollIntervalMs !== undefined ? { pollIntervalMs: options.pollIntervalMs } : {}),
    ...(options.evaluationIntervalMs !== undefined ? { evaluationIntervalMs: options.evaluationIntervalMs } : {}),
  });
  const rules = new RulesConsumer({
    log: rt.log,
    fromHeadWhenNew: true,
    rules: d.rules,
    dispatcher,
    ingestor: rt.ingestor,
    endpointOf: channelEndpoints(d.notify),
    region: rt.region,
    onError: (err) => logger.error({ err }, 'rules: step failed'),
    ...(options.pollIntervalMs !== undefined ? { pollIntervalMs: options.pollIntervalMs } : {}),
  });
  await monitor.start();
  await rules.start();
  let stopping: Promise<void> | undefined;
  return {
    dispatcher,
    monitor,
    rules,
    shutdown(deadlineMs = 5000) {
      stopping ??= (async () => {
        const until = Date.now() + deadlineMs;
        await Promise.all([monitor.shutdown(deadlineMs), rules.shutdown(deadlineMs)]);
        const report = await dispatcher.shutdown(Math.max(0, until - Date.now()));
        if (!report.drained)
          logger.warn({ abandoned: report.abandoned }, 'notify: deliveries left in the outbox for the next start');
      })();
      return stopping;
    },
  };
}
