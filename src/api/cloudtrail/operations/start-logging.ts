import { requiredString } from '../../params.js';
import type { Operation } from '../operation.js';
import { resolveTrail, withTrailErrors } from './trail-shape.js';

/** StartLogging: home region only (a shadow trail answers InvalidHomeRegionException). */
export const startLogging: Operation = {
  name: 'StartLogging',
  readOnly: false,
  async handle(input, { ctx, caller }) {
    return withTrailErrors(async () => {
      const trail = await resolveTrail(requiredString(input, 'Name'), ctx, caller, { homeOnly: true });
      await ctx.trails.setLogging(trail.trailArn, true);
      return {};
    });
  },
};
