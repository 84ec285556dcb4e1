/** Trail delivery's public API: the scheduler and the state it persists. */
export {
  DeliveryScheduler,
  DEFAULT_DIGEST_INTERVAL_MS,
  DEFAULT_FLUSH_INTERVAL_MS,
  DEFAULT_SHUTDOWN_DEADLINE_MS,
  type DeliveryCounters,
  type DeliverySchedulerOptions,
} from './scheduler.js';
export { DeliveryStateStore, type TrailDeliveryState } from './state.js';
export { trailCoverage, writeBatch, type CoveredEvent } from './batch.js';
export { writeDigests } from './digests.js';
export {
  logFileNotice,
  type LogFileNotice,
  type LogFileNotificationMessage,
  type LogFileNotifier,
} from './notifications.js';
