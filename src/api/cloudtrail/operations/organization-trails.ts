/**
 * Organisation trails as the API sees them (DESIGN §5): only an organisation's management account
 * creates one (or turns a trail into one); every member account sees it — under the management
 * account's ARN, as AWS shows it — but only the management account may change it.
 */
import type { Organization } from '../../../auth/organizations.js';
import type { Trail } from '../../../trails/model.js';
import type { AppContext, Caller } from '../../context.js';
import { ApiError } from '../../errors.js';

/**
 * The organisation an organisation trail of the caller's would belong to. AWS's refusals:
 * OrganizationsNotInUseException when the account is in no organisation,
 * NotOrganizationMasterAccountException when it is a member but not the management account.
 * (OrganizationNotInAllFeaturesModeException cannot happen: every organisation here has all features.)
 */
export function organizationForNewTrail(ctx: AppContext, caller: Caller): Organization {
  const org = ctx.organizations?.organizationOf(caller.accountId);
  if (!org) {
    throw new ApiError(
      'OrganizationsNotInUseException',
      `Account ${caller.accountId} is not a member of an organization; IsOrganizationTrail needs the management account of one (opentrail orgs create).`,
    );
  }
  if (org.managementAccountId !== caller.accountId) {
    throw new ApiError(
      'NotOrganizationMasterAccountException',
      `Account ${caller.accountId} is a member of organization ${org.id}, not its management account (${org.managementAccountId}); only the management account can create or update an organization trail.`,
    );
  }
  return org;
}

/**
 * The organisation trails a member account sees: those of its organisation's management account
 * that are organisation trails of that organisation. None for the management account itself
 * (they are its own trails) or an account in no organisation.
 */
export async function organizationTrailsSeenBy(ctx: AppContext, caller: Caller): Promise<Trail[]> {
  const org = ctx.organizations?.organizationOf(caller.accountId);
  if (!org || org.managementAccountId === caller.accountId) return [];
  const trails = await ctx.trails.listAccount(org.managementAccountId);
  return trails.filter((t) => t.isOrganizationTrail && t.organizationId === org.id);
}

/** A member account tried to change (update, delete, start, stop, select for) an organisation trail. */
export function memberCannotChange(trail: Trail, caller: Caller): ApiError {
  return new ApiError(
    'NotOrganizationMasterAccountException',
    `The trail ${trail.trailArn} is an organization trail of ${trail.organizationId ?? 'an organization'}; only its management account ${trail.accountId} can change it, not member account ${caller.accountId}.`,
  );
}
