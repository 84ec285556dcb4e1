import { validateTags } from '../../../trails/model.js';
import { requiredString } from '../../params.js';
import type { Operation } from '../operation.js';
import { tagsList } from './trail-params.js';
import { resolveTagResource, withTrailErrors } from './trail-shape.js';

/** AddTags: overwrites the values of keys the trail has; 50 tags a trail at most. */
export const addTags: Operation = {
  name: 'AddTags',
  readOnly: false,
  async handle(input, { ctx, caller }) {
    return withTrailErrors(async () => {
      const trail = await resolveTagResource(requiredString(input, 'ResourceId'), ctx, caller);
      const tags = tagsList(input, 'TagsList');
      if (tags === undefined) requiredString(input, 'TagsList');
      validateTags(tags!);
      await ctx.trails.addTags(trail.trailArn, tags!);
      return {};
    });
  },
};
