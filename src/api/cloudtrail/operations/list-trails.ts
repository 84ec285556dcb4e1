import { trailInfoShape } from '../../../trails/model.js';
import { ApiError } from '../../errors.js';
import { optionalString } from '../../params.js';
import type { Operation } from '../operation.js';
import { organizationTrailsSeenBy } from './organization-trails.js';

/** Trails per ListTrails page (AWS takes no page size for this call). */
export const LIST_TRAILS_PAGE = 50;

/**
 * ListTrails: every trail of the account, in every region, and for a member account its
 * organisation's trails; ordered by ARN, 50 a page.
 */
export const listTrails: Operation = {
  name: 'ListTrails',
  readOnly: true,
  async handle(input, { ctx, caller }) {
    const token = optionalString(input, 'NextToken');
    const all = [...(await ctx.trails.listAccount(caller.accountId)), ...(await organizationTrailsSeenBy(ctx, caller))];
    all.sort((a, b) => (a.trailArn < b.trailArn ? -1 : a.trailArn > b.trailArn ? 1 : 0));
    let start = 0;
    if (token !== undefined) {
      // The token is the ARN the next page starts after, so deletions between pages skip nothing.
      const after = Buffer.from(token, 'base64url').toString('utf8');
      if (!after.startsWith('trails:')) throw new ApiError('InvalidNextTokenException', 'The NextToken is not valid.');
      const arn = after.slice('trails:'.length);
      start = all.findIndex((t) => t.trailArn > arn);
      if (start < 0) start = all.length;
    }
    const page = all.slice(start, start + LIST_TRAILS_PAGE);
    const more = start + LIST_TRAILS_PAGE < all.length;
    return {
      Trails: page.map(trailInfoShape),
      ...(more ? { NextToken: Buffer.from(`trails:${page[page.length - 1]!.trailArn}`).toString('base64url') } : {}),
    };
  },
};
