import {
  TrailConfigError,
  isVisibleIn,
  parseTrailArn,
  parseTrailRef,
  type Trail,
  type TrailRef,
} from '../../../trails/model.js';
import { TagsLimitError, TrailExistsError, TrailLimitError } from '../../../trails/repository.js';
import { InvalidEventSelectorsError, SelectorShapeError } from '../../../trails/selectors/types.js';
import { requestRegion, type AppContext, type Caller } from '../../context.js';
import { ApiError } from '../../errors.js';
import { memberCannotChange, organizationTrailsSeenBy } from './organization-trails.js';

/** Maps the trail module's errors to the AWS exceptions the API answers with; rethrows the rest. */
export function trailApiError(err: unknown): unknown {
  if (err instanceof TrailConfigError) return new ApiError(err.code, err.message);
  if (err instanceof InvalidEventSelectorsError) return new ApiError('InvalidEventSelectorsException', err.message);
  if (err instanceof SelectorShapeError) return new ApiError('SerializationException', err.message);
  if (err instanceof TrailExistsError) return new ApiError('TrailAlreadyExistsException', err.message);
  if (err instanceof TrailLimitError) return new ApiError('MaximumNumberOfTrailsExceededException', err.message);
  if (err instanceof TagsLimitError) return new ApiError('TagsLimitExceededException', err.message);
  return err;
}

/** Runs an operation body with the trail errors mapped. */
export async function withTrailErrors<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw trailApiError(err);
  }
}

export function trailNotFound(ref: string, caller: Caller): ApiError {
  return new ApiError('TrailNotFoundException', `Unknown trail: ${ref} for the user: ${caller.accountId}`);
}

/**
 * Resolves a `Name` / `TrailName` argument as seen from the region the request was signed for:
 * the caller's own trails first, then (for a member account) its organisation's trails. Changes
 * (`homeOnly`) are refused on an organisation trail from a member account
 * (NotOrganizationMasterAccountException) and on a shadow trail (InvalidHomeRegionException), as
 * in AWS.
 */
export async function resolveTrail(
  ref: string,
  ctx: AppContext,
  caller: Caller,
  options: { homeOnly?: boolean } = {},
): Promise<Trail> {
  const parsed = withConfigErrors(() => parseTrailRef(ref));
  const region = requestRegion(ctx, caller);
  const trail =
    (await ctx.trails.find(caller.accountId, region, parsed)) ??
    findOrganizationTrail(await organizationTrailsSeenBy(ctx, caller), region, parsed);
  if (!trail) throw trailNotFound(ref, caller);
  if (options.homeOnly && trail.accountId !== caller.accountId) throw memberCannotChange(trail, caller);
  if (options.homeOnly && trail.homeRegion !== region) {
    throw new ApiError(
      'InvalidHomeRegionException',
      `The trail ${trail.trailArn} can be changed only in its home region ${trail.homeRegion}; this request was made in ${region}.`,
    );
  }
  return trail;
}

/** The same resolution as TrailRepository.find, over the organisation trails a member sees. */
function findOrganizationTrail(trails: Trail[], region: string, ref: TrailRef): Trail | undefined {
  if (ref.kind === 'arn') return trails.find((t) => t.trailArn === ref.arn);
  const visible = trails.filter((t) => t.name === ref.name && isVisibleIn(t, region));
  return visible.find((t) => t.homeRegion === region) ?? visible[0];
}

/** Resolves a tag operation's ResourceId, which must be a trail ARN. */
export async function resolveTagResource(resourceId: string, ctx: AppContext, caller: Caller): Promise<Trail> {
  const parts = parseTrailArn(resourceId);
  if (!parts) {
    if (/^arn:[^:]+:cloudtrail:[^:]*:\d{12}:(channel|eventdatastore|dashboard)\//.test(resourceId)) {
      throw new ApiError(
        'ResourceTypeNotSupportedException',
        `Tags are supported on trails only here; ${resourceId} is not a trail.`,
      );
    }
    throw new ApiError(
      'CloudTrailARNInvalidException',
      `ResourceId ${resourceId} is not a valid trail ARN; expected arn:aws:cloudtrail:<region>:<account-id>:trail/<name>.`,
    );
  }
  const trail =
    parts.accountId === caller.accountId ? await ctx.trails.getByArn(caller.accountId, resourceId) : undefined;
  if (!trail) throw new ApiError('ResourceNotFoundException', `Resource ${resourceId} not found.`);
  return trail;
}

function withConfigErrors<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw trailApiError(err);
  }
}
