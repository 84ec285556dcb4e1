import { describe, expect, it } from 'vitest';
import {
  coversAccount,
  coversRegion,
  digestAccounts,
  isGlobalServiceEvent,
  type OrganizationMembership,
} from './event-scope.js';
import type { Trail } from './model.js';
import { defaultSelectors } from './selectors/types.js';

const MANAGEMENT = '111111111111';
const MEMBER = '222222222222';
const OUTSIDER = '333333333333';
const OTHER_ORG_MEMBER = '444444444444';

/** Two organisations: ours (management + member) and another one. */
const memberships: OrganizationMembership = {
  organizationOf(accountId) {
    if (accountId === MANAGEMENT || accountId === MEMBER)
      return { id: 'o-ourorg0001', accountIds: [MANAGEMENT, MEMBER] };
    if (accountId === OTHER_ORG_MEMBER) return { id: 'o-otherorg01', accountIds: [OTHER_ORG_MEMBER] };
    return undefined;
  },
};

function trail(overrides: Partial<Trail> = {}): Trail {
  return {
    accountId: MANAGEMENT,
    name: 't',
    homeRegion: 'eu-west-1',
    trailArn: `arn:aws:cloudtrail:eu-west-1:${MANAGEMENT}:trail/t`,
    s3BucketName: 'bucket',
    includeGlobalServiceEvents: true,
    isMultiRegionTrail: false,
    isOrganizationTrail: false,
    logFileValidationEnabled: false,
    selectors: defaultSelectors(),
    hasCustomEventSelectors: false,
    hasInsightSelectors: false,
    createdAtMs: 0,
    updatedAtMs: 0,
    ...overrides,
  };
}

const ORG_TRAIL = { isOrganizationTrail: true, organizationId: 'o-ourorg0001' };

describe('coversAccount', () => {
  const cases: [string, Partial<Trail>, string, OrganizationMembership | undefined, boolean][] = [
    ['own account, account trail', {}, MANAGEMENT, memberships, true],
    ['member, account trail', {}, MEMBER, memberships, false],
    ['own account, organisation trail', ORG_TRAIL, MANAGEMENT, memberships, true],
    ['member, organisation trail', ORG_TRAIL, MEMBER, memberships, true],
    ['outsider, organisation trail', ORG_TRAIL, OUTSIDER, memberships, false],
    ['member of another organisation', ORG_TRAIL, OTHER_ORG_MEMBER, memberships, false],
    ['member, no memberships known', ORG_TRAIL, MEMBER, undefined, false],
    ['member, flag without organisation id', { isOrganizationTrail: true }, MEMBER, memberships, false],
    ['member, organisation id but flag off', { organizationId: 'o-ourorg0001' }, MEMBER, memberships, false],
  ];
  it.each(cases)('%s', (_what, overrides, account, orgs, expected) => {
    expect(coversAccount(trail(overrides), account, orgs)).toBe(expected);
  });
});

describe('coversRegion and IncludeGlobalServiceEvents', () => {
  const iamEvent = { eventSource: 'iam.amazonaws.com', awsRegion: 'us-east-1' };
  const cases: [string, Partial<Trail>, { eventSource: string; awsRegion: string }, boolean][] = [
    ['home region event, single-region trail', {}, { eventSource: 'ec2.amazonaws.com', awsRegion: 'eu-west-1' }, true],
    [
      'other region event, single-region trail',
      {},
      { eventSource: 'ec2.amazonaws.com', awsRegion: 'us-west-2' },
      false,
    ],
    [
      'other region event, multi-region trail',
      { isMultiRegionTrail: true },
      { eventSource: 'ec2.amazonaws.com', awsRegion: 'us-west-2' },
      true,
    ],
    ['global event, multi-region trail', { isMultiRegionTrail: true }, iamEvent, true],
    ['global event, us-east-1 trail including them', { homeRegion: 'us-east-1' }, iamEvent, true],
    [
      'global event, us-east-1 trail excluding them',
      { homeRegion: 'us-east-1', includeGlobalServiceEvents: false },
      iamEvent,
      false,
    ],
    [
      'regional event in us-east-1, trail excluding global events',
      { homeRegion: 'us-east-1', includeGlobalServiceEvents: false },
      { eventSource: 'ec2.amazonaws.com', awsRegion: 'us-east-1' },
      true,
    ],
    [
      'regional STS endpoint event, trail excluding global events',
      { homeRegion: 'eu-west-1', includeGlobalServiceEvents: false },
      { eventSource: 'sts.amazonaws.com', awsRegion: 'eu-west-1' },
      true,
    ],
    ['global event, eu-west-1 single-region trail', {}, iamEvent, false],
  ];
  it.each(cases)('%s', (_what, overrides, record, expected) => {
    expect(coversRegion(trail(overrides), record)).toBe(expected);
  });

  const sources: [string, string, boolean][] = [
    ['iam.amazonaws.com', 'us-east-1', true],
    ['sts.amazonaws.com', 'us-east-1', true],
    ['cloudfront.amazonaws.com', 'us-east-1', true],
    ['signin.amazonaws.com', 'us-east-1', true],
    ['route53.amazonaws.com', 'us-east-1', true],
    ['sts.amazonaws.com', 'eu-west-1', false],
    ['s3.amazonaws.com', 'us-east-1', false],
    ['cloudtrail.amazonaws.com', 'us-east-1', false],
  ];
  it.each(sources)('isGlobalServiceEvent(%s in %s) is %s', (eventSource, awsRegion, expected) => {
    expect(isGlobalServiceEvent({ eventSource, awsRegion })).toBe(expected);
  });
});

describe('digestAccounts', () => {
  it('is the trail’s own account for an account trail', () => {
    expect(digestAccounts(trail(), memberships)).toEqual([MANAGEMENT]);
  });
  it('is every account of the organisation, management first, for an organisation trail', () => {
    expect(digestAccounts(trail(ORG_TRAIL), memberships)).toEqual([MANAGEMENT, MEMBER]);
  });
  it('is the own account when the management account is no longer in that organisation', () => {
    expect(digestAccounts(trail({ ...ORG_TRAIL, organizationId: 'o-goneorg001' }), memberships)).toEqual([MANAGEMENT]);
  });
});
