import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openEmbedded, type Embedded } from '../../test/helpers/embedded.js';
import { trailShape } from './model.js';
import { TagsLimitError, TrailExistsError, TrailLimitError, TrailRepository, type NewTrail } from './repository.js';

const A = '111111111111';
const B = '222222222222';
const EAST = 'us-east-1';
const WEST = 'eu-west-1';

const newTrail = (name: string, overrides: Partial<NewTrail> = {}): NewTrail => ({
  accountId: A,
  homeRegion: EAST,
  name,
  s3BucketName: 'audit-logs',
  includeGlobalServiceEvents: true,
  isMultiRegionTrail: false,
  isOrganizationTrail: false,
  logFileValidationEnabled: false,
  ...overrides,
});

let env: Embedded;
let repo: TrailRepository;

beforeEach(async () => {
  env = await openEmbedded();
  repo = await TrailRepository.open(env.db);
});
afterEach(async () => {
  await env.close();
});

describe('TrailRepository', () => {
  it('creates a trail with defaults, finds it by name and ARN, and keeps it across a reopen', async () => {
    const t = await repo.create(
      newTrail('main', { s3KeyPrefix: 'org/audit', kmsKeyId: 'arn:aws:kms:us-east-1:111111111111:alias/trail' }),
      1_700_000_000_000,
    );
    expect(t.trailArn).toBe('arn:aws:cloudtrail:us-east-1:111111111111:trail/main');
    expect(t.selectors.kind).toBe('basic');
    expect(await repo.find(A, EAST, { kind: 'name', name: 'main' })).toEqual(t);
    const byArn = await repo.find(A, WEST, {
      kind: 'arn',
      arn: t.trailArn,
      region: EAST,
      accountId: A,
      name: 'main',
    });
    expect(byArn).toEqual(t);

    const dir = env.dir;
    await env.close();
    env = await openEmbedded(dir);
    repo = await TrailRepository.open(env.db);
    const again = await repo.getByArn(A, t.trailArn);
    expect(again).toEqual(t);
    expect(trailShape(again!)).toMatchObject({ S3KeyPrefix: 'org/audit', HomeRegion: EAST });
  });

  it('scopes everything by account', async () => {
    const t = await repo.create(newTrail('main'));
    await repo.create(newTrail('main', { accountId: B }));
    expect(await repo.getByArn(B, t.trailArn)).toBeUndefined();
    expect(await repo.find(B, EAST, { kind: 'arn', arn: t.trailArn, region: EAST, accountId: A, name: 'main' })).toBe(
      undefined,
    );
    expect((await repo.listAccount(B)).map((x) => x.accountId)).toEqual([B]);
    expect(await repo.delete(B, t.trailArn)).toBe(false);
    expect(await repo.getByArn(A, t.trailArn)).toBeDefined();
  });

  it('refuses a second trail of the same name where both would be visible', async () => {
    await repo.create(newTrail('main'));
    await expect(repo.create(newTrail('main'))).rejects.toThrow(TrailExistsError);
    // Another region is free for a single-region trail …
    await repo.create(newTrail('main', { homeRegion: WEST }));
    // … but not for a multi-region one, whose shadow would clash.
    await expect(repo.create(newTrail('org', { isMultiRegionTrail: true }))).resolves.toBeDefined();
    await expect(repo.create(newTrail('org', { homeRegion: WEST }))).rejects.toThrow(
      'Trail org already exists for customer: 111111111111 (a multi-region trail of us-east-1)',
    );
  });

  it('allows 5 trails per region, counting multi-region trails in every region', async () => {
    for (let i = 0; i < 4; i++) await repo.create(newTrail(`east-${i}`));
    await repo.create(newTrail('everywhere', { homeRegion: WEST, isMultiRegionTrail: true }));
    await expect(repo.create(newTrail('east-5'))).rejects.toThrow(TrailLimitError);
    for (let i = 0; i < 3; i++) await repo.create(newTrail(`west-${i}`, { homeRegion: WEST }));
    // West has 4; a fifth there is fine, but a multi-region trail from west would make east 6.
    await expect(repo.create(newTrail('wide', { homeRegion: WEST, isMultiRegionTrail: true }))).rejects.toThrow(
      /already has 5 trails in us-east-1/,
    );
    await repo.create(newTrail('west-3', { homeRegion: WEST }));
    // Another account has its own quota.
    await repo.create(newTrail('east-0', { accountId: B }));
  });

  it('shows multi-region trails as shadows in other regions', async () => {
    const home = await repo.create(newTrail('everywhere', { isMultiRegionTrail: true }));
    const local = await repo.create(newTrail('local', { homeRegion: WEST }));
    await repo.create(newTrail('east-only'));
    const names = (ts: { name: string }[]) => ts.map((t) => t.name).sort();
    expect(names(await repo.listRegion(A, WEST, { includeShadowTrails: true }))).toEqual(['everywhere', 'local']);
    expect(names(await repo.listRegion(A, WEST, { includeShadowTrails: false }))).toEqual(['local']);
    expect(names(await repo.listRegion(A, EAST, { includeShadowTrails: true }))).toEqual(['east-only', 'everywhere']);
    const shadow = await repo.find(A, WEST, { kind: 'name', name: 'everywhere' });
    expect(shadow?.homeRegion).toBe(EAST);
    expect(shadow?.trailArn).toBe(home.trailArn);
    expect(await repo.find(A, EAST, { kind: 'name', name: 'local' })).toBeUndefined();
    expect(await repo.find(A, WEST, { kind: 'name', name: 'local' })).toEqual(local);
    // Ordered by ARN: eu-west-1 before us-east-1.
    expect((await repo.listAccount(A)).map((t) => t.name)).toEqual(['local', 'east-only', 'everywhere']);
  });

  it('updates configuration, clears optional members with null, and keeps the rest', async () => {
    const t = await repo.create(
      newTrail('main', {
        s3KeyPrefix: 'p',
        snsTopicName: 'topic',
        snsTopicArn: 'arn:aws:sns:us-east-1:111111111111:topic',
      }),
      1000,
    );
    const u = await repo.update(
      A,
      t.trailArn,
      { s3KeyPrefix: null, logFileValidationEnabled: true, s3BucketName: 'other-bucket' },
      2000,
    );
    expect(u).toEqual({
      ...t,
      s3KeyPrefix: undefined,
      logFileValidationEnabled: true,
      s3BucketName: 'other-bucket',
      updatedAtMs: 2000,
    } satisfies typeof t);
    const stored = await repo.getByArn(A, t.trailArn);
    expect(stored).not.toHaveProperty('s3KeyPrefix');
    expect(stored).toMatchObject({ snsTopicName: 'topic', logFileValidationEnabled: true, createdAtMs: 1000 });
    expect(await repo.update(A, 'arn:aws:cloudtrail:us-east-1:111111111111:trail/none', {})).toBeUndefined();
  });

  it('refuses to widen a trail to all regions when a region would have 6', async () => {
    for (let i = 0; i < 5; i++) await repo.create(newTrail(`west-${i}`, { homeRegion: WEST }));
    const t = await repo.create(newTrail('main'));
    await expect(repo.update(A, t.trailArn, { isMultiRegionTrail: true })).rejects.toThrow(TrailLimitError);
    expect((await repo.getByArn(A, t.trailArn))?.isMultiRegionTrail).toBe(false);
  });

  it('stores selectors of either kind and marks them custom', async () => {
    const t = await repo.create(newTrail('main'));
    expect(t.hasCustomEventSelectors).toBe(false);
    const advanced = {
      kind: 'advanced' as const,
      advancedEventSelectors: [{ Name: 'm', FieldSelectors: [{ Field: 'eventCategory', Equals: ['Management'] }] }],
    };
    const u = await repo.putSelectors(A, t.trailArn, advanced);
    expect(u?.hasCustomEventSelectors).toBe(true);
    expect((await repo.getByArn(A, t.trailArn))?.selectors).toEqual(advanced);
  });

  it('tracks logging: start and stop times, and repeated calls change nothing', async () => {
    const t = await repo.create(newTrail('main'));
    expect(await repo.status(t.trailArn)).toEqual({ isLogging: false });
    expect(await repo.setLogging(t.trailArn, true, 10_000)).toEqual({ isLogging: true, startLoggingTimeMs: 10_000 });
    expect(await repo.setLogging(t.trailArn, true, 20_000)).toEqual({ isLogging: true, startLoggingTimeMs: 10_000 });
    expect(await repo.setLogging(t.trailArn, false, 30_000)).toEqual({
      isLogging: false,
      startLoggingTimeMs: 10_000,
      stopLoggingTimeMs: 30_000,
    });
    expect(await repo.setLogging(t.trailArn, true, 40_000)).toEqual({
      isLogging: true,
      startLoggingTimeMs: 40_000,
      stopLoggingTimeMs: 30_000,
    });
  });

  it('records delivery outcomes: a failure keeps the last success, a success clears the error', async () => {
    const t = await repo.create(newTrail('main'));
    await repo.recordDelivery(t.trailArn, { kind: 'logFile', atMs: 1000 });
    await repo.recordDelivery(t.trailArn, { kind: 'logFile', atMs: 2000, error: 'AccessDenied' });
    await repo.recordDelivery(t.trailArn, { kind: 'digest', atMs: 3000 });
    await repo.recordDelivery(t.trailArn, { kind: 'notification', atMs: 3500, error: 'topic gone' });
    await repo.recordDelivery(t.trailArn, { kind: 'cloudWatchLogs', atMs: 3600 });
    expect(await repo.status(t.trailArn)).toEqual({
      isLogging: false,
      latestDeliveryTimeMs: 1000,
      latestDeliveryAttemptTimeMs: 2000,
      latestDeliveryError: 'AccessDenied',
      latestDigestDeliveryTimeMs: 3000,
      latestNotificationAttemptTimeMs: 3500,
      latestNotificationError: 'topic gone',
      latestCloudWatchLogsDeliveryTimeMs: 3600,
    });
    await repo.recordDelivery(t.trailArn, { kind: 'logFile', atMs: 4000 });
    const s = await repo.status(t.trailArn);
    expect(s.latestDeliveryError).toBeUndefined();
    expect(s.latestDeliveryTimeMs).toBe(4000);
  });

  it('adds, overwrites, lists and removes tags, at most 50', async () => {
    const t = await repo.create(newTrail('main', { tags: [{ Key: 'team', Value: 'sec' }, { Key: 'empty' }] }));
    expect(await repo.listTags(t.trailArn)).toEqual([{ Key: 'empty' }, { Key: 'team', Value: 'sec' }]);
    await repo.addTags(t.trailArn, [
      { Key: 'team', Value: 'ops' },
      { Key: 'cost', Value: '42' },
    ]);
    expect(await repo.listTags(t.trailArn)).toEqual([
      { Key: 'cost', Value: '42' },
      { Key: 'empty' },
      { Key: 'team', Value: 'ops' },
    ]);
    await repo.removeTags(t.trailArn, [{ Key: 'team' }, { Key: 'absent' }]);
    expect((await repo.listTags(t.trailArn)).map((x) => x.Key)).toEqual(['cost', 'empty']);
    const many = Array.from({ length: 49 }, (_, i) => ({ Key: `k${i}`, Value: 'v' }));
    await expect(repo.addTags(t.trailArn, many)).rejects.toThrow(TagsLimitError);
    expect(await repo.listTags(t.trailArn)).toHaveLength(2);
    await repo.addTags(t.trailArn, many.slice(0, 48));
    expect(await repo.listTags(t.trailArn)).toHaveLength(50);
  });

  it('deletes a trail with its tags and status, and tells listeners about every change', async () => {
    const changes: string[] = [];
    repo.onChange((c) => changes.push(`${c.kind} ${c.trailArn.split('/')[1]}`));
    const t = await repo.create(newTrail('main', { tags: [{ Key: 'a', Value: 'b' }] }));
    await repo.setLogging(t.trailArn, true, 1);
    await repo.update(A, t.trailArn, { includeGlobalServiceEvents: false });
    expect(await repo.delete(A, t.trailArn)).toBe(true);
    expect(await repo.delete(A, t.trailArn)).toBe(false);
    expect(await repo.getByArn(A, t.trailArn)).toBeUndefined();
    expect(await repo.listTags(t.trailArn)).toEqual([]);
    expect(await repo.status(t.trailArn)).toEqual({ isLogging: false });
    // A trail of the same name can be created again, starting afresh.
    const again = await repo.create(newTrail('main'));
    expect(await repo.listTags(again.trailArn)).toEqual([]);
    expect(changes).toEqual(['created main', 'logging main', 'updated main', 'deleted main', 'created main']);
  });

  it('lists every trail of every account for delivery', async () => {
    await repo.create(newTrail('one'));
    await repo.create(newTrail('two', { accountId: B, homeRegion: WEST }));
    expect((await repo.listAll()).map((t) => `${t.accountId}/${t.name}`)).toEqual([`${A}/one`, `${B}/two`]);
  });
});
