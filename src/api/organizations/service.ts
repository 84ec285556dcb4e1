/**
 * AWS Organizations' read operations (`AWSOrganizationsV20161128.<Operation>`, SigV4 service
 * `organizations`, AWS JSON 1.1) over the organisation store: DescribeOrganization for any account
 * of an organisation, ListAccounts for its management account. Organisations are made with
 * `opentrail orgs`; the Organizations write operations are not served.
 */
import type { Organization } from '../../auth/organizations.js';
import type { AppContext, Caller } from '../context.js';
import { ApiError } from '../errors.js';
import type { JsonOperation, JsonService } from '../json-service.js';

/** `arn:aws:organizations::MANAGEMENT:organization/o-…` */
export function organizationArn(org: Organization): string {
  return `arn:aws:organizations::${org.managementAccountId}:organization/${org.id}`;
}

/** `arn:aws:organizations::MANAGEMENT:account/o-…/ACCOUNT` */
export function accountArn(org: Organization, accountId: string): string {
  return `arn:aws:organizations::${org.managementAccountId}:account/${org.id}/${accountId}`;
}

/** The caller's organisation, or AWS's AWSOrganizationsNotInUseException. */
function organizationOf(ctx: AppContext, caller: Caller): Organization {
  const org = ctx.organizations?.organizationOf(caller.accountId);
  if (!org) {
    throw new ApiError(
      'AWSOrganizationsNotInUseException',
      `Your account is not a member of an organization (account ${caller.accountId}; opentrail orgs create makes one).`,
    );
  }
  return org;
}

const describeOrganization: JsonOperation = {
  name: 'DescribeOrganization',
  readOnly: true,
  async handle(_input, { ctx, caller }) {
    const org = organizationOf(ctx, caller);
    return {
      Organization: {
        Id: org.id,
        Arn: organizationArn(org),
        FeatureSet: org.featureSet,
        MasterAccountArn: accountArn(org, org.managementAccountId),
        MasterAccountId: org.managementAccountId,
        AvailablePolicyTypes: [],
      },
    };
  },
};

/** Accounts a ListAccounts page holds (AWS's default and maximum are 20). */
export const LIST_ACCOUNTS_PAGE = 20;

const listAccounts: JsonOperation = {
  name: 'ListAccounts',
  readOnly: true,
  async handle(input, { ctx, caller }) {
    const org = organizationOf(ctx, caller);
    if (org.managementAccountId !== caller.accountId) {
      // AWS answers a member's ListAccounts this way: only the management account (or a delegated administrator) may list.
      throw new ApiError(
        'AccessDeniedException',
        `You don't have permissions to access this resource: account ${caller.accountId} is a member of ${org.id}, not its management account.`,
      );
    }
    const max = input.MaxResults ?? LIST_ACCOUNTS_PAGE;
    if (typeof max !== 'number' || !Number.isInteger(max) || max < 1 || max > LIST_ACCOUNTS_PAGE) {
      throw new ApiError('InvalidInputException', `MaxResults must be an integer from 1 to ${LIST_ACCOUNTS_PAGE}.`);
    }
    let start = 0;
    if (input.NextToken !== undefined) {
      // The token is the account the next page starts after, so removals between pages skip nobody.
      const after = typeof input.NextToken === 'string' ? Buffer.from(input.NextToken, 'base64url').toString() : '';
      const index = org.accountIds.indexOf(after.replace(/^accounts:/, ''));
      if (!after.startsWith('accounts:') || index < 0) {
        throw new ApiError('InvalidInputException', 'The NextToken is not valid for this organization.');
      }
      start = index + 1;
    }
    const page = org.accountIds.slice(start, start + max);
    const more = start + max < org.accountIds.length;
    return {
      Accounts: page.map((id) => ({
        Id: id,
        Arn: accountArn(org, id),
        Status: 'ACTIVE',
        State: 'ACTIVE',
        JoinedMethod: id === org.managementAccountId ? 'CREATED' : 'INVITED',
      })),
      ...(more ? { NextToken: Buffer.from(`accounts:${page[page.length - 1]!}`).toString('base64url') } : {}),
    };
  },
};

const OPERATIONS = [describeOrganization, listAccounts];

export const ORGANIZATIONS_SERVICE: JsonService = {
  targetPrefix: 'AWSOrganizationsV20161128',
  actionPrefix: 'organizations',
  eventSource: 'organizations.amazonaws.com',
  operations: new Map(OPERATIONS.map((o) => [o.name, o])),
  mapError() {
    return undefined;
  },
};
