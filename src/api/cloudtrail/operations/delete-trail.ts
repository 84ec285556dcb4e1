import { requiredString } from '../../params.js';
import type { Operation } from '../operation.js';
import { resolveTrail, trailNotFound, withTrailErrors } from './trail-shape.js';

/** DeleteTrail: home region only; the trail's delivered files stay in the bucket. */
export const deleteTrail: Operation = {
  name: 'DeleteTrail',
  readOnly: false,
  async handle(input, { ctx, caller }) {
    return withTrailErrors(async () => {
      const ref = requiredString(input, 'Name');
      const trail = await resolveTrail(ref, ctx, caller, { homeOnly: true });
      if (!(await ctx.trails.delete(caller.accountId, trail.trailArn))) throw trailNotFound(ref, caller);
      return {};
    });
  },
};
