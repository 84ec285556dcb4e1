import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EmbeddedDatabase } from '../store/duckdb/database.js';
import { ChannelRegistry } from './channel-registry.js';
import type { Connection } from './config.js';
import {
  DeadLetterAlreadyReplayedError,
  DeadLetterNotFoundError,
  Dispatcher,
  type DispatcherOptions,
} from './dispatcher.js';
import { ChannelRepository } from './repository.js';
import { startHttpReceiver, type HttpReceiver, type Reply } from './test-support/http-receiver.js';
import { ManualClock } from './test-support/manual-clock.js';
import { alarmSnsMessage, stopLoggingEnvelope } from './test-support/samples.js';
import { verifySignature } from './webhook/signature.js';

const ACCOUNT = '123456789012';
/** Backoff in milliseconds instead of seconds keeps retries quick without asserting on time. */
const FAST = { baseDelayMs: 1, maxDelayMs: 4 };

let dir: string;
let db: EmbeddedDatabase;
let repo: ChannelRepository;
let registry: ChannelRegistry;
let connection: Connection;
const cleanups: (() => Promise<unknown>)[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'opentrail-notify-dispatch-'));
  db = await EmbeddedDatabase.open(dir);
  repo = await ChannelRepository.open(db, 'us-east-1');
  registry = new ChannelRegistry(repo);
  connection = await repo.createConnection(ACCOUNT, { name: 'conn', authorizationType: 'NONE' });
});
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
  await registry.close();
  await db.close();
  await rm(dir, { recursive: true, force: true });
});

async function receiver(reply?: (n: number, r: { headers: Record<string, unknown> }) => Reply): Promise<HttpReceiver> {
  const r = await startHttpReceiver(reply ? (req, n) => reply(n, req) : undefined);
  cleanups.push(() => r.close());
  return r;
}

async function webhook(url: string, timeoutMs = 5000): Promise<string> {
  const def = await repo.createChannel(ACCOUNT, {
    name: `hook-${Math.random().toString(36).slice(2, 8)}`,
    config: { kind: 'webhook', connectionArn: connection.connectionArn, invocationEndpoint: url, timeoutMs },
  });
  return def.arn;
}

async function dispatcher(
  options: Partial<DispatcherOptions> = {},
  database = db,
  resolve = registry.resolve,
): Promise<Dispatcher> {
  const d = await Dispatcher.open(database, { resolve, retryPolicy: FAST, ...options });
  await d.start();
  cleanups.push(() => d.shutdown(100));
  return d;
}

async function outboxCount(database = db): Promise<number> {
  const r = await database.read((c) => c.runAndReadAll('SELECT count(*) FROM notify_outbox'));
  return Number(r.getRows()[0]![0]);
}

/** Polls a condition the code under test reaches on its own; the bound only turns a hang into a clear failure. */
async function until(what: string, cond: () => boolean): Promise<void> {
  for (let i = 0; i < 2000; i++) {
    if (cond()) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`gave up waiting for ${what}`);
}

const message = (id: string) => ({ id, body: stopLoggingEnvelope });

describe('Dispatcher', () => {
  it('delivers a notification to the webhook exactly once, signed, and empties the outbox', async () => {
    const r = await receiver();
    const arn = await webhook(`${r.url}/hook`);
    const d = await dispatcher();
    const accepted = d.enqueue({ channelArn: arn, accountId: ACCOUNT, message: message('m-1') });
    expect(accepted.status).toBe('queued');
    await d.idle();
    expect(r.received).toHaveLength(1);
    const req = r.received[0]!;
    expect(JSON.parse(req.body)).toEqual(stopLoggingEnvelope);
    expect(
      verifySignature(connection.signingSecret, req.headers['x-opentrail-signature'] as string, req.body).valid,
    ).toBe(true);
    expect(req.headers['x-opentrail-delivery-id']).toBe('m-1');
    expect(d.counters()).toMatchObject({
      received: 1,
      sent: 1,
      failed: 0,
      retried: 0,
      dropped: 0,
      inMemory: 0,
      backlog: 0,
    });
    expect(await outboxCount()).toBe(0);
    expect(await d.listDeadLetters()).toEqual([]);
  });

  it('retries a receiver that fails twice, then succeeds: three attempts, one success', async () => {
    const r = await receiver((n) => (n <= 2 ? { status: 503 } : { status: 200 }));
    const arn = await webhook(r.url);
    const d = await dispatcher();
    d.enqueue({ channelArn: arn, accountId: ACCOUNT, message: message('m-2') });
    await d.idle();
    expect(r.received.map((x) => x.headers['x-opentrail-attempt'])).toEqual(['1', '2', '3']);
    expect(new Set(r.received.map((x) => x.headers['x-opentrail-delivery-id']))).toEqual(new Set(['m-2']));
    expect(d.counters()).toMatchObject({ sent: 1, retried: 2, failed: 0 });
    expect(await outboxCount()).toBe(0);
  });

  it('dead-letters a receiver that always fails once retries are exhausted, and replays it', async () => {
    let healthy = false;
    const r = await receiver(() => (healthy ? { status: 200 } : { status: 500, body: 'boom' }));
    const arn = await webhook(r.url);
    const d = await dispatcher();
    d.enqueue({
      channelArn: arn,
      accountId: ACCOUNT,
      message: message('m-3'),
      retryPolicy: { maximumRetryAttempts: 2 },
    });
    await d.idle();
    expect(r.received).toHaveLength(3);
    const [dl, ...rest] = await d.listDeadLetters({ accountId: ACCOUNT });
    expect(rest).toEqual([]);
    expect(dl).toMatchObject({
      channelArn: arn,
      accountId: ACCOUNT,
      reason: 'retries-exhausted',
      attempts: 3,
      lastStatus: 500,
      lastError: `webhook ${arn}: POST ${r.url}/ answered HTTP 500: boom`,
      message: message('m-3'),
    });
    expect(d.counters()).toMatchObject({ sent: 0, retried: 2, failed: 1 });
    expect(await outboxCount()).toBe(0);

    healthy = true;
    const { notificationId } = await d.replay(dl!.id, ACCOUNT);
    await d.idle();
    expect(r.received).toHaveLength(4);
    expect(r.received[3]!.headers['x-opentrail-delivery-id']).toBe('m-3');
    expect(d.counters()).toMatchObject({ sent: 1, replayed: 1 });
    expect(await d.getDeadLetter(dl!.id)).toMatchObject({ replayedAs: notificationId });
    expect(await d.listDeadLetters()).toEqual([]);
    expect(await d.listDeadLetters({ includeReplayed: true })).toHaveLength(1);
    await expect(d.replay(dl!.id)).rejects.toThrow(DeadLetterAlreadyReplayedError);
    await expect(d.replay(dl!.id, '999999999999')).rejects.toThrow(DeadLetterNotFoundError);
  });

  it('does not retry a 400: one attempt, dead letter "non-retryable"', async () => {
    const r = await receiver(() => ({ status: 400, body: 'bad' }));
    const arn = await webhook(r.url);
    const d = await dispatcher();
    d.enqueue({ channelArn: arn, accountId: ACCOUNT, message: message('m-4') });
    await d.idle();
    expect(r.received).toHaveLength(1);
    expect(await d.listDeadLetters()).toMatchObject([{ reason: 'non-retryable', attempts: 1, lastStatus: 400 }]);
  });

  it('times out a slow receiver, retries, and dead-letters it with the timeout as the last error', async () => {
    const r = await receiver(() => 'hang');
    const arn = await webhook(r.url, 50);
    const d = await dispatcher();
    d.enqueue({
      channelArn: arn,
      accountId: ACCOUNT,
      message: message('m-5'),
      retryPolicy: { maximumRetryAttempts: 1 },
    });
    await d.idle();
    expect(r.received).toHaveLength(2);
    expect(await d.listDeadLetters()).toMatchObject([
      { reason: 'retries-exhausted', attempts: 2, lastError: `webhook ${arn}: POST ${r.url}/ timed out after 50 ms` },
    ]);
  });

  it('dead-letters a notification for a channel that does not exist', async () => {
    const d = await dispatcher();
    const missing = `arn:opentrail:notify:us-east-1:${ACCOUNT}:channel/nope`;
    d.enqueue({ channelArn: missing, accountId: ACCOUNT, message: message('m-6') });
    await d.idle();
    expect(await d.listDeadLetters()).toMatchObject([
      { reason: 'channel-not-found', attempts: 1, lastError: `no notification channel ${missing}` },
    ]);
  });

  it('refuses a channel of another account', async () => {
    const d = await dispatcher();
    const foreign = 'arn:opentrail:notify:us-east-1:999999999999:channel/theirs';
    d.enqueue({ channelArn: foreign, accountId: ACCOUNT, message: message('m-x') });
    await d.idle();
    expect(await d.listDeadLetters()).toMatchObject([
      { reason: 'channel-not-found', lastError: `channel ${foreign} belongs to account 999999999999, not ${ACCOUNT}` },
    ]);
  });

  it('dead-letters as "expired" when the next retry would pass the maximum event age', async () => {
    const r = await receiver(() => ({ status: 503 }));
    const arn = await webhook(r.url);
    const d = await dispatcher({ retryPolicy: { baseDelayMs: 5000, maxDelayMs: 5000, maximumEventAgeSeconds: 1 } });
    d.enqueue({ channelArn: arn, accountId: ACCOUNT, message: message('m-7') });
    await d.idle();
    expect(r.received).toHaveLength(1);
    expect(await d.listDeadLetters()).toMatchObject([{ reason: 'expired', attempts: 1 }]);
  });

  it('never blocks enqueue: past the memory capacity notifications spill to the outbox, and all survive a restart', async () => {
    const r = await receiver((n) => (n === 1 ? 'hang' : { status: 200 }));
    const arn = await webhook(r.url);
    const first = await dispatcher({ concurrency: 1, queueCapacity: 1 });
    const statuses = ['a', 'b', 'c', 'd'].map(
      (id) => first.enqueue({ channelArn: arn, accountId: ACCOUNT, message: message(id) }).status,
    );
    expect(statuses).toEqual(['queued', 'spilled', 'spilled', 'spilled']);
    expect(first.counters()).toMatchObject({ received: 4, spilled: 3, inMemory: 1, backlog: 3 });
    await r.waitFor(1);
    // The first delivery hangs past the deadline: it is abandoned, its row kept.
    expect(await first.shutdown(20)).toEqual({ drained: false, abandoned: 1 });
    expect(await outboxCount()).toBe(4);
    await db.close();

    db = await EmbeddedDatabase.open(dir);
    const repo2 = await ChannelRepository.open(db, 'us-east-1');
    const registry2 = new ChannelRegistry(repo2);
    cleanups.push(() => registry2.close());
    const second = await dispatcher({ concurrency: 1, queueCapacity: 1 }, db, registry2.resolve);
    expect(second.counters().backlog).toBe(4);
    await second.idle();
    const ids = r.received.map((x) => x.headers['x-opentrail-delivery-id']);
    // At least once: the abandoned delivery is repeated (same id, for the receiver to deduplicate); the others arrive once, in order.
    expect(ids).toEqual(['a', 'a', 'b', 'c', 'd']);
    expect(second.counters()).toMatchObject({ sent: 4, backlog: 0, inMemory: 0 });
    expect(await outboxCount()).toBe(0);
  });

  it('keeps the attempt count and the retry time across a restart', async () => {
    const r = await receiver((n) => (n === 1 ? { status: 503 } : { status: 200 }));
    const arn = await webhook(r.url);
    const first = await dispatcher({ retryPolicy: { baseDelayMs: 3_600_000, maxDelayMs: 3_600_000 } });
    first.enqueue({ channelArn: arn, accountId: ACCOUNT, message: message('m-8') });
    await until('the first attempt to be recorded as a retry', () => first.counters().retried === 1);
    await first.shutdown(1000);
    const row = await db.read((c) =>
      c.runAndReadAll('SELECT attempts, next_attempt_at, last_status FROM notify_outbox'),
    );
    const [attempts, nextAt, lastStatus] = row.getRows()[0]!.map(Number);
    expect([attempts, lastStatus]).toEqual([1, 503]);

    // Before the retry is due nothing is sent; once the clock passes it, attempt 2 goes out.
    const clock = new ManualClock(nextAt! - 60_000);
    const second = await dispatcher({ clock }, db, new ChannelRegistry(repo, clock).resolve);
    await until('the retry timer to be set', () => clock.pendingTimers === 1);
    expect(r.received).toHaveLength(1);
    await clock.advance(60_000);
    await second.idle();
    expect(r.received.map((x) => x.headers['x-opentrail-attempt'])).toEqual(['1', '2']);
  });

  it('limits deliveries in flight to the concurrency', async () => {
    const r = await receiver(() => 'hang');
    const arn = await webhook(r.url);
    const d = await dispatcher({ concurrency: 2, perChannelConcurrency: 2 });
    for (const id of ['1', '2', '3', '4', '5'])
      d.enqueue({ channelArn: arn, accountId: ACCOUNT, message: message(id) });
    await r.waitFor(2);
    expect(d.counters()).toMatchObject({ inFlight: 2, inMemory: 5 });
    expect(r.received).toHaveLength(2);
  });

  it('keeps a hanging endpoint to its share of workers, so other channels still get through', async () => {
    const stuck = await receiver(() => 'hang');
    const fine = await receiver();
    const stuckArn = await webhook(stuck.url);
    const fineArn = await webhook(fine.url);
    const d = await dispatcher({ concurrency: 2, perChannelConcurrency: 1 });
    for (const id of ['s1', 's2', 's3']) d.enqueue({ channelArn: stuckArn, accountId: ACCOUNT, message: message(id) });
    d.enqueue({ channelArn: fineArn, accountId: ACCOUNT, message: message('f1') });
    await fine.waitFor(1);
    await until('the fine delivery to be recorded', () => d.counters().sent === 1 && d.counters().inFlight === 1);
    // The stuck request may still be on its way when the fine one is done: wait for it to arrive.
    await stuck.waitFor(1);
    expect(stuck.received).toHaveLength(1);
    expect(d.counters()).toMatchObject({ inFlight: 1, inMemory: 3 });
  });

  it('deletes every delivered row when many succeed together', async () => {
    const r = await receiver();
    const arn = await webhook(r.url);
    const d = await dispatcher({ concurrency: 8 });
    for (let i = 0; i < 40; i++) d.enqueue({ channelArn: arn, accountId: ACCOUNT, message: message(`b-${i}`) });
    await d.idle();
    expect(new Set(r.received.map((x) => x.headers['x-opentrail-delivery-id'])).size).toBe(40);
    expect(r.received).toHaveLength(40);
    expect(await outboxCount()).toBe(0);
  });

  it('refuses (and counts) notifications after shutdown, and shutdown is idempotent', async () => {
    const d = await dispatcher();
    const report = await d.shutdown(100);
    expect(await d.shutdown(100)).toBe(report);
    const r = d.enqueue({
      channelArn: 'arn:opentrail:notify:us-east-1:123456789012:channel/x',
      accountId: ACCOUNT,
      message: message('late'),
    });
    expect(r).toMatchObject({ status: 'dropped', reason: 'the dispatcher is shut down' });
    expect(d.counters().dropped).toBe(1);
  });

  it('delivers to chat and email channels the same way', async () => {
    const chatReceiver = await receiver(() => ({ status: 200, body: 'ok' }));
    const chat = await repo.createChannel(ACCOUNT, {
      name: 'chat',
      config: { kind: 'chat', webhookUrl: `${chatReceiver.url}/services/T/B/X` },
    });
    const mails: string[] = [];
    const smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onData(stream, _s, cb) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          mails.push(Buffer.concat(chunks).toString('utf8'));
          cb();
        });
      },
    });
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => smtp.close(() => resolve())));
    const port = (smtp.server.address() as AddressInfo).port;
    const mail = await repo.createChannel(ACCOUNT, {
      name: 'mail',
      config: {
        kind: 'email',
        smtp: { host: '127.0.0.1', port },
        from: 'alerts@opentrail.test',
        to: ['secops@example.test'],
      },
    });
    const d = await dispatcher();
    d.enqueue({ channelArn: chat.arn, accountId: ACCOUNT, message: { id: 'alarm-1', body: alarmSnsMessage } });
    d.enqueue({ channelArn: mail.arn, accountId: ACCOUNT, message: { id: 'alarm-1', body: alarmSnsMessage } });
    await d.idle();
    expect(chatReceiver.received).toHaveLength(1);
    expect((JSON.parse(chatReceiver.received[0]!.body) as { text: string }).text).toBe(
      'ALARM: "CloudTrailChanges" in EU (Ireland)',
    );
    expect(mails).toHaveLength(1);
    expect(mails[0]).toContain('CloudTrailChanges');
    expect(d.counters()).toMatchObject({ sent: 2, failed: 0 });
  });
});

describe('Dispatcher.persisted', () => {
  it('resolves once everything enqueued so far is in the outbox, before any delivery ends', async () => {
    const r = await receiver(() => 'hang');
    const arn = await webhook(`${r.url}/hook`);
    const d = await dispatcher();
    for (let i = 0; i < 3; i++) d.enqueue({ channelArn: arn, accountId: ACCOUNT, message: message(`p-${i}`) });
    await d.persisted();
    expect(await outboxCount()).toBe(3);
    expect(d.counters().sent).toBe(0);
  });
});
