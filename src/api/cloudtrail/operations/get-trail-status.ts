import { trailStatusShape } from '../../../trails/model.js';
import { requiredString } from '../../params.js';
import type { Operation } from '../operation.js';
import { resolveTrail, withTrailErrors } from './trail-shape.js';

export const getTrailStatus: Operation = {
  name: 'GetTrailStatus',
  readOnly: true,
  async handle(input, { ctx, caller }) {
    return withTrailErrors(async () => {
      const trail = await resolveTrail(requiredString(input, 'Name'), ctx, caller);
      return trailStatusShape(await ctx.trails.status(trail.trailArn));
    });
  },
};
