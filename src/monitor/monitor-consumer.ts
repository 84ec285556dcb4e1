/**
 * The monitor: a consumer of the event log with its own cursor (DESIGN §1). For each event it
 * applies the metric filters of the event's account whose log group holds the event, stores the
 * datapoints and the cursor in one transaction (a restart neither skips nor repeats), then
 * evaluates the alarms on the metrics it touched. All alarms are also evaluated periodically,
 * because missing data changes states without any event arriving.
 */
import type { CloudTrailRecord } from '../event/types.js';
import type { EventLog } from '../log/event-log.js';
import { nextPollDelay } from '../log/poll-delay.js';
import type { AlarmStore, AlarmStateChange } from './alarm-store.js';
import { evaluateAlarm, evaluationRange } from './alarm-state.js';
import type { MetricAlarm } from './alarms.js';
import { builtInGroupOnly, type LogGroupRouter } from './log-groups.js';
import type { MetricFilterStore } from './metric-filter-store.js';
import type { MetricDatapoint } from './metric-filters.js';
import type { MetricStore } from './metrics.js';

export interface MonitorCounters {
  /** Events read from the log. */
  received: number;
  /** Metric datapoints stored. */
  sent: number;
  /** Events skipped because their record could not be read (never retried). */
  dropped: number;
  /** Failed attempts: batches not committed (retried), alarm evaluations and callbacks that threw. */
  failed: number;
  /** Alarm state changes emitted. */
  stateChanges: number;
}

export interface MonitorConsumerOptions {
  log: EventLog;
  /**
   * A consumer that never committed a cursor starts at the log's head: events stored before it
   * existed predate every rule and metric filter (which see only events arriving after them), and
   * a server started on millions of imported events must not first read them all.
   */
  fromHeadWhenNew?: boolean;
  filters: MetricFilterStore;
  metrics: MetricStore;
  alarms: AlarmStore;
  /** Told of every alarm state change, after it is stored. Errors are counted, not retried. */
  onAlarmStateChange?: (change: AlarmStateChange) => void | Promise<void>;
  /** Reported failures (a batch that could not be committed, a callback that threw). */
  onError?: (err: unknown) => void;
  clock?: () => number;
  /** The cursor's name; default `monitor`. */
  consumer?: string;
  batchSize?: number;
  /** Pause between polls when the log has nothing new; default 200 ms. */
  pollIntervalMs?: number;
  /** How often every alarm is evaluated; default 60 s (CloudWatch evaluates once a minute). */
  evaluationIntervalMs?: number;
  logGroupsOf?: LogGroupRouter;
}

export class MonitorConsumer {
  private cursor = 0;
  private started = false;
  private stopped = false;
  private stopping: Promise<void> | undefined;
  private work: Promise<unknown> = Promise.resolve();
  private pollTimer: NodeJS.Timeout | undefined;
  private evalTimer: NodeJS.Timeout | undefined;
  private readonly stats: MonitorCounters = { received: 0, sent: 0, dropped: 0, failed: 0, stateChanges: 0 };
  private readonly clock: () => number;
  private readonly consumer: string;
  private readonly batchSize: number;
  private readonly logGroupsOf: LogGroupRouter;

  constructor(private readonly o: MonitorConsumerOptions) {
    this.clock = o.clock ?? Date.now;
    this.consumer = o.consumer ?? 'monitor';
    this.batchSize = o.batchSize ?? 1000;
    this.logGroupsOf = o.logGroupsOf ?? builtInGroupOnly;
  }

  /** Loads the cursor; with `{ loop: false }` nothing runs until pollOnce/evaluateAll are called. */
  async start(options: { loop?: boolean } = {}): Promise<void> {
    if (this.started) return;
    this.started = true;
    this.cursor = await this.o.metrics.getCursor(this.consumer);
    if (this.cursor === 0 && this.o.fromHeadWhenNew) this.cursor = await this.o.log.headSeq();
    if (options.loop === false) return;
    const poll = async () => {
      if (this.stopped) return;
      const n = await this.pollOnce().catch(() => 0);
      if (!this.stopped) this.pollTimer = setTimeout(poll, nextPollDelay(n, this.batchSize, this.o.pollIntervalMs));
    };
    const evaluate = async () => {
      if (this.stopped) return;
      await this.evaluateAll().catch(() => undefined);
      if (!this.stopped) this.evalTimer = setTimeout(evaluate, this.o.evaluationIntervalMs ?? 60_000);
    };
    void poll();
    this.evalTimer = setTimeout(evaluate, this.o.evaluationIntervalMs ?? 60_000);
  }

  /** The last sequence number whose metrics are committed. */
  position(): number {
    return this.cursor;
  }

  counters(): MonitorCounters {
    return { ...this.stats };
  }

  /** Runs one step at a time: polls and evaluations never interleave. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.work.then(fn);
    this.work = run.catch(() => undefined);
    return run;
  }

  /** Reads and processes one batch; returns how many events it consumed. */
  pollOnce(): Promise<number> {
    return this.serial(async () => {
      if (!this.started) throw new Error('MonitorConsumer.pollOnce called before start()');
      const events = await this.o.log.read(this.cursor, this.batchSize);
      if (events.length === 0) return 0;
      const points: MetricDatapoint[] = [];
      let dropped = 0;
      for (const e of events) {
        const filters = await this.o.filters.compiledFor(e.accountId);
        // Most accounts have no metric filters: their events are passed over unparsed.
        if (filters.length === 0) continue;
        let record: CloudTrailRecord;
        let eventTimeMs: number;
        try {
          record = JSON.parse(e.json) as CloudTrailRecord;
          eventTimeMs = Date.parse(record.eventTime);
          if (!Number.isFinite(eventTimeMs)) throw new Error(`eventTime ${String(record.eventTime)} is not a date`);
        } catch (err) {
          dropped += 1;
          this.o.onError?.(new Error(`monitor: event seq ${e.seq} skipped: ${(err as Error).message}`));
          continue;
        }
        const groups = this.logGroupsOf(e.accountId, record);
        for (const f of filters) {
          if (e.receivedAtMs < f.filter.creationTime || !groups.includes(f.filter.logGroupName)) continue;
          const p = f.apply(record, eventTimeMs);
          if (p) points.push(p);
        }
      }
      const last = events[events.length - 1]!.seq;
      try {
        await this.o.metrics.commit(points, { consumer: this.consumer, seq: last });
      } catch (err) {
        this.stats.failed += 1;
        this.o.onError?.(err);
        throw err;
      }
      this.cursor = last;
      this.stats.received += events.length;
      this.stats.dropped += dropped;
      this.stats.sent += points.length;
      // Visible through the log's cursor API too; the truth is the one committed with the metrics.
      await this.o.log.setCursor(this.consumer, last).catch((err: unknown) => this.o.onError?.(err));
      await this.evaluateTouched(points);
      return events.length;
    });
  }

  private async evaluateTouched(points: readonly MetricDatapoint[]): Promise<void> {
    const touched = new Map<string, Set<string>>();
    for (const p of points) {
      let set = touched.get(p.accountId);
      if (!set) touched.set(p.accountId, (set = new Set()));
      set.add(JSON.stringify([p.namespace, p.metricName]));
    }
    const now = this.clock();
    for (const [accountId, metrics] of touched) {
      for (const alarm of await this.o.alarms.describe(accountId)) {
        if (metrics.has(JSON.stringify([alarm.Namespace, alarm.MetricName])))
          await this.evaluateOne(accountId, alarm, now);
      }
    }
  }

  /** Evaluates every alarm of every account at the clock's time; returns the state changes. */
  evaluateAll(): Promise<AlarmStateChange[]> {
    return this.serial(async () => {
      const now = this.clock();
      const changes: AlarmStateChange[] = [];
      for (const alarm of await this.o.alarms.listAll()) {
        const c = await this.evaluateOne(alarm.accountId, alarm, now);
        if (c) changes.push(c);
      }
      return changes;
    });
  }

  private async evaluateOne(accountId: string, alarm: MetricAlarm, now: number): Promise<AlarmStateChange | undefined> {
    let change: AlarmStateChange | undefined;
    try {
      const range = evaluationRange(alarm, now);
      const aggregates = await this.o.metrics.periodAggregates(
        { accountId, namespace: alarm.Namespace, metricName: alarm.MetricName, dimensions: alarm.Dimensions },
        range.startMs,
        range.endMs,
        range.periodMs,
        alarm.Unit,
      );
      change = await this.o.alarms.applyEvaluation(
        accountId,
        alarm.AlarmName,
        evaluateAlarm(alarm, aggregates, now),
        now,
      );
    } catch (err) {
      this.stats.failed += 1;
      this.o.onError?.(err);
      return undefined;
    }
    if (!change) return undefined;
    this.stats.stateChanges += 1;
    try {
      await this.o.onAlarmStateChange?.(change);
    } catch (err) {
      this.stats.failed += 1;
      this.o.onError?.(err);
    }
    return change;
  }

  /** Stops the loops and waits (up to `deadlineMs`) for the step in flight. Idempotent. */
  shutdown(deadlineMs = 5000): Promise<void> {
    if (this.stopping) return this.stopping;
    this.stopped = true;
    clearTimeout(this.pollTimer);
    clearTimeout(this.evalTimer);
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => (timer = setTimeout(resolve, deadlineMs)));
    this.stopping = Promise.race([this.work.then(() => undefined), deadline]).finally(() => clearTimeout(timer));
    return this.stopping;
  }
}
