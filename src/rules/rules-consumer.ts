/**
 * The rules consumer: reads the event log from its own persisted cursor, builds the EventBridge
 * envelope of each event, finds the enabled rules of the event's account that match (through
 * the rule index) and hands one notification per target to the notify Dispatcher, whose
 * `enqueue` never waits — ingest is never slowed by a target. Notification ids derive from
 * (rule, target, event), so a batch repeated after a crash carries the same delivery id; the
 * persisted cursor moves only once the batch's notifications are committed to the outbox.
 * Loop protection (loop-guard.ts) pauses a rule its own target keeps re-triggering and reports
 * it as a CloudTrail-shaped service event in the rule's account.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { CloudTrailRecord } from '../event/types.js';
import { formatEventTime } from '../event/time.js';
import type { Ingestor } from '../ingest/ingestor.js';
import type { EventLog } from '../log/event-log.js';
import { nextPollDelay } from '../log/poll-delay.js';
import type { EnqueueResult, NotificationRequest } from '../notify/index.js';
import { CompiledRuleSet, type CompiledRule } from './compiled-rules.js';
import { lazyEnvelope, materialize } from './envelope.js';
import { actorOf, LoopGuard, normalizeAddress, type LoopGuardOptions, type LoopTrip } from './loop-guard.js';
import type { RuleStore } from './rule-store.js';
import { TargetAddresses, type EndpointOf } from './target-addresses.js';

export interface RulesCounters {
  /** Events read from the log. */
  received: number;
  /** Rule matches (one per rule and event). */
  matched: number;
  /** Notifications handed to the dispatcher. */
  sent: number;
  /** Events whose record could not be read (skipped, never retried). */
  dropped: number;
  /** Batches not completed (retried), enqueue refusals, reports that could not be written. */
  failed: number;
  /** Rules paused by loop protection. */
  paused: number;
}

export interface RulesConsumerOptions {
  log: EventLog;
  /**
   * A consumer that never committed a cursor starts at the log's head: events stored before it
   * existed predate every rule and metric filter (which see only events arriving after them), and
   * a server started on millions of imported events must not first read them all.
   */
  fromHeadWhenNew?: boolean;
  rules: RuleStore;
  dispatcher: {
    enqueue(request: NotificationRequest): EnqueueResult;
    /** Resolves once what was enqueued is in the outbox; awaited before the cursor moves. */
    persisted(): Promise<void>;
  };
  /** Where loop-protection reports are appended; without it pauses are only stored. */
  ingestor?: Ingestor;
  /** Resolves a target ARN to its endpoint URL, for loop attribution (see `channelEndpoints`). */
  endpointOf?: EndpointOf;
  loop?: LoopGuardOptions;
  region: string;
  consumer?: string;
  batchSize?: number;
  pollIntervalMs?: number;
  clock?: () => number;
  onError?: (err: unknown) => void;
}

interface AccountRules {
  version: number;
  set: CompiledRuleSet;
  /** Rule ARN → the addresses its targets' endpoints resolve to. */
  addresses: Map<string, Set<string>>;
}

function uuidFrom(text: string): string {
  const h = createHash('sha1').update(text).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export class RulesConsumer {
  /** Where reading continues (in memory). */
  private cursor = 0;
  /** The position last persisted (what a restart resumes from). */
  private committedSeq = 0;
  private pendingCommit: Promise<void> = Promise.resolve();
  /** The newest position processed, which the commit loop persists. */
  private wantedSeq = 0;
  private committing = false;
  private started = false;
  private stopped = false;
  private stopping: Promise<void> | undefined;
  private work: Promise<unknown> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private readonly compiled = new Map<string, AccountRules>();
  private readonly guard: LoopGuard;
  private readonly addresses: TargetAddresses | undefined;
  private readonly clock: () => number;
  private readonly consumer: string;
  private readonly stats: RulesCounters = { received: 0, matched: 0, sent: 0, dropped: 0, failed: 0, paused: 0 };

  constructor(private readonly o: RulesConsumerOptions) {
    this.guard = new LoopGuard(o.loop);
    this.clock = o.clock ?? Date.now;
    this.consumer = o.consumer ?? 'rules';
    this.addresses = o.endpointOf ? new TargetAddresses(o.endpointOf, 60_000, this.clock) : undefined;
  }

  /** Loads the cursor; with `{ loop: false }` nothing runs until pollOnce is called. */
  async start(options: { loop?: boolean } = {}): Promise<void> {
    if (this.started) return;
    this.started = true;
    this.cursor = await this.o.log.getCursor(this.consumer);
    if (this.cursor === 0 && this.o.fromHeadWhenNew) this.cursor = await this.o.log.headSeq();
    this.committedSeq = this.cursor;
    if (options.loop === false) return;
    const poll = async () => {
      if (this.stopped) return;
      const n = await this.pollOnce().catch(() => 0);
      if (!this.stopped)
        this.timer = setTimeout(poll, nextPollDelay(n, this.o.batchSize ?? 1000, this.o.pollIntervalMs));
    };
    void poll();
  }

  /** The last sequence number processed (its cursor may still be committing: see `committed`). */
  position(): number {
    return this.cursor;
  }

  counters(): RulesCounters {
    return { ...this.stats };
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.work.then(fn);
    this.work = run.catch(() => undefined);
    return run;
  }

  private async rulesOf(accountId: string): Promise<AccountRules> {
    const version = this.o.rules.version(accountId);
    const hit = this.compiled.get(accountId);
    if (hit && hit.version === version) return hit;
    const entries = this.o.rules.entries(accountId);
    const addresses = new Map<string, Set<string>>();
    if (this.addresses) {
      for (const { rule, targets } of entries) {
        if (targets.length) addresses.set(rule.arn, await this.addresses.of(targets.map((t) => t.Arn)));
      }
    }
    const fresh = { version, set: new CompiledRuleSet(entries), addresses };
    this.compiled.set(accountId, fresh);
    return fresh;
  }

  /** Reads and processes one batch; returns how many events it consumed. */
  pollOnce(): Promise<number> {
    return this.serial(async () => {
      if (!this.started) throw new Error('RulesConsumer.pollOnce called before start()');
      const events = await this.o.log.read(this.cursor, this.o.batchSize ?? 1000);
      if (events.length === 0) return 0;
      const trips: { rule: CompiledRule; trip: LoopTrip }[] = [];
      const pausedNow = new Set<string>();
      let done = this.cursor;
      let consumed = 0;
      outer: for (const e of events) {
        const account = await this.rulesOf(e.accountId);
        // Most accounts have no rules: their events are passed over unparsed.
        if (account.set.size === 0) {
          done = e.seq;
          consumed++;
          continue;
        }
        let record: CloudTrailRecord;
        try {
          record = JSON.parse(e.json) as CloudTrailRecord;
        } catch (err) {
          this.stats.dropped++;
          this.o.onError?.(new Error(`rules: event seq ${e.seq} skipped: ${(err as Error).message}`));
          done = e.seq;
          consumed++;
          continue;
        }
        const envelope = lazyEnvelope(record, e.accountId);
        let delivered: object | undefined;
        for (const c of account.set.matching(envelope)) {
          // A rule applies to events that arrive after it was created, as on AWS.
          if (e.receivedAtMs < c.rule.createdAtMs || pausedNow.has(c.rule.arn)) continue;
          this.stats.matched++;
          for (const t of c.targets) {
            const result = this.o.dispatcher.enqueue({
              channelArn: t.target.Arn,
              accountId: e.accountId,
              message: {
                id: uuidFrom(`${c.rule.arn}/${t.target.Id}/${envelope.id}`),
                body: t.body((delivered ??= materialize(envelope)), {
                  ruleArn: c.rule.arn,
                  ruleName: c.rule.name,
                  ingestionTimeMs: e.receivedAtMs,
                }),
                attributes: { ruleName: c.rule.name, ruleArn: c.rule.arn, targetId: t.target.Id },
              },
              ...(t.target.RetryPolicy
                ? {
                    retryPolicy: {
                      ...(t.target.RetryPolicy.MaximumRetryAttempts !== undefined
                        ? { maximumRetryAttempts: t.target.RetryPolicy.MaximumRetryAttempts }
                        : {}),
                      ...(t.target.RetryPolicy.MaximumEventAgeInSeconds !== undefined
                        ? { maximumEventAgeSeconds: t.target.RetryPolicy.MaximumEventAgeInSeconds }
                        : {}),
                    },
                  }
                : {}),
            });
            if (result.status === 'dropped') {
              // The dispatcher is behind or stopping: stop here and retry this event next poll
              // (targets already queued for it get the same message id again).
              this.stats.failed++;
              this.o.onError?.(new Error(`rules: notification for rule ${c.rule.name} refused: ${result.reason}`));
              break outer;
            }
            this.stats.sent++;
          }
          const trip = this.attribute(c, account, record);
          if (trip) {
            pausedNow.add(c.rule.arn);
            trips.push({ rule: c, trip });
          }
        }
        done = e.seq;
        consumed++;
      }
      for (const { rule, trip } of trips) await this.pauseRule(rule, trip);
      if (done > this.cursor) {
        this.cursor = done;
        this.commit(done);
      }
      this.stats.received += consumed;
      return consumed;
    });
  }

  /**
   * Persists the cursor once the batch's notifications are durable in the outbox — behind the
   * next batch rather than before it: both wait on the database's one writer, and waiting there
   * for every batch would bound the consumer by commit latency. One commit is in flight at a
   * time; positions reached meanwhile are coalesced into the next one (only the newest counts),
   * so reading never waits for the writer. `committed()` waits for all of it.
   */
  private commit(seq: number): void {
    this.wantedSeq = seq;
    if (!this.committing) {
      this.committing = true;
      this.pendingCommit = this.commitLoop();
    }
  }

  private async commitLoop(): Promise<void> {
    try {
      while (this.wantedSeq > this.committedSeq) {
        const seq = this.wantedSeq;
        try {
          // Everything enqueued so far, which includes every batch up to `seq`, is then in the outbox.
          await this.o.dispatcher.persisted();
          await this.o.log.setCursor(this.consumer, seq);
          this.committedSeq = seq;
        } catch (err) {
          this.stats.failed++;
          this.o.onError?.(err);
          return;
        }
      }
    } finally {
      this.committing = false;
    }
  }

  /** Resolves once the cursor of every batch processed so far is persisted. */
  async committed(): Promise<number> {
    // A pass that failed left its position behind: try it once more.
    if (!this.committing && this.wantedSeq > this.committedSeq) {
      this.committing = true;
      this.pendingCommit = this.commitLoop();
    }
    while (this.committing) await this.pendingCommit;
    return this.committedSeq;
  }

  private attribute(c: CompiledRule, account: AccountRules, record: CloudTrailRecord): LoopTrip | undefined {
    const addresses = account.addresses.get(c.rule.arn);
    const ip = record.sourceIPAddress;
    if (!addresses || !ip || !addresses.has(normalizeAddress(ip))) return undefined;
    return this.guard.record(c.rule.arn, actorOf(record), record.userAgent ?? '', this.clock());
  }

  private async pauseRule(c: CompiledRule, trip: LoopTrip): Promise<void> {
    const at = this.clock();
    const reason =
      `Loop protection: ${trip.matches} matches within ${Math.round(trip.windowMs / 1000)} s were caused by ` +
      `${trip.actor} (user agent ${JSON.stringify(trip.userAgent)}) calling from an address of this rule's own target; ` +
      'the rule is paused until EnableRule or PutRule.';
    try {
      await this.o.rules.pause(c.rule.accountId, c.rule.name, { atMs: at, reason });
      this.stats.paused++;
    } catch (err) {
      this.stats.failed++;
      this.o.onError?.(err);
      return;
    }
    if (!this.o.ingestor) return;
    const record = loopPauseRecord(c.rule.accountId, this.o.region, c.rule.arn, c.rule.name, trip, reason, at);
    try {
      const [r] = await this.o.ingestor.ingest([record], {
        accountId: c.rule.accountId,
        region: this.o.region,
        profile: 'api',
        enforceRecipient: true,
      });
      if (!r?.ok) throw new Error(`rules: loop-protection report refused: ${JSON.stringify(r)}`);
    } catch (err) {
      this.stats.failed++;
      this.o.onError?.(err);
    }
  }

  /** Stops polling and waits (up to `deadlineMs`) for the batch in flight. Idempotent. */
  shutdown(deadlineMs = 5000): Promise<void> {
    if (this.stopping) return this.stopping;
    this.stopped = true;
    clearTimeout(this.timer);
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => (timer = setTimeout(resolve, deadlineMs)));
    const drained = this.work.then(() => this.pendingCommit);
    this.stopping = Promise.race([drained, deadline]).finally(() => clearTimeout(timer));
    return this.stopping;
  }
}

/** The CloudTrail-shaped service event that reports a pause (eventSource events.amazonaws.com). */
export function loopPauseRecord(
  accountId: string,
  region: string,
  ruleArn: string,
  ruleName: string,
  trip: LoopTrip,
  reason: string,
  atMs: number,
): Record<string, unknown> {
  return {
    eventVersion: '1.11',
    userIdentity: { type: 'AWSService', invokedBy: 'events.amazonaws.com' },
    eventTime: formatEventTime(atMs),
    eventSource: 'events.amazonaws.com',
    eventName: 'RulePausedByLoopProtection',
    awsRegion: region,
    sourceIPAddress: 'events.amazonaws.com',
    userAgent: 'events.amazonaws.com',
    requestParameters: null,
    responseElements: null,
    eventID: randomUUID(),
    readOnly: false,
    resources: [{ ARN: ruleArn, accountId, type: 'AWS::Events::Rule' }],
    eventType: 'AwsServiceEvent',
    managementEvent: true,
    recipientAccountId: accountId,
    serviceEventDetails: {
      ruleName,
      ruleArn,
      reason,
      actor: trip.actor,
      userAgent: trip.userAgent,
      matches: trip.matches,
      windowSeconds: Math.round(trip.windowMs / 1000),
    },
    eventCategory: 'Management',
  };
}
