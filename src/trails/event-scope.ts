/**
 * Which accounts' and regions' events a trail covers, before its selectors look at them:
 *
 * - accounts: the trail's own; for an organisation trail, every account of its organisation at
 *   the time the event is read (members present and future; an account that left is no longer
 *   covered);
 * - regions: the home region, or every region for a multi-region trail;
 * - global service events (IAM, STS, CloudFront, console sign-in, Route 53: recorded in
 *   us-east-1 by AWS): only when IncludeGlobalServiceEvents is true (the default; multi-region
 *   trails must have it).
 */
import type { CloudTrailRecord } from '../event/types.js';
import type { Trail } from './model.js';

/**
 * The organisation an account is in, as delivery needs it. Implemented by the organisation store
 * (src/auth/organizations.ts); a synchronous lookup, because it runs for every event read.
 */
export interface OrganizationMembership {
  organizationOf(accountId: string): { id: string; accountIds: readonly string[] } | undefined;
}

/**
 * Services CloudTrail treats as global: their events are recorded in us-east-1 and delivered only
 * to trails that include global service events (AWS names CloudFront, IAM, STS and sign-in as the
 * four; Route 53's control plane is global the same way).
 */
export const GLOBAL_SERVICE_EVENT_SOURCES: ReadonlySet<string> = new Set([
  'iam.amazonaws.com',
  'sts.amazonaws.com',
  'cloudfront.amazonaws.com',
  'signin.amazonaws.com',
  'route53.amazonaws.com',
]);

/** The region where AWS records global service events. */
export const GLOBAL_SERVICE_REGION = 'us-east-1';

/**
 * A global service event: a global service's event recorded in us-east-1 (an STS call to a
 * regional endpoint elsewhere is a regional event of that region, as in AWS).
 */
export function isGlobalServiceEvent(record: Pick<CloudTrailRecord, 'eventSource' | 'awsRegion'>): boolean {
  return (
    record.awsRegion === GLOBAL_SERVICE_REGION &&
    record.eventSource !== undefined &&
    GLOBAL_SERVICE_EVENT_SOURCES.has(record.eventSource)
  );
}

/** The organisation whose folder an organisation trail delivers into (`AWSLogs/o-…/ACCOUNT/…`). */
export function deliveryOrganizationId(trail: Trail): string | undefined {
  return trail.isOrganizationTrail ? trail.organizationId : undefined;
}

/** Whether the trail covers events of `accountId` (organisation membership is read now). */
export function coversAccount(trail: Trail, accountId: string, organizations?: OrganizationMembership): boolean {
  if (accountId === trail.accountId) return true;
  const orgId = deliveryOrganizationId(trail);
  if (orgId === undefined || organizations === undefined) return false;
  return organizations.organizationOf(accountId)?.id === orgId;
}

/** Whether the trail covers an event of this region and service, by its region and global-service settings. */
export function coversRegion(trail: Trail, record: Pick<CloudTrailRecord, 'eventSource' | 'awsRegion'>): boolean {
  if (!trail.isMultiRegionTrail && record.awsRegion !== trail.homeRegion) return false;
  return trail.includeGlobalServiceEvents || !isGlobalServiceEvent(record);
}

/**
 * The accounts an organisation trail's digests are written for each period (every current
 * account of the organisation, the management account first); just the trail's own otherwise.
 */
export function digestAccounts(trail: Trail, organizations?: OrganizationMembership): string[] {
  const orgId = deliveryOrganizationId(trail);
  const org = orgId !== undefined ? organizations?.organizationOf(trail.accountId) : undefined;
  if (!org || org.id !== orgId) return [trail.accountId];
  return [trail.accountId, ...org.accountIds.filter((a) => a !== trail.accountId)];
}
