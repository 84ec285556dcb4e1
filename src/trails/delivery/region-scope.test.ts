import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ACCOUNT_A,
  apiRecord,
  normalized,
  openEmbedded,
  removeDir,
  type Embedded,
} from '../../../test/helpers/embedded.js';
import { DirectorySink } from '../../delivery/index.js';
import { SigningKeyStore } from '../../integrity/key-store.js';
import type { NewTrail } from '../repository.js';
import { TrailRepository } from '../repository.js';
import { DeliveryScheduler } from './scheduler.js';
import { DeliveryStateStore } from './state.js';

/**
 * What a trail delivers by region: a single-region trail only its home region's events, a
 * multi-region trail every region's; global service events (IAM, STS, … in us-east-1) only when
 * IncludeGlobalServiceEvents is true.
 */
const START = Date.UTC(2026, 0, 1, 10, 0, 0);
const MINUTE = 60_000;

let emb: Embedded;
let trails: TrailRepository;
let root: string;
let clock: number;

beforeEach(async () => {
  emb = await openEmbedded();
  trails = await TrailRepository.open(emb.db);
  clock = START;
  root = join(emb.dir, 'buckets');
});

afterEach(async () => {
  await emb.close();
  removeDir(emb.dir);
});

async function loggingTrail(name: string, overrides: Partial<NewTrail>): Promise<void> {
  const trail = await trails.create(
    {
      accountId: ACCOUNT_A,
      homeRegion: 'us-east-1',
      name,
      s3BucketName: name,
      includeGlobalServiceEvents: true,
      isMultiRegionTrail: false,
      isOrganizationTrail: false,
      logFileValidationEnabled: false,
      ...overrides,
    },
    clock,
  );
  await trails.setLogging(trail.trailArn, true, clock);
}

/** The eventNames a bucket's log files hold, sorted. */
async function deliveredNames(bucket: string): Promise<string[]> {
  const sink = new DirectorySink({ root, bucket, durable: false });
  const names: string[] = [];
  for await (const key of sink.list('')) {
    const doc = JSON.parse(gunzipSync((await sink.get(key))!.body).toString('utf8')) as {
      Records: { eventName: string }[];
    };
    names.push(...doc.Records.map((r) => r.eventName));
  }
  return names.sort();
}

describe('delivery by region and IncludeGlobalServiceEvents', () => {
  it('delivers to each trail exactly the events its region settings cover', async () => {
    await loggingTrail('east-with-global', {});
    await loggingTrail('east-without-global', { includeGlobalServiceEvents: false });
    await loggingTrail('west-only', { homeRegion: 'eu-west-1' });
    await loggingTrail('everywhere', { isMultiRegionTrail: true });
    const s = await DeliveryScheduler.open({
      log: emb.log,
      trails,
      state: await DeliveryStateStore.open(emb.db),
      signingKeys: new SigningKeyStore(emb.dir, { now: () => clock }),
      sinks: { type: 'directory', root, durable: false },
      now: () => clock,
    });
    await s.runOnce();
    const events = [
      { eventName: 'CreateUser', eventSource: 'iam.amazonaws.com', awsRegion: 'us-east-1' },
      { eventName: 'AssumeRole', eventSource: 'sts.amazonaws.com', awsRegion: 'us-east-1' },
      { eventName: 'RunInstances', eventSource: 'ec2.amazonaws.com', awsRegion: 'us-east-1' },
      { eventName: 'AssumeRoleWest', eventSource: 'sts.amazonaws.com', awsRegion: 'eu-west-1' },
      { eventName: 'CreateBucket', eventSource: 's3.amazonaws.com', awsRegion: 'eu-west-1' },
    ];
    await emb.log.append(
      events.map((e) => normalized(apiRecord(e))),
      clock,
    );
    clock += MINUTE;
    await s.runOnce();

    expect(await deliveredNames('east-with-global')).toEqual(['AssumeRole', 'CreateUser', 'RunInstances']);
    expect(await deliveredNames('east-without-global')).toEqual(['RunInstances']);
    expect(await deliveredNames('west-only')).toEqual(['AssumeRoleWest', 'CreateBucket']);
    expect(await deliveredNames('everywhere')).toEqual([
      'AssumeRole',
      'AssumeRoleWest',
      'CreateBucket',
      'CreateUser',
      'RunInstances',
    ]);
  });
});
