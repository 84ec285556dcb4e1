import { ApiError } from '../../errors.js';
import { optionalArray, optionalString } from '../../params.js';
import type { Operation } from '../operation.js';
import { resolveTagResource, withTrailErrors } from './trail-shape.js';

const MAX_RESOURCE_IDS = 20;

/**
 * ListTags for up to 20 trail ARNs, in the order asked. Every answer fits one page, so this
 * server never issues a NextToken and refuses any it is given.
 */
export const listTags: Operation = {
  name: 'ListTags',
  readOnly: true,
  async handle(input, { ctx, caller }) {
    return withTrailErrors(async () => {
      const ids = optionalArray(input, 'ResourceIdList');
      if (ids === undefined) {
        throw new ApiError(
          'ValidationException',
          "1 validation error detected: Value null at 'resourceIdList' failed to satisfy constraint: Member must not be null",
        );
      }
      if (ids.length > MAX_RESOURCE_IDS) {
        throw new ApiError(
          'InvalidParameterException',
          `ResourceIdList can name at most ${MAX_RESOURCE_IDS} resources; the request names ${ids.length}.`,
        );
      }
      if (optionalString(input, 'NextToken') !== undefined) {
        throw new ApiError('InvalidTokenException', 'The NextToken is not valid: this server never issued it.');
      }
      const out = [];
      for (const [i, id] of ids.entries()) {
        if (typeof id !== 'string')
          throw new ApiError('SerializationException', `ResourceIdList[${i}] must be a string.`);
        const trail = await resolveTagResource(id, ctx, caller);
        out.push({ ResourceId: id, TagsList: await ctx.trails.listTags(trail.trailArn) });
      }
      return { ResourceTagList: out };
    });
  },
};
