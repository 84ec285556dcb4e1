import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCOUNT_A, openEmbedded, type Embedded } from '../../../../test/helpers/embedded.js';
import { TrailRepository } from '../../../trails/repository.js';
import type { AppContext, Caller } from '../../context.js';
import { ApiError } from '../../errors.js';
import { createTrail } from './create-trail.js';
import { deleteTrail } from './delete-trail.js';
import { describeTrails } from './describe-trails.js';
import { getTrail } from './get-trail.js';
import { getTrailStatus } from './get-trail-status.js';
import { LIST_TRAILS_PAGE, listTrails } from './list-trails.js';
import { putEventSelectors } from './put-event-selectors.js';
import { startLogging } from './start-logging.js';

/**
 * Shadow trails seen through the operations: one database, two endpoints that answer as
 * different regions (a server answers as one region; AWS has an endpoint per region).
 */
const caller: Caller = {
  accountId: ACCOUNT_A,
  accessKeyId: 'AKIAEXAMPLE',
  userName: 'admin',
  policy: 'administrator',
  sourceIp: '127.0.0.1',
  userAgent: 'test',
};

let env: Embedded;
let east: AppContext;
let west: AppContext;
const ORG_ARN = `arn:aws:cloudtrail:us-east-1:${ACCOUNT_A}:trail/org`;

const call = (
  op: { handle: (i: Record<string, unknown>, c: { ctx: AppContext; caller: Caller }) => Promise<unknown> },
  ctx: AppContext,
  input: Record<string, unknown>,
) => op.handle(input, { ctx, caller }) as Promise<Record<string, unknown>>;

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (err instanceof ApiError) return err.code;
    throw err;
  }
  return 'ok';
}

beforeAll(async () => {
  env = await openEmbedded();
  const trails = await TrailRepository.open(env.db);
  // The operations use only the trail repository and the region.
  east = { trails, region: 'us-east-1' } as unknown as AppContext;
  west = { trails, region: 'eu-west-1' } as unknown as AppContext;
  await call(createTrail, east, { Name: 'org', S3BucketName: 'audit-logs', IsMultiRegionTrail: true });
  await call(createTrail, west, { Name: 'local', S3BucketName: 'audit-logs' });
});

afterAll(async () => {
  await env?.close();
});

describe('shadow trails through the operations', () => {
  it('DescribeTrails shows shadows unless told not to; names match only the region’s own trails', async () => {
    const names = async (input: Record<string, unknown>) =>
      ((await call(describeTrails, west, input)).trailList as { Name: string; HomeRegion: string }[]).map(
        (t) => `${t.Name}@${t.HomeRegion}`,
      );
    expect(await names({})).toEqual(['local@eu-west-1', 'org@us-east-1']);
    expect(await names({ includeShadowTrails: false })).toEqual(['local@eu-west-1']);
    expect(await names({ trailNameList: ['org'] })).toEqual([]);
    expect(await names({ trailNameList: [ORG_ARN, 'local'] })).toEqual(['local@eu-west-1', 'org@us-east-1']);
  });

  it('reads a shadow trail, but changes it only in its home region', async () => {
    expect(((await call(getTrail, west, { Name: 'org' })).Trail as { TrailARN: string }).TrailARN).toBe(ORG_ARN);
    expect((await call(getTrailStatus, west, { Name: 'org' })).IsLogging).toBe(false);
    expect(await codeOf(call(startLogging, west, { Name: 'org' }))).toBe('InvalidHomeRegionException');
    expect(await codeOf(call(deleteTrail, west, { Name: ORG_ARN }))).toBe('InvalidHomeRegionException');
    expect(
      await codeOf(
        call(putEventSelectors, west, { TrailName: 'org', EventSelectors: [{ ReadWriteType: 'ReadOnly' }] }),
      ),
    ).toBe('InvalidHomeRegionException');
    expect(await codeOf(call(startLogging, east, { Name: 'org' }))).toBe('ok');
    expect((await call(getTrailStatus, west, { Name: 'org' })).IsLogging).toBe(true);
  });

  it('refuses a name a shadow trail holds, and a single-region trail is invisible elsewhere', async () => {
    expect(await codeOf(call(createTrail, west, { Name: 'org', S3BucketName: 'audit-logs' }))).toBe(
      'TrailAlreadyExistsException',
    );
    expect(await codeOf(call(getTrail, east, { Name: 'local' }))).toBe('TrailNotFoundException');
  });

  it('ListTrails lists every region, 50 a page, with a NextToken that resumes after the last ARN', async () => {
    const regions = [
      'ap-south-1',
      'ap-east-1',
      'ca-central-1',
      'sa-east-1',
      'me-south-1',
      'af-south-1',
      'il-central-1',
      'mx-central-1',
      'eu-north-1',
      'eu-south-1',
      'eu-west-2',
      'eu-central-1',
      'us-west-2',
    ];
    for (const region of regions) {
      const ctx = { ...east, region } as AppContext;
      // Four each: the multi-region trail counts in every region.
      for (let i = 0; i < 4; i++) await call(createTrail, ctx, { Name: `trail-${i}`, S3BucketName: 'audit-logs' });
    }
    const first = await call(listTrails, east, {});
    const page1 = first.Trails as { TrailARN: string }[];
    expect(page1).toHaveLength(LIST_TRAILS_PAGE);
    expect(first.NextToken).toEqual(expect.any(String));
    const second = await call(listTrails, west, { NextToken: first.NextToken });
    const page2 = second.Trails as { TrailARN: string }[];
    expect(second.NextToken).toBeUndefined();
    const all = [...page1, ...page2].map((t) => t.TrailARN);
    expect(all).toHaveLength(2 + regions.length * 4);
    expect(all).toEqual([...all].sort());
    expect(new Set(all).size).toBe(all.length);
    expect(await codeOf(call(listTrails, east, { NextToken: 'bm9wZQ' }))).toBe('InvalidNextTokenException');
  });
});
