/**
 * What the EventBridge, CloudWatch Logs and CloudWatch APIs work with (issue 5): rules, channels,
 * metric filters, metrics and alarms. Optional on AppContext so runtimes without them (and tests
 * that build a context by hand) still type-check; the APIs answer UnsupportedOperationException then.
 */
import type { AlarmStateChange, AlarmStore } from '../monitor/alarm-store.js';
import type { LogGroupRouter } from '../monitor/log-groups.js';
import type { MetricFilterStore } from '../monitor/metric-filter-store.js';
import type { MetricStore } from '../monitor/metrics.js';
import type { ChannelRegistry, ChannelRepository } from '../notify/index.js';
import type { RuleStore } from '../rules/index.js';
import type { AppContext } from './context.js';
import { ApiError } from './errors.js';

export interface DetectContext {
  rules: RuleStore;
  notify: ChannelRepository;
  registry: ChannelRegistry;
  filters: MetricFilterStore;
  metrics: MetricStore;
  alarms: AlarmStore;
  /** Which log groups an event lands in (the built-in one, plus trails' CloudWatchLogsLogGroupArn). */
  logGroupsOf?: LogGroupRouter;
  /** Alarm state changes made through the API (SetAlarmState) go where evaluated ones go: to the alarm's actions. */
  onAlarmStateChange?: (change: AlarmStateChange) => void | Promise<void>;
}

export function detectOf(ctx: AppContext): DetectContext {
  if (!ctx.detect) {
    throw new ApiError(
      'UnsupportedOperationException',
      'Rules, channels and monitors are not available in this runtime.',
    );
  }
  return ctx.detect;
}
