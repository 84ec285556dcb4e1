import { randomUUID } from 'node:crypto';
import type { EmbeddedDatabase } from '../store/duckdb/database.js';
import { parseNotifyArn } from './arns.js';
import type { NotificationMessage } from './channel.js';
import { safeDeliver } from './channel.js';
import type { ChannelResolver } from './channel-registry.js';
import type { Clock } from './clock.js';
import { systemClock } from './clock.js';
import type { RetryPolicy } from './retry-policy.js';
import { backoffDelayMs, resolveRetryPolicy } from './retry-policy.js';
import { ensureNotifySchema } from './schema.js';

/** What a rule target or an alarm action asks for: send `message` to the channel `channelArn`. */
export interface NotificationRequest {
  channelArn: string;
  accountId: string;
  message: NotificationMessage;
  /** Overrides the dispatcher's default (e.g. a rule target's RetryPolicy). */
  retryPolicy?: Partial<RetryPolicy>;
}

export type EnqueueResult =
  | { notificationId: string; status: 'queued' | 'spilled' }
  | { notificationId: string; status: 'dropped'; reason: string };

export type DeadLetterReason = 'retries-exhausted' | 'expired' | 'non-retryable' | 'channel-not-found';

export interface DeadLetter {
  id: string;
  notificationId: string;
  accountId: string;
  channelArn: string;
  message: NotificationMessage;
  reason: DeadLetterReason;
  attempts: number;
  lastError: string;
  lastStatus?: number;
  enqueuedAtMs: number;
  failedAtMs: number;
  replayedAtMs?: number;
  /** The notification id the replay was queued as. */
  replayedAs?: string;
}

/** DESIGN §7's counters, plus gauges of where queued notifications are right now. */
export interface DispatcherCounters {
  /** Accepted by enqueue (queued or spilled) and by replay. */
  received: number;
  /** Delivered successfully. */
  sent: number;
  /** Refused by enqueue (shut down, or the database has fallen too far behind); the caller was told. */
  dropped: number;
  /** Ended in the dead-letter table. */
  failed: number;
  /** Attempts that failed and were scheduled again. */
  retried: number;
  /** Accepted while the memory queue was full: kept only in the outbox until there is room. */
  spilled: number;
  replayed: number;
  inMemory: number;
  inFlight: number;
  /** Outbox rows not in memory (spilled, or left from before a restart). */
  backlog: number;
}

export interface DispatcherOptions {
  resolve: ChannelResolver;
  /** Deliveries at once, over all channels (default 8). */
  concurrency?: number;
  /** Deliveries at once to one channel (default half of `concurrency`), so one slow endpoint cannot take every worker. */
  perChannelConcurrency?: number;
  /** Notifications held in memory (ready, waiting for a retry, or in flight); more spill to the outbox. */
  queueCapacity?: number;
  /** Accepted notifications whose outbox insert has not committed; past this, enqueue refuses. */
  maxUnpersisted?: number;
  retryPolicy?: Partial<RetryPolicy>;
  clock?: Clock;
  random?: () => number;
  /** Persistence failures, which are otherwise invisible to callers (enqueue has already returned). */
  onError?: (err: Error) => void;
}

export interface ShutdownReport {
  /** True when every in-flight delivery finished before the deadline. */
  drained: boolean;
  /** Deliveries still running at the deadline; their rows stay in the outbox and are retried after restart. */
  abandoned: number;
}

export class DeadLetterNotFoundError extends Error {
  override name = 'ResourceNotFoundException';
}
export class DeadLetterAlreadyReplayedError extends Error {
  override name = 'InvalidStateException';
}

interface Item {
  id: string;
  seq: number;
  accountId: string;
  channelArn: string;
  message: NotificationMessage;
  policyOverride: Partial<RetryPolicy> | undefined;
  attempts: number;
  enqueuedAtMs: number;
  nextAttemptAtMs: number;
  lastError?: string;
  lastStatus?: number;
  /** Resolves true once the outbox row is committed; delivery waits for it, so a delivered row always exists to delete. */
  persisted: Promise<boolean>;
}

interface Deferred {
  promise: Promise<boolean>;
  resolve: (ok: boolean) => void;
}

function deferred(): Deferred {
  let resolve!: (ok: boolean) => void;
  const promise = new Promise<boolean>((r) => (resolve = r));
  return { promise, resolve };
}

const OUTBOX_ROW_TYPE =
  '[{"id":"VARCHAR","seq":"BIGINT","account_id":"VARCHAR","channel_arn":"VARCHAR","message":"VARCHAR","retry_policy":"VARCHAR","attempts":"INTEGER","enqueued_at":"BIGINT","next_attempt_at":"BIGINT","last_error":"VARCHAR","last_status":"INTEGER","spilled":"BOOLEAN"}]';

const OUTBOX_COLUMNS =
  'id, seq, account_id, channel_arn, message, retry_policy, attempts, enqueued_at, next_attempt_at, last_error, last_status';

const DEAD_LETTER_COLUMNS =
  'id, notification_id, account_id, channel_arn, message, reason, attempts, last_error, last_status, enqueued_at, failed_at, replayed_at, replayed_as';

/**
 * Delivers notifications without ever making the caller wait. `enqueue` returns at once; the
 * notification is written to the `notify_outbox` table in the background (batched, one
 * transaction per batch) and handed to a worker only after that commit, so every attempt has a
 * durable row behind it and a restart resumes where it stopped. Delivery is at least once: a
 * crash between a receiver's 2xx and the row's deletion repeats that delivery, with the same
 * message id for the receiver to deduplicate on.
 *
 * Memory is bounded: beyond `queueCapacity` a notification lives only in the outbox (spilled)
 * and is read back as room frees. Failures are retried per the retry policy with backoff and
 * jitter; a final failure moves the row to `notify_dead_letters` with its reason, attempt
 * count and last error, from where `replay` queues it again.
 */
export class Dispatcher {
  private readonly ready: Item[] = [];
  private readonly delayed = new Map<string, { item: Item; cancel: () => void }>();
  private readonly running = new Set<Promise<void>>();
  private readonly concurrency: number;
  private readonly perChannelConcurrency: number;
  private readonly inFlightByChannel = new Map<string, number>();
  private pendingDeletes: Item[] = [];
  private deleting: Promise<void> | undefined;
  private readonly queueCapacity: number;
  private readonly maxUnpersisted: number;
  private readonly defaultPolicy: RetryPolicy;
  private readonly clock: Clock;
  private readonly random: () => number;

  private pendingInserts: { item: Item; spilled: boolean }[] = [];
  private nextBatch: Deferred = deferred();
  private flushing: Promise<void> | undefined;
  private flushQueued = false;
  private refilling: Promise<void> | undefined;
  private backlog = 0;
  private seq = 0;
  private state: 'new' | 'starting' | 'running' | 'stopping' | 'stopped' = 'new';
  private shutdownPromise: Promise<ShutdownReport> | undefined;
  private idleWaiters: (() => void)[] = [];
  private readonly stats = { received: 0, sent: 0, dropped: 0, failed: 0, retried: 0, spilled: 0, replayed: 0 };

  private constructor(
    private readonly db: EmbeddedDatabase,
    private readonly options: DispatcherOptions,
  ) {
    this.concurrency = options.concurrency ?? 8;
    this.perChannelConcurrency = options.perChannelConcurrency ?? Math.max(1, Math.ceil(this.concurrency / 2));
    this.queueCapacity = options.queueCapacity ?? 1000;
    this.maxUnpersisted = options.maxUnpersisted ?? 100_000;
    this.defaultPolicy = resolveRetryPolicy(options.retryPolicy);
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? Math.random;
    if (!(this.concurrency >= 1)) throw new RangeError(`concurrency must be at least 1, got ${this.concurrency}`);
    if (!(this.perChannelConcurrency >= 1)) {
      throw new RangeError(`perChannelConcurrency must be at least 1, got ${this.perChannelConcurrency}`);
    }
    if (!(this.queueCapacity >= 1)) throw new RangeError(`queueCapacity must be at least 1, got ${this.queueCapacity}`);
  }

  static async open(db: EmbeddedDatabase, options: DispatcherOptions): Promise<Dispatcher> {
    await ensureNotifySchema(db);
    return new Dispatcher(db, options);
  }

  /** Loads what an earlier run left in the outbox and starts the workers. Idempotent. */
  async start(): Promise<void> {
    if (this.state !== 'new') return;
    this.state = 'starting';
    const r = await this.db.write(async (w) => {
      // Everything in the outbox is backlog now: nothing of an earlier process is in memory.
      await w.run('UPDATE notify_outbox SET spilled = true WHERE NOT spilled');
      return w.runAndReadAll('SELECT count(*), coalesce(max(seq), 0) FROM notify_outbox');
    });
    const row = r.getRows()[0] ?? [0, 0];
    this.backlog = Number(row[0]);
    this.seq = Number(row[1]);
    this.state = 'running';
    this.refill();
  }

  /** Accepts a notification and returns at once; never waits for the database or a receiver. */
  enqueue(request: NotificationRequest): EnqueueResult {
    const notificationId = randomUUID();
    if (this.state === 'new' || this.state === 'starting') {
      throw new Error('Dispatcher.enqueue was called before start() finished; await start() first');
    }
    if (this.state !== 'running') {
      this.stats.dropped++;
      return { notificationId, status: 'dropped', reason: 'the dispatcher is shut down' };
    }
    if (this.pendingInserts.length >= this.maxUnpersisted) {
      this.stats.dropped++;
      return {
        notificationId,
        status: 'dropped',
        reason: `${this.pendingInserts.length} notifications are waiting for the outbox to commit (maxUnpersisted ${this.maxUnpersisted})`,
      };
    }
    const now = this.clock.now();
    const item: Item = {
      id: notificationId,
      seq: ++this.seq,
      accountId: request.accountId,
      channelArn: request.channelArn,
      message: request.message,
      policyOverride: request.retryPolicy,
      attempts: 0,
      enqueuedAtMs: now,
      nextAttemptAtMs: now,
      persisted: this.nextBatch.promise,
    };
    this.stats.received++;
    const inMemory = this.hasRoom() && this.backlog === 0;
    this.schedulePersist(item, !inMemory);
    if (!inMemory) {
      this.stats.spilled++;
      this.backlog++;
      return { notificationId, status: 'spilled' };
    }
    this.ready.push(item);
    this.pump();
    return { notificationId, status: 'queued' };
  }

  /** Queues a dead letter again with a fresh attempt count; the receiver sees the same message id. */
  async replay(deadLetterId: string, accountId?: string): Promise<{ notificationId: string }> {
    if (this.state !== 'running') throw new Error(`Dispatcher.replay needs a running dispatcher (it is ${this.state})`);
    const notificationId = randomUUID();
    const now = this.clock.now();
    const seq = ++this.seq;
    await this.db.write(async (w) => {
      const r = await w.runAndReadAll(`SELECT account_id, replayed_as FROM notify_dead_letters WHERE id = $id`, {
        id: deadLetterId,
      });
      const row = r.getRows()[0];
      if (!row || (accountId !== undefined && row[0] !== accountId)) {
        throw new DeadLetterNotFoundError(
          `Dead letter ${deadLetterId} does not exist${accountId ? ` in account ${accountId}` : ''}.`,
        );
      }
      if (row[1] !== null)
        throw new DeadLetterAlreadyReplayedError(
          `Dead letter ${deadLetterId} was already replayed as ${String(row[1])}.`,
        );
      await w.run('BEGIN TRANSACTION');
      try {
        await w.run(
          `INSERT INTO notify_outbox SELECT $nid, $seq, account_id, channel_arn, message, retry_policy, 0, $now, $now, NULL, NULL, true
           FROM notify_dead_letters WHERE id = $id`,
          { nid: notificationId, seq, now, id: deadLetterId },
        );
        await w.run('UPDATE notify_dead_letters SET replayed_at = $now, replayed_as = $nid WHERE id = $id', {
          now,
          nid: notificationId,
          id: deadLetterId,
        });
        await w.run('COMMIT');
      } catch (err) {
        await w.run('ROLLBACK');
        throw err;
      }
    });
    this.stats.received++;
    this.stats.replayed++;
    this.backlog++;
    this.refill();
    return { notificationId };
  }

  async listDeadLetters(
    filter: { accountId?: string; channelArn?: string; includeReplayed?: boolean; limit?: number } = {},
  ): Promise<DeadLetter[]> {
    const r = await this.db.read((c) =>
      c.runAndReadAll(
        `SELECT ${DEAD_LETTER_COLUMNS} FROM notify_dead_letters
         WHERE ($a IS NULL OR account_id = $a) AND ($c IS NULL OR channel_arn = $c) AND ($all OR replayed_at IS NULL)
         ORDER BY failed_at, id LIMIT $limit`,
        {
          a: filter.accountId ?? null,
          c: filter.channelArn ?? null,
          all: filter.includeReplayed ?? false,
          limit: filter.limit ?? 100,
        },
      ),
    );
    return r.getRows().map(rowToDeadLetter);
  }

  async getDeadLetter(id: string): Promise<DeadLetter | undefined> {
    const r = await this.db.read((c) =>
      c.runAndReadAll(`SELECT ${DEAD_LETTER_COLUMNS} FROM notify_dead_letters WHERE id = $id`, { id }),
    );
    const row = r.getRows()[0];
    return row ? rowToDeadLetter(row) : undefined;
  }

  counters(): DispatcherCounters {
    return { ...this.stats, inMemory: this.memoryCount(), inFlight: this.running.size, backlog: this.backlog };
  }

  /**
   * Resolves once every notification enqueued so far has its outbox row committed (or its
   * insert has failed and been reported): a consumer awaits it before advancing its cursor, so
   * a crash cannot lose what it handed over.
   */
  persisted(): Promise<void> {
    return this.flushAll();
  }

  /**
   * Resolves when nothing is ready, in flight, waiting for a retry, spilled or uncommitted —
   * for tests and benchmarks that need "everything has been delivered or dead-lettered".
   */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * Stops taking work, lets in-flight deliveries finish until `deadlineMs`, commits what
   * enqueue accepted, and cancels retry timers (those rows stay in the outbox for the next
   * start). Idempotent: later calls return the first call's report.
   */
  shutdown(deadlineMs = 5000): Promise<ShutdownReport> {
    this.shutdownPromise ??= this.doShutdown(deadlineMs);
    return this.shutdownPromise;
  }

  private async doShutdown(deadlineMs: number): Promise<ShutdownReport> {
    const wasRunning = this.state === 'running';
    this.state = 'stopping';
    for (const { cancel } of this.delayed.values()) cancel();
    this.delayed.clear();
    this.ready.length = 0;
    if (!wasRunning) {
      this.state = 'stopped';
      return { drained: true, abandoned: 0 };
    }
    // The deadline is wall-clock time even under an injected clock: a stopping process must stop.
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'deadline'>((resolve) => {
      timer = setTimeout(() => resolve('deadline'), deadlineMs);
    });
    const outcome = await Promise.race([Promise.all([...this.running]), deadline]);
    clearTimeout(timer);
    const abandoned = outcome === 'deadline' ? this.running.size : 0;
    // What enqueue accepted must reach the outbox even if deliveries were abandoned.
    await this.flushAll();
    // Delivered rows leave the outbox before the writer goes (else they are delivered again).
    await this.deleting;
    this.state = 'stopped';
    this.notifyIdle();
    return { drained: abandoned === 0, abandoned };
  }

  private memoryCount(): number {
    return this.ready.length + this.delayed.size + this.running.size;
  }

  private hasRoom(): boolean {
    return this.memoryCount() < this.queueCapacity;
  }

  private isIdle(): boolean {
    return (
      this.memoryCount() === 0 &&
      this.backlog === 0 &&
      this.pendingInserts.length === 0 &&
      !this.flushing &&
      !this.deleting
    );
  }

  private notifyIdle(): void {
    if (!this.isIdle() && this.state !== 'stopped') return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  // ---- persistence -------------------------------------------------------------------------

  private schedulePersist(item: Item, spilled: boolean): void {
    this.pendingInserts.push({ item, spilled });
    if (this.flushQueued || this.flushing) return;
    this.flushQueued = true;
    // A microtask lets a synchronous burst of enqueues share one transaction.
    queueMicrotask(() => {
      this.flushQueued = false;
      void this.flush();
    });
  }

  private flush(): Promise<void> {
    if (this.flushing) return this.flushing;
    if (this.pendingInserts.length === 0) return Promise.resolve();
    const batch = this.pendingInserts;
    const done = this.nextBatch;
    this.pendingInserts = [];
    this.nextBatch = deferred();
    const rows = batch.map(({ item: i, spilled }) => ({
      id: i.id,
      seq: i.seq,
      account_id: i.accountId,
      channel_arn: i.channelArn,
      message: JSON.stringify(i.message),
      retry_policy: i.policyOverride ? JSON.stringify(i.policyOverride) : null,
      attempts: 0,
      enqueued_at: i.enqueuedAtMs,
      next_attempt_at: i.nextAttemptAtMs,
      last_error: null,
      last_status: null,
      spilled,
    }));
    this.flushing = this.db
      .write((w) =>
        w.run(
          `INSERT INTO notify_outbox SELECT unnest(from_json($rows::JSON, '${OUTBOX_ROW_TYPE}'), recursive := true)`,
          {
            rows: JSON.stringify(rows),
          },
        ),
      )
      .then(
        () => done.resolve(true),
        (err: unknown) => {
          // Rows that were only in the outbox are lost; in-memory ones are still delivered, once.
          const lost = rows.filter((r) => r.spilled).length;
          this.backlog -= lost;
          this.stats.dropped += lost;
          this.reportError(
            new Error(
              `notify outbox: could not store ${rows.length} notification(s) (${lost} spilled ones lost): ${String(err)}`,
            ),
          );
          done.resolve(false);
        },
      )
      .finally(() => {
        this.flushing = undefined;
        if (this.pendingInserts.length) void this.flush();
        else this.notifyIdle();
      });
    return this.flushing;
  }

  private async flushAll(): Promise<void> {
    while (this.flushing || this.pendingInserts.length) await this.flush();
  }

  private reportError(err: Error): void {
    if (this.options.onError) this.options.onError(err);
    else process.emitWarning(err.message, 'OpenTrailNotifyWarning');
  }

  /** Reads spilled rows back into memory while there is room, oldest first. */
  private refill(): void {
    if (this.refilling || this.state !== 'running' || this.backlog === 0) return;
    const room = this.queueCapacity - this.memoryCount();
    if (room <= 0) return;
    this.refilling = this.db
      .write(async (w) => {
        // Commit pending inserts first, so the rows being read include every spilled one.
        return w.runAndReadAll(
          `UPDATE notify_outbox SET spilled = false
           WHERE id IN (SELECT id FROM notify_outbox WHERE spilled ORDER BY seq LIMIT $room)
           RETURNING ${OUTBOX_COLUMNS}`,
          { room },
        );
      })
      .then(
        (r) => {
          const rows = r.getRows().sort((a, b) => Number(a[1]) - Number(b[1]));
          this.backlog = Math.max(0, this.backlog - rows.length);
          const now = this.clock.now();
          for (const row of rows) {
            const item = rowToItem(row);
            if (this.state !== 'running') break;
            if (item.nextAttemptAtMs > now) this.delay(item, item.nextAttemptAtMs - now);
            else this.ready.push(item);
          }
          // A backlog counted but not found means its insert is still pending; the next refill sees it.
          if (rows.length === 0 && this.pendingInserts.length === 0 && !this.flushing) this.backlog = 0;
        },
        (err: unknown) =>
          this.reportError(new Error(`notify outbox: could not read queued notifications back: ${String(err)}`)),
      )
      .finally(() => {
        this.refilling = undefined;
        this.pump();
        if (this.backlog > 0 && this.hasRoom() && (this.pendingInserts.length || this.flushing)) {
          void (this.flushing ?? Promise.resolve()).then(() => this.refill());
        }
        this.notifyIdle();
      });
  }

  // ---- delivery ----------------------------------------------------------------------------

  private pump(): void {
    while (this.state === 'running' && this.running.size < this.concurrency) {
      const index = this.nextRunnable();
      if (index < 0) return;
      const [item] = this.ready.splice(index, 1) as [Item];
      const arn = item.channelArn;
      this.inFlightByChannel.set(arn, (this.inFlightByChannel.get(arn) ?? 0) + 1);
      const run: Promise<void> = this.attempt(item).finally(() => {
        const left = (this.inFlightByChannel.get(arn) ?? 1) - 1;
        if (left > 0) this.inFlightByChannel.set(arn, left);
        else this.inFlightByChannel.delete(arn);
        this.running.delete(run);
        this.pump();
        this.refill();
        this.notifyIdle();
      });
      this.running.add(run);
    }
  }

  /** The oldest ready notification whose channel is below its share of workers; -1 if none. */
  private nextRunnable(): number {
    for (let i = 0; i < this.ready.length; i++) {
      if ((this.inFlightByChannel.get(this.ready[i]!.channelArn) ?? 0) < this.perChannelConcurrency) return i;
    }
    return -1;
  }

  /**
   * One delivery attempt. It does not wait for the notification's outbox row: a crash before
   * the row commits loses nothing, because the consumer that enqueued it moves its cursor only
   * once the row is committed (`persisted`) and hands the same message id over again. Waiting put
   * the database's one writer — busy with ingest — on every notification's path (seconds of
   * latency under load). What follows an attempt and touches the row waits for it instead.
   */
  private async attempt(item: Item): Promise<void> {
    item.attempts++;
    const owner = parseNotifyArn(item.channelArn)?.accountId;
    if (owner !== undefined && owner !== item.accountId) {
      // As in EventBridge, a rule or alarm may only use API destinations and channels of its own account.
      const error = `channel ${item.channelArn} belongs to account ${owner}, not ${item.accountId}`;
      return this.deadLetter(item, 'channel-not-found', error);
    }
    const resolved = await this.options
      .resolve(item.channelArn)
      .catch((err: unknown) => ({ missing: `resolving ${item.channelArn} failed: ${String(err)}`, transient: true }));
    if ('missing' in resolved) {
      if ('transient' in resolved) return this.failed(item, { retryable: true, error: resolved.missing });
      return this.deadLetter(item, 'channel-not-found', resolved.missing);
    }
    const result = await safeDeliver(resolved, item.message, { attempt: item.attempts });
    if (result.ok) {
      this.stats.sent++;
      this.deleteDelivered(item);
      return;
    }
    return this.failed(item, result);
  }

  private async failed(
    item: Item,
    result: { retryable: boolean; error: string; status?: number; retryAfterMs?: number },
  ): Promise<void> {
    await item.persisted;
    item.lastError = result.error;
    if (result.status === undefined) delete item.lastStatus;
    else item.lastStatus = result.status;
    if (!result.retryable) return this.deadLetter(item, 'non-retryable', result.error);
    const policy = item.policyOverride
      ? resolveRetryPolicy(item.policyOverride, this.defaultPolicy)
      : this.defaultPolicy;
    if (item.attempts > policy.maximumRetryAttempts) return this.deadLetter(item, 'retries-exhausted', result.error);
    const wait = backoffDelayMs(policy, item.attempts, this.random, result.retryAfterMs);
    const now = this.clock.now();
    if (now + wait - item.enqueuedAtMs > policy.maximumEventAgeSeconds * 1000)
      return this.deadLetter(item, 'expired', result.error);
    this.stats.retried++;
    item.nextAttemptAtMs = now + wait;
    await this.record((w) =>
      w.run(
        'UPDATE notify_outbox SET attempts = $n, next_attempt_at = $next, last_error = $e, last_status = $s WHERE id = $id',
        {
          n: item.attempts,
          next: item.nextAttemptAtMs,
          e: result.error,
          s: result.status ?? null,
          id: item.id,
        },
      ),
    );
    if (this.state === 'running') this.delay(item, wait);
  }

  private delay(item: Item, ms: number): void {
    const cancel = this.clock.setTimer(ms, () => {
      if (!this.delayed.delete(item.id) || this.state !== 'running') return;
      this.ready.push(item);
      this.pump();
    });
    this.delayed.set(item.id, { item, cancel });
  }

  private async deadLetter(item: Item, reason: DeadLetterReason, error: string): Promise<void> {
    await item.persisted;
    this.stats.failed++;
    const now = this.clock.now();
    await this.record(async (w) => {
      await w.run('BEGIN TRANSACTION');
      try {
        // From the item, not the outbox row: the row may be missing if its insert failed.
        await w.run(
          'INSERT INTO notify_dead_letters VALUES ($dl, $id, $a, $c, $m, $p, $reason, $n, $e, $s, $enq, $now, NULL, NULL)',
          {
            dl: randomUUID(),
            id: item.id,
            a: item.accountId,
            c: item.channelArn,
            m: JSON.stringify(item.message),
            p: item.policyOverride ? JSON.stringify(item.policyOverride) : null,
            reason,
            n: item.attempts,
            e: error,
            s: item.lastStatus ?? null,
            enq: item.enqueuedAtMs,
            now,
          },
        );
        await w.run('DELETE FROM notify_outbox WHERE id = $id', { id: item.id });
        await w.run('COMMIT');
      } catch (err) {
        await w.run('ROLLBACK');
        throw err;
      }
    });
  }

  /**
   * Deletes delivered rows in the background, in batches: all that were delivered while the
   * previous delete was committing go in the next statement. A row's delete waits for its insert.
   */
  private deleteDelivered(item: Item): void {
    this.pendingDeletes.push(item);
    this.deleting ??= this.deleteLoop().finally(() => {
      this.deleting = undefined;
      this.notifyIdle();
    });
  }

  private async deleteLoop(): Promise<void> {
    while (this.pendingDeletes.length > 0) {
      const batch = this.pendingDeletes;
      this.pendingDeletes = [];
      await Promise.all(batch.map((b) => b.persisted));
      await this.record((w) =>
        w.run(`DELETE FROM notify_outbox WHERE list_contains(from_json($ids, '["VARCHAR"]'), id)`, {
          ids: JSON.stringify(batch.map((b) => b.id)),
        }),
      );
    }
  }

  /** Writes a delivery's outcome unless shutdown has passed (the row then stays for the next start). */
  private async record(fn: Parameters<EmbeddedDatabase['write']>[0]): Promise<void> {
    if (this.state === 'stopped') return;
    try {
      await this.db.write(fn);
    } catch (err) {
      this.reportError(new Error(`notify outbox: could not record a delivery outcome: ${String(err)}`));
    }
  }
}

function rowToItem(row: unknown[]): Item {
  return {
    id: row[0] as string,
    seq: Number(row[1]),
    accountId: row[2] as string,
    channelArn: row[3] as string,
    message: JSON.parse(row[4] as string) as NotificationMessage,
    policyOverride: row[5] === null ? undefined : (JSON.parse(row[5] as string) as Partial<RetryPolicy>),
    attempts: Number(row[6]),
    enqueuedAtMs: Number(row[7]),
    nextAttemptAtMs: Number(row[8]),
    ...(row[9] === null ? {} : { lastError: row[9] as string }),
    ...(row[10] === null ? {} : { lastStatus: Number(row[10]) }),
    persisted: Promise.resolve(true),
  };
}

function rowToDeadLetter(row: unknown[]): DeadLetter {
  return {
    id: row[0] as string,
    notificationId: row[1] as string,
    accountId: row[2] as string,
    channelArn: row[3] as string,
    message: JSON.parse(row[4] as string) as NotificationMessage,
    reason: row[5] as DeadLetterReason,
    attempts: Number(row[6]),
    lastError: row[7] as string,
    ...(row[8] === null ? {} : { lastStatus: Number(row[8]) }),
    enqueuedAtMs: Number(row[9]),
    failedAtMs: Number(row[10]),
    ...(row[11] === null ? {} : { replayedAtMs: Number(row[11]) }),
    ...(row[12] === null ? {} : { replayedAs: row[12] as string }),
  };
}
