/**
 * Trail delivery (issue 4, DESIGN §1): a consumer of the event log that turns each logging
 * trail's events into CloudTrail log files and, when the trail validates its logs, signed hourly
 * digests.
 *
 * Exactly once, also across a crash: each trail has a persisted cursor (state.ts). Events after
 * it are read and buffered; a flush first records the batch (its end seq, its delivery time and
 * the trail's configuration), then writes its files, then moves the cursor past it and queues
 * the files for the digest in one transaction. A crash before the commit leaves the batch
 * recorded: the next start reads the same range again and rewrites the same keys with the same
 * bytes (batch.ts). Digests work the same way: the period's end is recorded before they are
 * written.
 *
 * One pass at a time runs over all trails, woken by a timer (`pollIntervalMs`) and by trail
 * changes (StartLogging, StopLogging, updates, deletes). A failed write is retried with
 * exponential backoff and reported through `TrailRepository.recordDelivery`, so GetTrailStatus
 * shows LatestDeliveryError / LatestDigestDeliveryError; the events stay behind the cursor.
 */
import type { Logger } from 'pino';
import { pino } from 'pino';
import { DEFAULT_MAX_LOG_FILE_BYTES, openSink, type Sink, type SinkSettings } from '../../delivery/index.js';
import type { SigningKeyStore } from '../../integrity/key-store.js';
import type { EventLog } from '../../log/event-log.js';
import type { OrganizationMembership } from '../event-scope.js';
import type { Trail } from '../model.js';
import type { TrailRepository } from '../repository.js';
import { trailCoverage, writeBatch, type CoveredEvent } from './batch.js';
import { writeDigests } from './digests.js';
import { logFileNotice, type LogFileNotifier } from './notifications.js';
import type { DeliveredFileRow, DeliveryStateStore, TrailDeliveryState } from './state.js';

export const DEFAULT_FLUSH_INTERVAL_MS = 60_000;
export const DEFAULT_DIGEST_INTERVAL_MS = 3_600_000;
export const DEFAULT_SHUTDOWN_DEADLINE_MS = 10_000;
const READ_CHUNK = 5_000;

export interface DeliverySchedulerOptions {
  log: EventLog;
  trails: TrailRepository;
  state: DeliveryStateStore;
  signingKeys: SigningKeyStore;
  /** Where buckets live (server configuration): `<data-dir>/buckets` by default, or an S3 service. */
  sinks: SinkSettings;
  logger?: Logger;
  /** How long events wait before their log file is written (default 60 s). */
  flushIntervalMs?: number;
  /** Length of a digest period (default 1 h). */
  digestIntervalMs?: number;
  /** How often the scheduler looks at the log (default: the flush interval, at most 1 s). */
  pollIntervalMs?: number;
  /** Uncompressed bytes per log file; a batch is flushed early once it holds this much (default 50 MiB). */
  maxFileBytes?: number;
  /** First retry delay after a failure, doubled per failure up to retryMaxMs (defaults 1 s, 5 min). */
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** Clock, for tests. */
  now?: () => number;
  /**
   * Announces each written batch of a trail with an SNS topic (notifications.ts). Called after
   * the files are stored and before the batch commits, so a crash in between announces the
   * rewritten files again, under the same message id; a failure is reported as the trail's
   * LatestNotificationError and never holds delivery back.
   */
  notifyLogFiles?: LogFileNotifier;
  /** Organisation memberships: organisation trails cover (and digest for) their organisation's accounts. */
  organizations?: OrganizationMembership;
}

export interface DeliveryCounters {
  /** Events read from the log that a trail covers. */
  received: number;
  /** Covered events in log files that were written and committed. */
  sent: number;
  logFiles: number;
  digests: number;
  /** Failed attempts (each is retried). */
  failed: number;
}

/** What the scheduler holds in memory for one trail beside its persisted state. */
interface LiveTrail {
  state: TrailDeliveryState;
  /** Events up to this seq are read (buffered when covered). */
  readUpTo: number;
  buffered: CoveredEvent[];
  bufferedBytes: number;
  /** The configuration the buffered events were selected with. */
  coverageTrail: Trail;
  coverage: ReturnType<typeof trailCoverage>;
  lastFlushMs: number;
  failures: number;
  nextAttemptMs: number;
}

/** A trail's configuration as delivery sees it (the update time alone is no change). */
function configKey(t: Trail): string {
  return JSON.stringify({ ...t, updatedAtMs: 0 });
}

const wholeSecond = (ms: number) => Math.floor(ms / 1000) * 1000;

export class DeliveryScheduler {
  private readonly logger: Logger;
  private readonly flushIntervalMs: number;
  private readonly digestIntervalMs: number;
  private readonly pollIntervalMs: number;
  private readonly maxFileBytes: number;
  private readonly retryBaseMs: number;
  private readonly retryMaxMs: number;
  private readonly now: () => number;
  private readonly live = new Map<string, LiveTrail>();
  private readonly sinks = new Map<string, Sink>();
  /** The log's head when a trail's logging switched or it was deleted (where delivery starts or stops). */
  private readonly switchHeads = new Map<string, number>();
  private readonly stats: DeliveryCounters = { received: 0, sent: 0, logFiles: 0, digests: 0, failed: 0 };
  private running: Promise<void> | undefined;
  private again = false;
  private timer: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;
  private closing: Promise<void> | undefined;

  private constructor(private readonly o: DeliverySchedulerOptions) {
    this.logger = o.logger ?? pino({ level: 'silent' });
    this.flushIntervalMs = o.flushIntervalMs ?? DEFAULT_FLUSH_INTERVAL_MS;
    this.digestIntervalMs = o.digestIntervalMs ?? DEFAULT_DIGEST_INTERVAL_MS;
    this.pollIntervalMs = o.pollIntervalMs ?? Math.min(1000, this.flushIntervalMs);
    this.maxFileBytes = o.maxFileBytes ?? DEFAULT_MAX_LOG_FILE_BYTES;
    this.retryBaseMs = o.retryBaseMs ?? 1000;
    this.retryMaxMs = o.retryMaxMs ?? 300_000;
    this.now = o.now ?? Date.now;
    for (const [name, v] of [
      ['flushIntervalMs', this.flushIntervalMs],
      ['digestIntervalMs', this.digestIntervalMs],
      ['pollIntervalMs', this.pollIntervalMs],
    ] as const) {
      if (!(Number.isFinite(v) && v > 0)) throw new RangeError(`${name} must be a positive number, got ${v}`);
    }
    if (this.digestIntervalMs < 1000) {
      throw new RangeError(
        `digestIntervalMs must be at least 1000 (digest names have seconds), got ${this.digestIntervalMs}`,
      );
    }
  }

  /**
   * Loads every trail's persisted state; a batch that was recorded but not committed (a crash in
   * the middle of a delivery) is read again from the log, to be written again by the first pass.
   */
  static async open(options: DeliverySchedulerOptions): Promise<DeliveryScheduler> {
    const s = new DeliveryScheduler(options);
    for (const state of await options.state.loadAll()) {
      const trail = state.batch?.trail ?? state.trail;
      const live = s.newLive(state, trail);
      if (state.batch) await s.readInto(live, state.batch.lastSeq, { flushAtCap: false });
      s.live.set(state.trailArn, live);
    }
    return s;
  }

  /** Starts the timer and listens to trail changes. */
  start(): void {
    if (this.closing || this.timer) return;
    this.unsubscribe = this.o.trails.onChange((change) => {
      if (change.kind === 'logging' || change.kind === 'deleted') {
        // headSeq reads the head at the call, right after the switch was committed.
        void this.o.log.headSeq().then((head) => {
          this.switchHeads.set(change.trailArn, head);
          this.wake();
        });
      } else {
        this.wake();
      }
    });
    this.timer = setInterval(() => this.wake(), this.pollIntervalMs);
    this.timer.unref();
    this.wake();
  }

  counters(): DeliveryCounters {
    return { ...this.stats };
  }

  /** Runs one pass now (after the one in progress, if any); resolves when it is done. */
  async runOnce(): Promise<void> {
    while (this.running) await this.running;
    this.running = this.pass().finally(() => (this.running = undefined));
    await this.running;
  }

  private wake(): void {
    if (this.closing) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.pass()
      .catch((err: unknown) => this.logger.error({ err }, 'trail delivery: pass failed; next pass retries'))
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.wake();
        }
      });
  }

  /**
   * Stops the timer, then writes what is buffered (reading up to the log's head) within the
   * deadline. Idempotent. What is not written by then stays behind the cursors for the next start.
   */
  shutdown(deadlineMs = DEFAULT_SHUTDOWN_DEADLINE_MS): Promise<void> {
    if (this.closing) return this.closing;
    if (this.timer) clearInterval(this.timer);
    this.unsubscribe?.();
    const work = (async () => {
      while (this.running) await this.running.catch(() => undefined);
      await this.pass({ flushAll: true });
    })();
    let timeout: NodeJS.Timeout | undefined;
    const deadline = new Promise<'deadline'>((r) => (timeout = setTimeout(() => r('deadline'), deadlineMs)));
    this.closing = Promise.race([work.then(() => 'done' as const), deadline])
      .then(
        (outcome) => {
          if (outcome === 'deadline')
            this.logger.warn(
              { deadlineMs },
              'trail delivery: shutdown deadline passed; the rest is delivered on the next start',
            );
        },
        (err: unknown) => this.logger.error({ err }, 'trail delivery: final flush failed; delivered on the next start'),
      )
      .finally(async () => {
        clearTimeout(timeout);
        for (const sink of this.sinks.values()) await sink.close().catch(() => undefined);
      });
    return this.closing;
  }

  // -------------------------------------------------------------------------------------------

  private newLive(state: TrailDeliveryState, trail: Trail): LiveTrail {
    return {
      state,
      readUpTo: state.cursorSeq,
      buffered: [],
      bufferedBytes: 0,
      coverageTrail: trail,
      coverage: trailCoverage(trail, this.o.organizations),
      lastFlushMs: this.now(),
      failures: 0,
      nextAttemptMs: 0,
    };
  }

  private sinkFor(bucket: string): Sink {
    let sink = this.sinks.get(bucket);
    if (!sink) this.sinks.set(bucket, (sink = openSink(this.o.sinks, bucket)));
    return sink;
  }

  private async pass(options: { flushAll?: boolean } = {}): Promise<void> {
    const trails = new Map((await this.o.trails.listAll()).map((t) => [t.trailArn, t]));
    const head = await this.o.log.headSeq();
    for (const trail of trails.values()) {
      const status = await this.o.trails.status(trail.trailArn);
      const live = this.live.get(trail.trailArn);
      const switchHead = this.switchHeads.get(trail.trailArn);
      this.switchHeads.delete(trail.trailArn);
      if (status.isLogging && !live) {
        const digestStart = trail.logFileValidationEnabled ? wholeSecond(this.now()) : undefined;
        const cursor = switchHead ?? (await this.cursorAt(status.startLoggingTimeMs ?? this.now(), head));
        await this.o.state.begin(trail, cursor, digestStart);
        const state: TrailDeliveryState = { trailArn: trail.trailArn, trail, cursorSeq: cursor };
        if (digestStart !== undefined) state.digestStartMs = digestStart;
        this.live.set(trail.trailArn, this.newLive(state, trail));
      } else if (!status.isLogging && live && live.state.stopSeq === undefined) {
        await this.markStopped(live, switchHead ?? head);
      }
    }
    for (const live of this.live.values()) {
      if (!trails.has(live.state.trailArn) && live.state.stopSeq === undefined) {
        await this.markStopped(live, this.switchHeads.get(live.state.trailArn) ?? head);
        this.switchHeads.delete(live.state.trailArn);
      }
    }
    for (const live of [...this.live.values()]) {
      await this.process(live, trails.get(live.state.trailArn), head, options.flushAll ?? false);
    }
  }

  /**
   * Where a trail that logs but has no delivery state yet starts: after the last event received
   * before StartLogging. That covers a crash between StartLogging and the first pass, and trails
   * that were logging before this server delivered. A binary search over seqs (the log stamps
   * events with their receive time in append order), one single-row read per step.
   */
  private async cursorAt(startMs: number, head: number): Promise<number> {
    let low = 0;
    let high = head; // reading after head finds nothing: the predicate holds there
    while (low < high) {
      const mid = Math.floor((low + high) / 2);
      const next = (await this.o.log.read(mid, 1))[0];
      if (next === undefined || next.receivedAtMs >= startMs) high = mid;
      else low = mid + 1;
    }
    return low;
  }

  private async markStopped(live: LiveTrail, stopSeq: number): Promise<void> {
    await this.o.state.markStopped(live.state.trailArn, stopSeq);
    live.state.stopSeq = stopSeq;
  }

  /** One trail's turn: finish what is half done, read, flush when due, digest when due. */
  private async process(live: LiveTrail, trail: Trail | undefined, head: number, flushAll: boolean): Promise<void> {
    const now = this.now();
    if (now < live.nextAttemptMs && !flushAll) return;
    const arn = live.state.trailArn;
    let phase: 'logFile' | 'digest' = 'logFile';
    try {
      const stopping = live.state.stopSeq !== undefined;
      // What is half done goes first, as it was recorded: a batch written again under a new
      // delivery time or configuration would get other keys, and its files would be there twice.
      if (live.state.digestEndMs !== undefined) {
        phase = 'digest';
        await this.finishDigest(live);
        phase = 'logFile';
      }
      if (live.state.batch) await this.finishBatch(live);
      if (trail && !stopping && configKey(trail) !== configKey(live.state.trail)) await this.applyConfig(live, trail);
      const target = Math.min(live.state.stopSeq ?? head, head);
      await this.readInto(live, target, { flushAtCap: true });
      const due = stopping || flushAll || now - live.lastFlushMs >= this.flushIntervalMs;
      if (due && live.readUpTo > live.state.cursorSeq) await this.flush(live);
      const start = live.state.digestStartMs;
      if (start !== undefined && !flushAll) {
        phase = 'digest';
        if (stopping) {
          // The final digest: up to now, whatever is left of the period.
          await this.beginDigest(live, Math.max(wholeSecond(now), start + 1000));
        } else if (now >= start + this.digestIntervalMs) {
          // After downtime one digest covers the whole missed stretch, ending on a period boundary.
          const periods = Math.floor((now - start) / this.digestIntervalMs);
          await this.beginDigest(live, start + periods * this.digestIntervalMs);
        }
      }
      if (stopping && live.readUpTo >= live.state.stopSeq! && !live.state.batch && !flushAll) {
        await this.o.state.remove(arn);
        this.live.delete(arn);
      }
      live.failures = 0;
      live.nextAttemptMs = 0;
    } catch (err) {
      this.stats.failed++;
      live.failures++;
      const delay = Math.min(this.retryMaxMs, this.retryBaseMs * 2 ** Math.min(live.failures - 1, 30));
      live.nextAttemptMs = now + delay;
      const message = err instanceof Error ? err.message : String(err);
      this.logger.warn({ err, trail: arn, retryInMs: delay }, `trail delivery: ${phase} failed; retrying`);
      await this.o.trails.recordDelivery(arn, { kind: phase, atMs: now, error: message }).catch(() => undefined);
    }
  }

  /** The trail changed: what is buffered goes out under the old configuration first. */
  private async applyConfig(live: LiveTrail, trail: Trail): Promise<void> {
    if (live.readUpTo > live.state.cursorSeq) await this.flush(live);
    let digestStart = live.state.digestStartMs;
    if (!trail.logFileValidationEnabled) digestStart = undefined;
    else if (digestStart === undefined) digestStart = wholeSecond(this.now());
    await this.o.state.saveTrail(trail, digestStart);
    live.state.trail = trail;
    if (digestStart === undefined) {
      delete live.state.digestStartMs;
      delete live.state.digestEndMs;
    } else live.state.digestStartMs = digestStart;
    live.coverageTrail = trail;
    live.coverage = trailCoverage(trail, this.o.organizations);
  }

  /** Reads covered events up to `target`; at the size cap the batch is flushed and reading goes on. */
  private async readInto(live: LiveTrail, target: number, options: { flushAtCap: boolean }): Promise<void> {
    const read = (after: number) => this.o.log.readBatch(after, Math.min(READ_CHUNK, target - after));
    let ahead: { after: number; events: ReturnType<typeof read> } | undefined;
    while (live.readUpTo < target) {
      const events = await (ahead?.after === live.readUpTo ? ahead.events : read(live.readUpTo));
      ahead = undefined;
      // Everything up to target is committed: no event left below it (pruned, or seqs not taken) means none will come.
      if (events.length === 0 || events[0]!.seq > target) {
        live.readUpTo = target;
        break;
      }
      // The next chunk is read (DuckDB's thread, the segment files) while this one is matched.
      const last = events[events.length - 1]!.seq;
      if (last < target) {
        ahead = { after: last, events: read(last) };
        ahead.events.catch(() => undefined); // awaited below when used; a failure surfaces there
      }
      for (const e of events) {
        if (e.seq > target) break;
        const covered = live.coverage(e);
        if (covered) {
          live.buffered.push(covered);
          live.bufferedBytes += covered.json.length;
          this.stats.received++;
        }
        live.readUpTo = e.seq;
      }
      if (options.flushAtCap && live.bufferedBytes >= this.maxFileBytes) await this.flush(live);
    }
  }

  /** Records the batch (delivery time fixed now), then writes and commits it. */
  private async flush(live: LiveTrail): Promise<void> {
    const arn = live.state.trailArn;
    if (live.state.batch)
      throw new Error(`trail ${arn}: a new batch while batch up to seq ${live.state.batch.lastSeq} is unwritten`);
    if (live.buffered.length === 0) {
      await this.o.state.advanceCursor(arn, live.readUpTo);
      live.state.cursorSeq = live.readUpTo;
      live.lastFlushMs = this.now();
      return;
    }
    const batch = { lastSeq: live.readUpTo, deliveryMs: this.now(), trail: live.coverageTrail };
    await this.o.state.recordBatch(arn, batch);
    live.state.batch = batch;
    await this.finishBatch(live);
  }

  /** Writes the recorded batch (again, after a failure or a crash) and commits it. */
  private async finishBatch(live: LiveTrail): Promise<void> {
    const batch = live.state.batch!;
    const arn = live.state.trailArn;
    const files = await writeBatch(
      this.sinkFor(batch.trail.s3BucketName),
      batch.trail,
      batch.deliveryMs,
      live.buffered,
      {
        maxFileBytes: this.maxFileBytes,
      },
    );
    await this.announce(batch.trail, files);
    const digested = batch.trail.logFileValidationEnabled && live.state.digestStartMs !== undefined;
    await this.o.state.commitBatch(arn, batch.lastSeq, digested ? files : []);
    this.stats.sent += live.buffered.length;
    this.stats.logFiles += files.length;
    live.state.cursorSeq = batch.lastSeq;
    delete live.state.batch;
    live.buffered = [];
    live.bufferedBytes = 0;
    live.lastFlushMs = this.now();
    if (files.length > 0) await this.o.trails.recordDelivery(arn, { kind: 'logFile', atMs: this.now() });
  }

  /** The batch's notification, when the trail has a topic; failures are recorded, not thrown. */
  private async announce(trail: Trail, files: readonly DeliveredFileRow[]): Promise<void> {
    const notifier = this.o.notifyLogFiles;
    const bucket = files[0]?.bucket;
    const notice =
      bucket === undefined
        ? undefined
        : logFileNotice(
            trail,
            bucket,
            files.map((f) => f.key),
          );
    if (!notifier || !notice) return;
    const atMs = this.now();
    try {
      await notifier(notice);
      await this.o.trails.recordDelivery(trail.trailArn, { kind: 'notification', atMs });
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.logger.warn({ err, trail: trail.trailArn, topic: notice.topicArn }, 'trail delivery: notification failed');
      await this.o.trails
        .recordDelivery(trail.trailArn, { kind: 'notification', atMs, error: message })
        .catch(() => undefined);
    }
  }

  private async beginDigest(live: LiveTrail, endMs: number): Promise<void> {
    await this.o.state.recordDigestEnd(live.state.trailArn, endMs);
    live.state.digestEndMs = endMs;
    await this.finishDigest(live);
  }

  private async finishDigest(live: LiveTrail): Promise<void> {
    const arn = live.state.trailArn;
    const trail = live.state.trail;
    const startMs = live.state.digestStartMs!;
    const endMs = live.state.digestEndMs!;
    const links = await writeDigests(
      this.sinkFor(trail.s3BucketName),
      trail,
      { startMs, endMs, files: await this.o.state.pendingFiles(arn), chain: await this.o.state.chain(arn) },
      this.o.signingKeys,
      this.o.organizations,
    );
    await this.o.state.commitDigests(arn, endMs, links);
    this.stats.digests += links.length;
    live.state.digestStartMs = endMs;
    delete live.state.digestEndMs;
    await this.o.trails.recordDelivery(arn, { kind: 'digest', atMs: this.now() });
  }
}
