import { trailShape } from '../../../trails/model.js';
import { requiredString } from '../../params.js';
import type { Operation } from '../operation.js';
import { resolveTrail, withTrailErrors } from './trail-shape.js';

export const getTrail: Operation = {
  name: 'GetTrail',
  readOnly: true,
  async handle(input, { ctx, caller }) {
    return withTrailErrors(async () => {
      const trail = await resolveTrail(requiredString(input, 'Name'), ctx, caller);
      return { Trail: trailShape(trail) };
    });
  },
};
