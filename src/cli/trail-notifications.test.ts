import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ACCOUNT_A,
  apiRecord,
  normalized,
  openEmbedded,
  removeDir,
  type Embedded,
} from '../../test/helpers/embedded.js';
import { DirectorySink } from '../delivery/index.js';
import { SigningKeyStore } from '../integrity/key-store.js';
import { ChannelRegistry, ChannelRepository, Dispatcher } from '../notify/index.js';
import { startHttpReceiver, type HttpReceiver } from '../notify/test-support/http-receiver.js';
import { DeliveryScheduler, DeliveryStateStore } from '../trails/delivery/index.js';
import { snsTopicArnOf } from '../trails/model.js';
import { TrailRepository } from '../trails/repository.js';
import { trailNotifier } from './trail-notifications.js';

const START = Date.UTC(2026, 0, 1, 10);

let emb: Embedded;
let receiver: HttpReceiver;
let dispatcher: Dispatcher;
let registry: ChannelRegistry;
let channels: ChannelRepository;
let trails: TrailRepository;
let clock: number;

beforeEach(async () => {
  emb = await openEmbedded();
  receiver = await startHttpReceiver();
  channels = await ChannelRepository.open(emb.db, 'us-east-1');
  registry = new ChannelRegistry(channels);
  dispatcher = await Dispatcher.open(emb.db, { resolve: registry.resolve });
  await dispatcher.start();
  trails = await TrailRepository.open(emb.db);
  clock = START;
});

afterEach(async () => {
  await dispatcher.shutdown(2000);
  await registry.close();
  await receiver.close();
  await emb.close();
  removeDir(emb.dir);
});

async function deliveringTrail(name: string, topic: string) {
  const trail = await trails.create(
    {
      accountId: ACCOUNT_A,
      homeRegion: 'us-east-1',
      name,
      s3BucketName: 'audit-bucket',
      snsTopicName: topic,
      snsTopicArn: snsTopicArnOf(topic, 'us-east-1', ACCOUNT_A),
      includeGlobalServiceEvents: true,
      isMultiRegionTrail: true,
      isOrganizationTrail: false,
      logFileValidationEnabled: false,
    },
    clock,
  );
  await trails.setLogging(trail.trailArn, true, clock);
  const scheduler = await DeliveryScheduler.open({
    log: emb.log,
    trails,
    state: await DeliveryStateStore.open(emb.db),
    signingKeys: new SigningKeyStore(emb.dir, { now: () => clock }),
    sinks: { type: 'directory', root: join(emb.dir, 'buckets'), durable: false },
    notifyLogFiles: trailNotifier({ channels, dispatcher: () => dispatcher }),
    now: () => clock,
  });
  await scheduler.runOnce(); // starts at the log's head
  return { trail, scheduler };
}

async function deliverTwoRegions(scheduler: DeliveryScheduler) {
  clock += 1000;
  await emb.log.append(
    [normalized(apiRecord({ awsRegion: 'us-east-1' })), normalized(apiRecord({ awsRegion: 'eu-west-1' }))],
    clock,
  );
  clock += 60_000;
  await scheduler.runOnce();
}

describe('trail delivery notifications', () => {
  it('announce the delivered log files with CloudTrail’s SNS message to the channel the topic names', async () => {
    const conn = await channels.createConnection(ACCOUNT_A, { name: 'open', authorizationType: 'NONE' });
    await channels.createChannel(ACCOUNT_A, {
      name: 'trail-news',
      config: { kind: 'webhook', connectionArn: conn.connectionArn, invocationEndpoint: `${receiver.url}/sns` },
    });
    const { trail, scheduler } = await deliveringTrail('noisy', 'trail-news');
    await deliverTwoRegions(scheduler);
    await receiver.waitFor(1);

    const [request] = receiver.received;
    expect(request!.method).toBe('POST');
    expect(request!.url).toBe('/sns');
    const message = JSON.parse(request!.body) as { s3Bucket: string; s3ObjectKey: string[] };
    expect(Object.keys(message)).toEqual(['s3Bucket', 's3ObjectKey']);
    expect(message.s3Bucket).toBe('audit-bucket');
    // One message for the batch: both regions' files, each of which is in the bucket.
    expect(message.s3ObjectKey).toHaveLength(2);
    const sink = new DirectorySink({ root: join(emb.dir, 'buckets'), bucket: 'audit-bucket', durable: false });
    const stored: string[] = [];
    for await (const key of sink.list('AWSLogs/')) if (key.endsWith('.json.gz')) stored.push(key);
    expect([...message.s3ObjectKey].sort()).toEqual(stored.sort());
    for (const key of message.s3ObjectKey) {
      expect(key).toMatch(new RegExp(`^AWSLogs/${ACCOUNT_A}/CloudTrail/(us-east-1|eu-west-1)/2026/01/01/`));
    }
    expect(request!.headers['x-opentrail-delivery-id']).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-8/);
    const status = await trails.status(trail.trailArn);
    expect(status.latestNotificationTimeMs).toBe(clock);
    expect(status.latestNotificationError).toBeUndefined();
    await scheduler.shutdown();
  });

  it('deliver the files even when the topic names no channel, and report why nothing was announced', async () => {
    const { trail, scheduler } = await deliveringTrail('lonely', 'nobody-listens');
    await deliverTwoRegions(scheduler);
    const status = await trails.status(trail.trailArn);
    expect(status.latestDeliveryTimeMs).toBe(clock);
    expect(status.latestNotificationError).toBe(
      `SNS topic arn:aws:sns:us-east-1:${ACCOUNT_A}:nobody-listens: account ${ACCOUNT_A} has no notification channel named nobody-listens (create one with that name to receive log file notifications)`,
    );
    expect(status.latestNotificationTimeMs).toBeUndefined();
    expect(scheduler.counters().sent).toBe(2);
    expect(receiver.received).toHaveLength(0);
    await scheduler.shutdown();
  });
});
