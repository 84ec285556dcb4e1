import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openEmbedded, removeDir, type Embedded } from '../../../../test/helpers/embedded.js';
import { OrganizationStore, type Organization } from '../../../auth/organizations.js';
import { TrailRepository } from '../../../trails/repository.js';
import type { AppContext, Caller } from '../../context.js';
import { ApiError } from '../../errors.js';
import type { Operation } from '../operation.js';
import { createTrail } from './create-trail.js';
import { deleteTrail } from './delete-trail.js';
import { describeTrails } from './describe-trails.js';
import { getEventSelectors } from './get-event-selectors.js';
import { getTrail } from './get-trail.js';
import { getTrailStatus } from './get-trail-status.js';
import { listTrails } from './list-trails.js';
import { putEventSelectors } from './put-event-selectors.js';
import { startLogging } from './start-logging.js';
import { stopLogging } from './stop-logging.js';
import { updateTrail } from './update-trail.js';

/**
 * Organisation trails through the operations: a management account and a member in one
 * organisation, and an account outside it; requests signed for one region or another.
 */
const MANAGEMENT = '111111111111';
const MEMBER = '222222222222';
const OUTSIDER = '333333333333';

const callerOf = (accountId: string, signingRegion = 'us-east-1'): Caller => ({
  accountId,
  accessKeyId: `AKIA${accountId}`,
  userName: 'admin',
  policy: 'administrator',
  sourceIp: '127.0.0.1',
  userAgent: 'test',
  signingRegion,
});

let env: Embedded;
let ctx: AppContext;
let org: Organization;
const ORG_TRAIL_ARN = `arn:aws:cloudtrail:us-east-1:${MANAGEMENT}:trail/org-trail`;

const call = (op: Operation, caller: Caller, input: Record<string, unknown>) => op.handle(input, { ctx, caller });

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
  const orgs = await OrganizationStore.open(env.db);
  org = await orgs.create(MANAGEMENT);
  await orgs.addAccount(org.id, MEMBER);
  // The operations use the trail repository, the organisations and the region.
  ctx = {
    trails: await TrailRepository.open(env.db),
    organizations: orgs,
    region: 'us-east-1',
  } as unknown as AppContext;
  await call(createTrail, callerOf(MANAGEMENT), {
    Name: 'org-trail',
    S3BucketName: 'org-logs',
    IsOrganizationTrail: true,
    IsMultiRegionTrail: true,
  });
});

afterAll(async () => {
  await env?.close();
  removeDir(env?.dir);
});

describe('who may create an organisation trail', () => {
  const cases: [string, string, string][] = [
    ['the management account', MANAGEMENT, 'ok'],
    ['a member account', MEMBER, 'NotOrganizationMasterAccountException'],
    ['an account in no organisation', OUTSIDER, 'OrganizationsNotInUseException'],
  ];
  it.each(cases)('CreateTrail IsOrganizationTrail=true from %s: %s', async (_who, account, expected) => {
    const name = `created-by-${account}`;
    expect(
      await codeOf(
        call(createTrail, callerOf(account), { Name: name, S3BucketName: 'org-logs', IsOrganizationTrail: true }),
      ),
    ).toBe(expected);
    if (expected === 'ok') await call(deleteTrail, callerOf(account), { Name: name });
  });

  it.each(cases)('UpdateTrail IsOrganizationTrail=true from %s: %s', async (_who, account, expected) => {
    const name = `own-${account}`;
    await call(createTrail, callerOf(account), { Name: name, S3BucketName: 'own-logs' });
    expect(await codeOf(call(updateTrail, callerOf(account), { Name: name, IsOrganizationTrail: true }))).toBe(
      expected,
    );
    const trail = (await call(getTrail, callerOf(account), { Name: name })).Trail as Record<string, unknown>;
    expect(trail.IsOrganizationTrail).toBe(expected === 'ok');
    await call(deleteTrail, callerOf(account), { Name: name });
  });

  it('records the organisation on the trail, and forgets it when the trail is one no more', async () => {
    const arn = `arn:aws:cloudtrail:us-east-1:${MANAGEMENT}:trail/org-trail`;
    expect((await ctx.trails.getByArn(MANAGEMENT, arn))?.organizationId).toBe(org.id);
    await call(createTrail, callerOf(MANAGEMENT), {
      Name: 'flip',
      S3BucketName: 'org-logs',
      IsOrganizationTrail: true,
    });
    await call(updateTrail, callerOf(MANAGEMENT), { Name: 'flip', IsOrganizationTrail: false });
    const flipped = await ctx.trails.getByArn(MANAGEMENT, `arn:aws:cloudtrail:us-east-1:${MANAGEMENT}:trail/flip`);
    expect(flipped?.isOrganizationTrail).toBe(false);
    expect(flipped?.organizationId).toBeUndefined();
    await call(deleteTrail, callerOf(MANAGEMENT), { Name: 'flip' });
  });
});

describe('what a member account sees of the organisation trail', () => {
  const listed = async (caller: Caller, input: Record<string, unknown> = {}) =>
    ((await call(describeTrails, caller, input)).trailList as Record<string, unknown>[]).map((t) => t.TrailARN);

  it('DescribeTrails, GetTrail and ListTrails show it with the management account’s ARN', async () => {
    expect(await listed(callerOf(MEMBER))).toEqual([ORG_TRAIL_ARN]);
    const trail = (await call(getTrail, callerOf(MEMBER), { Name: 'org-trail' })).Trail as Record<string, unknown>;
    expect(trail).toMatchObject({ TrailARN: ORG_TRAIL_ARN, IsOrganizationTrail: true, HomeRegion: 'us-east-1' });
    expect(((await call(listTrails, callerOf(MEMBER), {})).Trails as { TrailARN: string }[])[0]?.TrailARN).toBe(
      ORG_TRAIL_ARN,
    );
    expect((await call(getTrailStatus, callerOf(MEMBER), { Name: ORG_TRAIL_ARN })).IsLogging).toBe(false);
    expect((await call(getEventSelectors, callerOf(MEMBER), { TrailName: ORG_TRAIL_ARN })).TrailARN).toBe(
      ORG_TRAIL_ARN,
    );
  });

  it('as a shadow trail in other regions, left out with includeShadowTrails=false', async () => {
    expect(await listed(callerOf(MEMBER, 'eu-west-1'))).toEqual([ORG_TRAIL_ARN]);
    expect(await listed(callerOf(MEMBER, 'eu-west-1'), { includeShadowTrails: false })).toEqual([]);
  });

  it('an account outside the organisation does not see it', async () => {
    expect(await listed(callerOf(OUTSIDER))).toEqual([]);
    expect(await codeOf(call(getTrail, callerOf(OUTSIDER), { Name: ORG_TRAIL_ARN }))).toBe('TrailNotFoundException');
  });

  const changes: [string, Operation, Record<string, unknown>][] = [
    ['UpdateTrail', updateTrail, { Name: ORG_TRAIL_ARN, S3KeyPrefix: 'mine' }],
    ['DeleteTrail', deleteTrail, { Name: ORG_TRAIL_ARN }],
    ['StartLogging', startLogging, { Name: 'org-trail' }],
    ['StopLogging', stopLogging, { Name: ORG_TRAIL_ARN }],
    [
      'PutEventSelectors',
      putEventSelectors,
      { TrailName: ORG_TRAIL_ARN, EventSelectors: [{ ReadWriteType: 'ReadOnly' }] },
    ],
  ];
  it.each(changes)(
    '%s from the member is refused with NotOrganizationMasterAccountException',
    async (_op, op, input) => {
      expect(await codeOf(call(op, callerOf(MEMBER), input))).toBe('NotOrganizationMasterAccountException');
      // Not from another region either: the ownership answer comes first.
      expect(await codeOf(call(op, callerOf(MEMBER, 'eu-west-1'), input))).toBe(
        'NotOrganizationMasterAccountException',
      );
    },
  );

  it('the management account changes it in its home region only', async () => {
    expect(await codeOf(call(startLogging, callerOf(MANAGEMENT, 'eu-west-1'), { Name: 'org-trail' }))).toBe(
      'InvalidHomeRegionException',
    );
    expect(await codeOf(call(startLogging, callerOf(MANAGEMENT), { Name: 'org-trail' }))).toBe('ok');
    expect((await call(getTrailStatus, callerOf(MEMBER), { Name: 'org-trail' })).IsLogging).toBe(true);
  });
});

describe('the signing region', () => {
  it('is where a trail is created: its home region and ARN', async () => {
    const created = await call(createTrail, callerOf(OUTSIDER, 'ap-south-1'), {
      Name: 'mumbai',
      S3BucketName: 'logs-1',
    });
    expect(created.TrailARN).toBe(`arn:aws:cloudtrail:ap-south-1:${OUTSIDER}:trail/mumbai`);
    expect(await codeOf(call(getTrail, callerOf(OUTSIDER, 'us-east-1'), { Name: 'mumbai' }))).toBe(
      'TrailNotFoundException',
    );
    const trail = (await call(getTrail, callerOf(OUTSIDER, 'ap-south-1'), { Name: 'mumbai' })).Trail as Record<
      string,
      unknown
    >;
    expect(trail.HomeRegion).toBe('ap-south-1');
  });

  it('falls back to the server’s region for a caller without one', async () => {
    const { signingRegion: _none, ...unsigned } = callerOf(OUTSIDER);
    const created = await call(createTrail, unsigned, { Name: 'server-region', S3BucketName: 'logs-1' });
    expect(created.TrailARN).toBe(`arn:aws:cloudtrail:us-east-1:${OUTSIDER}:trail/server-region`);
  });
});
