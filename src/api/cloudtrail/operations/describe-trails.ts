import { isVisibleIn, parseTrailRef, trailShape, type Trail } from '../../../trails/model.js';
import { requestRegion } from '../../context.js';
import { ApiError } from '../../errors.js';
import { optionalArray } from '../../params.js';
import type { Operation } from '../operation.js';
import { organizationTrailsSeenBy } from './organization-trails.js';
import { optionalBoolean } from './trail-params.js';
import { withTrailErrors } from './trail-shape.js';

/**
 * DescribeTrails, in the region the request was signed for. No names: every trail of this region,
 * plus the shadows of multi-region trails from other regions unless includeShadowTrails is false.
 * Names match only this region's own trails; a trail of another region is named by its ARN.
 * Unknown names are left out, not errors. A member account sees its organisation's trails too,
 * under the management account's ARN, as AWS shows them.
 */
export const describeTrails: Operation = {
  name: 'DescribeTrails',
  readOnly: true,
  async handle(input, { ctx, caller }) {
    return withTrailErrors(async () => {
      const names = (optionalArray(input, 'trailNameList') ?? []).map((n, i) => {
        if (typeof n !== 'string')
          throw new ApiError('SerializationException', `trailNameList[${i}] must be a string.`);
        return parseTrailRef(n);
      });
      const includeShadowTrails = optionalBoolean(input, 'includeShadowTrails') ?? true;
      const region = requestRegion(ctx, caller);
      const all = [
        ...(await ctx.trails.listAccount(caller.accountId)),
        ...(await organizationTrailsSeenBy(ctx, caller)),
      ];
      let trails: Trail[];
      if (names.length === 0) {
        trails = all.filter((t) => (includeShadowTrails ? isVisibleIn(t, region) : t.homeRegion === region));
      } else {
        trails = all.filter((t) =>
          names.some((ref) =>
            ref.kind === 'arn' ? ref.arn === t.trailArn : ref.name === t.name && t.homeRegion === region,
          ),
        );
      }
      return { trailList: trails.map(trailShape) };
    });
  },
};
