/**
 * Opens what detect-and-respond needs on the embedded database (issue 5): rule, channel,
 * metric-filter, metric and alarm stores. Cheap (tables are created when missing; rules are read
 * into memory); the consumers that act on them are started by `serve` (see detect-services.ts).
 */
import type { DetectContext } from '../api/detect-context.js';
import { AlarmStore } from '../monitor/alarm-store.js';
import { cloudWatchFilterEngine } from '../monitor/filter-engine.js';
import { MetricFilterStore } from '../monitor/metric-filter-store.js';
import { MetricStore } from '../monitor/metrics.js';
import { ChannelRegistry, ChannelRepository } from '../notify/index.js';
import { RuleStore } from '../rules/index.js';
import type { EmbeddedDatabase } from '../store/duckdb/database.js';
import type { TrailRepository } from '../trails/repository.js';
import { TrailLogGroups } from './trail-log-groups.js';

export async function openDetect(
  db: EmbeddedDatabase,
  region: string,
  trails: TrailRepository,
): Promise<DetectContext> {
  const notify = await ChannelRepository.open(db, region);
  // Trails with CloudWatchLogsLogGroupArn feed named groups besides the built-in one.
  const groups = await TrailLogGroups.open(trails);
  return {
    logGroupsOf: groups.route,
    rules: await RuleStore.open(db, region),
    notify,
    registry: new ChannelRegistry(notify),
    filters: await MetricFilterStore.open(db, cloudWatchFilterEngine, { logGroupExists: groups.exists }),
    metrics: await MetricStore.open(db),
    alarms: await AlarmStore.open(db, region),
  };
}
