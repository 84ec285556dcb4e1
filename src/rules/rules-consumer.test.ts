/**
 * The rules consumer on a real embedded database, with the real notify Dispatcher delivering to
 * a real local HTTP receiver: a matching event reaches the webhook once and signed, targets get
 * their InputTransformer shape, disabled rules and hidden read-only events send nothing, a
 * restart resumes from the cursor, and loop protection pauses a rule its own target re-triggers.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  ACCOUNT_A,
  apiRecord,
  normalized,
  openEmbedded,
  removeDir,
  type Embedded,
} from '../../test/helpers/embedded.js';
import { ChannelRegistry, ChannelRepository, Dispatcher, verifySignature } from '../notify/index.js';
import { startHttpReceiver, type HttpReceiver } from '../notify/test-support/http-receiver.js';
import { RuleStore } from './rule-store.js';
import { RulesConsumer } from './rules-consumer.js';
import { channelEndpoints } from './target-addresses.js';

interface Rig {
  e: Embedded;
  rules: RuleStore;
  repo: ChannelRepository;
  dispatcher: Dispatcher;
  registry: ChannelRegistry;
  consumer: RulesConsumer;
  receiver: HttpReceiver;
  hookArn: string;
  secret: string;
  /** Closes everything but the data directory and a receiver that was passed in. */
  close(): Promise<void>;
}

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function rig(opts: { dir?: string; threshold?: number; receiver?: HttpReceiver } = {}): Promise<Rig> {
  const e = await openEmbedded(opts.dir);
  if (!opts.dir) cleanups.push(async () => removeDir(e.dir));
  const own: (() => Promise<unknown>)[] = [];
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    while (own.length) await own.pop()!();
  };
  cleanups.push(close);
  own.push(() => e.close());
  const repo = await ChannelRepository.open(e.db, 'us-east-1');
  const registry = new ChannelRegistry(repo);
  own.push(() => registry.close());
  const dispatcher = await Dispatcher.open(e.db, {
    resolve: registry.resolve,
    retryPolicy: { baseDelayMs: 1, maxDelayMs: 4 },
  });
  await dispatcher.start();
  own.push(() => dispatcher.shutdown(2000));
  const rules = await RuleStore.open(e.db, 'us-east-1');
  const receiver = opts.receiver ?? (await startHttpReceiver());
  if (!opts.receiver) own.push(() => receiver.close());
  let conn = (await repo.listConnections(ACCOUNT_A))[0];
  conn ??= await repo.createConnection(ACCOUNT_A, { name: 'conn', authorizationType: 'NONE' });
  let hook = await repo.getChannel(ACCOUNT_A, 'hook');
  hook ??= await repo.createChannel(ACCOUNT_A, {
    name: 'hook',
    config: { kind: 'webhook', connectionArn: conn.connectionArn, invocationEndpoint: receiver.url },
  });
  const consumer = new RulesConsumer({
    log: e.log,
    rules,
    dispatcher,
    ingestor: e.ingestor,
    endpointOf: channelEndpoints(repo),
    loop: { threshold: opts.threshold ?? 20, windowMs: 600_000 },
    region: 'us-east-1',
    batchSize: 50,
  });
  await consumer.start({ loop: false });
  own.push(() => consumer.shutdown(1000));
  return {
    e,
    rules,
    repo,
    dispatcher,
    registry,
    consumer,
    receiver,
    hookArn: hook.arn,
    secret: conn.signingSecret,
    close,
  };
}

async function append(r: Rig, records: Record<string, unknown>[]): Promise<void> {
  const at = Date.now();
  await r.e.log.append(
    records.map((rec) => normalized(rec, { receivedAtMs: at })),
    at,
  );
}

const stopLogging = (over: Record<string, unknown> = {}) =>
  apiRecord({
    eventSource: 'cloudtrail.amazonaws.com',
    eventName: 'StopLogging',
    sourceIPAddress: '203.0.113.9',
    ...over,
  });

describe('RulesConsumer', () => {
  it('delivers a matching event once, signed, in the target input shape; others send nothing', async () => {
    const r = await rig();
    await r.rules.putRule(ACCOUNT_A, {
      Name: 'trail-changes',
      EventPattern: JSON.stringify({
        source: ['aws.cloudtrail'],
        detail: { eventName: ['StopLogging', 'DeleteTrail'] },
      }),
    });
    await r.rules.putTargets(ACCOUNT_A, 'trail-changes', [
      {
        Id: 'hook',
        Arn: r.hookArn,
        InputTransformer: {
          InputPathsMap: { name: '$.detail.eventName', who: '$.detail.userIdentity.arn' },
          InputTemplate: '{"alert": "<who> called <name>", "rule": "<aws.events.rule-name>"}',
        },
      },
    ]);
    await r.rules.putRule(ACCOUNT_A, { Name: 'off', State: 'DISABLED', EventPattern: '{"source":["aws.cloudtrail"]}' });
    await r.rules.putTargets(ACCOUNT_A, 'off', [{ Id: 'hook', Arn: r.hookArn }]);
    await append(r, [stopLogging(), apiRecord({ eventName: 'CreateOrder' })]);
    expect(await r.consumer.pollOnce()).toBe(2);
    await r.dispatcher.idle();
    expect(r.receiver.received).toHaveLength(1);
    const got = r.receiver.received[0]!;
    expect(JSON.parse(got.body)).toEqual({
      alert: 'arn:aws:iam::111111111111:user/alice called StopLogging',
      rule: 'trail-changes',
    });
    expect(verifySignature(r.secret, String(got.headers['x-opentrail-signature']), got.body).valid).toBe(true);
    expect(r.consumer.counters()).toMatchObject({ received: 2, matched: 1, sent: 1 });
    expect(await r.consumer.committed()).toBe(await r.e.log.headSeq());
    expect(await r.e.log.getCursor('rules')).toBe(await r.e.log.headSeq());
  });

  it('read-only Describe/Get/List events reach only rules that ask for them', async () => {
    const r = await rig();
    await r.rules.putRule(ACCOUNT_A, { Name: 'all-trail', EventPattern: '{"source":["aws.cloudtrail"]}' });
    await r.rules.putRule(ACCOUNT_A, {
      Name: 'asks',
      EventPattern: '{"source":["aws.cloudtrail"],"detail":{"readOnly":[true]}}',
    });
    await r.rules.putRule(ACCOUNT_A, {
      Name: 'state',
      State: 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS',
      EventPattern: '{"source":["aws.cloudtrail"]}',
    });
    for (const n of ['all-trail', 'asks', 'state']) {
      await r.rules.putTargets(ACCOUNT_A, n, [{ Id: 'hook', Arn: r.hookArn, Input: JSON.stringify({ rule: n }) }]);
    }
    await append(r, [stopLogging({ eventName: 'DescribeTrails', readOnly: true })]);
    await r.consumer.pollOnce();
    await r.dispatcher.idle();
    expect(r.receiver.received.map((q) => (JSON.parse(q.body) as { rule: string }).rule).sort()).toEqual([
      'asks',
      'state',
    ]);
  });

  it('resumes from its cursor after a restart: nothing repeated, nothing skipped', async () => {
    const receiver = await startHttpReceiver();
    cleanups.push(() => receiver.close());
    const r = await rig({ receiver });
    await r.rules.putRule(ACCOUNT_A, { Name: 'r', EventPattern: '{"detail":{"eventName":["StopLogging"]}}' });
    await r.rules.putTargets(ACCOUNT_A, 'r', [{ Id: 'hook', Arn: r.hookArn }]);
    await append(r, [stopLogging()]);
    await r.consumer.pollOnce();
    await r.dispatcher.idle();
    await r.close();
    const again = await rig({ dir: r.e.dir, receiver });
    expect(again.rules.listTargets(ACCOUNT_A, 'r')).toHaveLength(1);
    await append(again, [stopLogging()]);
    expect(await again.consumer.pollOnce()).toBe(1);
    await again.dispatcher.idle();
    expect(receiver.received).toHaveLength(2);
    expect(await again.consumer.pollOnce()).toBe(0);
  });

  it("pauses a rule its own target keeps re-triggering, reports it in the log and in the rule's status", async () => {
    const r = await rig({ threshold: 3 });
    await r.rules.putRule(ACCOUNT_A, { Name: 'loopy', EventPattern: '{"detail":{"eventName":["StopLogging"]}}' });
    await r.rules.putTargets(ACCOUNT_A, 'loopy', [{ Id: 'hook', Arn: r.hookArn }]);
    // Calls from elsewhere never count, however many.
    await append(r, [stopLogging(), stopLogging(), stopLogging(), stopLogging()]);
    await r.consumer.pollOnce();
    expect(r.rules.describeRule(ACCOUNT_A, 'loopy').paused).toBeUndefined();
    // The receiver's host (127.0.0.1) calling back, as one actor: the third match trips.
    const callback = () => stopLogging({ sourceIPAddress: '127.0.0.1', userAgent: 'receiver/1.0' });
    await append(r, [callback(), callback(), callback(), callback()]);
    await r.consumer.pollOnce();
    await r.dispatcher.idle();
    const rule = r.rules.describeRule(ACCOUNT_A, 'loopy');
    expect(rule.paused?.reason).toMatch(
      /Loop protection: 3 matches .* arn:aws:iam::111111111111:user\/alice .*receiver\/1\.0/,
    );
    expect(r.receiver.received).toHaveLength(4 + 3);
    expect(r.consumer.counters().paused).toBe(1);
    const logged = (await r.e.log.read(0, 100)).map((e) => JSON.parse(e.json) as Record<string, unknown>);
    const report = logged.find((x) => x.eventName === 'RulePausedByLoopProtection');
    expect(report).toMatchObject({
      eventSource: 'events.amazonaws.com',
      eventType: 'AwsServiceEvent',
      recipientAccountId: ACCOUNT_A,
      serviceEventDetails: { ruleName: 'loopy', matches: 3 },
    });
    // Paused: further matches send nothing until EnableRule.
    await append(r, [stopLogging()]);
    await r.consumer.pollOnce();
    await r.consumer.pollOnce();
    await r.dispatcher.idle();
    expect(r.receiver.received).toHaveLength(7);
    await r.rules.setState(ACCOUNT_A, 'loopy', 'ENABLED');
    expect(r.rules.describeRule(ACCOUNT_A, 'loopy').paused).toBeUndefined();
    await append(r, [stopLogging()]);
    await r.consumer.pollOnce();
    await r.dispatcher.idle();
    expect(r.receiver.received).toHaveLength(8);
  });
});
