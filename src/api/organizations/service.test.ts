import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openEmbedded, removeDir, type Embedded } from '../../../test/helpers/embedded.js';
import { OrganizationStore, type Organization } from '../../auth/organizations.js';
import type { AppContext, Caller } from '../context.js';
import { ApiError } from '../errors.js';
import { serviceForTarget } from '../target-router.js';
import { LIST_ACCOUNTS_PAGE, ORGANIZATIONS_SERVICE } from './service.js';

const MANAGEMENT = '111111111111';
const MEMBER = '222222222222';
const OUTSIDER = '999999999999';

let env: Embedded;
let ctx: AppContext;
let org: Organization;

const callerOf = (accountId: string): Caller => ({
  accountId,
  accessKeyId: `AKIA${accountId}`,
  userName: 'admin',
  policy: 'administrator',
  sourceIp: '127.0.0.1',
  userAgent: 'test',
});

const call = (name: string, accountId: string, input: Record<string, unknown> = {}) =>
  ORGANIZATIONS_SERVICE.operations.get(name)!.handle(input, { ctx, caller: callerOf(accountId) });

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
  org = await orgs.create(MANAGEMENT, { id: 'o-exampleorg1' });
  await orgs.addAccount(org.id, MEMBER);
  // 25 more members: ListAccounts pages at 20.
  for (let i = 0; i < 25; i++) await orgs.addAccount(org.id, String(300000000000 + i));
  ctx = { organizations: orgs, region: 'us-east-1' } as unknown as AppContext;
});

afterAll(async () => {
  await env?.close();
  removeDir(env?.dir);
});

describe('AWS Organizations reads', () => {
  it('is routed on AWSOrganizationsV20161128.*', () => {
    expect(serviceForTarget('AWSOrganizationsV20161128.DescribeOrganization')).toBe(ORGANIZATIONS_SERVICE);
  });

  it('DescribeOrganization answers any account of the organisation with its shape', async () => {
    for (const account of [MANAGEMENT, MEMBER]) {
      expect(await call('DescribeOrganization', account)).toEqual({
        Organization: {
          Id: 'o-exampleorg1',
          Arn: `arn:aws:organizations::${MANAGEMENT}:organization/o-exampleorg1`,
          FeatureSet: 'ALL',
          MasterAccountArn: `arn:aws:organizations::${MANAGEMENT}:account/o-exampleorg1/${MANAGEMENT}`,
          MasterAccountId: MANAGEMENT,
          AvailablePolicyTypes: [],
        },
      });
    }
  });

  const refusals: [string, string, Record<string, unknown>, string][] = [
    ['DescribeOrganization', OUTSIDER, {}, 'AWSOrganizationsNotInUseException'],
    ['ListAccounts', OUTSIDER, {}, 'AWSOrganizationsNotInUseException'],
    ['ListAccounts', MEMBER, {}, 'AccessDeniedException'],
    ['ListAccounts', MANAGEMENT, { MaxResults: 0 }, 'InvalidInputException'],
    ['ListAccounts', MANAGEMENT, { MaxResults: 21 }, 'InvalidInputException'],
    ['ListAccounts', MANAGEMENT, { NextToken: 'bogus' }, 'InvalidInputException'],
  ];
  it.each(refusals)('%s from %s with %j: %s', async (name, account, input, code) => {
    expect(await codeOf(call(name, account, input))).toBe(code);
  });

  it('ListAccounts pages every account, management first, 20 a page', async () => {
    const first = await call('ListAccounts', MANAGEMENT);
    const page1 = first.Accounts as { Id: string; Arn: string; Status: string }[];
    expect(page1).toHaveLength(LIST_ACCOUNTS_PAGE);
    expect(page1[0]).toEqual({
      Id: MANAGEMENT,
      Arn: `arn:aws:organizations::${MANAGEMENT}:account/o-exampleorg1/${MANAGEMENT}`,
      Status: 'ACTIVE',
      State: 'ACTIVE',
      JoinedMethod: 'CREATED',
    });
    const second = await call('ListAccounts', MANAGEMENT, { NextToken: first.NextToken });
    expect(second.NextToken).toBeUndefined();
    const ids = [...page1, ...(second.Accounts as { Id: string }[])].map((a) => a.Id);
    expect(ids).toEqual(ctx.organizations!.get(org.id)!.accountIds);
    expect(ids.slice(0, 2)).toEqual([MANAGEMENT, MEMBER]);
    expect(new Set(ids).size).toBe(27);
  });
});
