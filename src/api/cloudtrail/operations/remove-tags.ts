import { requiredString } from '../../params.js';
import type { Operation } from '../operation.js';
import { tagsList } from './trail-params.js';
import { resolveTagResource, withTrailErrors } from './trail-shape.js';

/** RemoveTags: removes the named keys; keys the trail does not have are ignored. */
export const removeTags: Operation = {
  name: 'RemoveTags',
  readOnly: false,
  async handle(input, { ctx, caller }) {
    return withTrailErrors(async () => {
      const trail = await resolveTagResource(requiredString(input, 'ResourceId'), ctx, caller);
      const tags = tagsList(input, 'TagsList');
      if (tags === undefined) requiredString(input, 'TagsList');
      await ctx.trails.removeTags(trail.trailArn, tags!);
      return {};
    });
  },
};
