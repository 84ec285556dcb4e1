import type { TrailSelectors } from '../../../trails/selectors/index.js';
import { requiredString } from '../../params.js';
import type { Operation } from '../operation.js';
import { resolveTrail, withTrailErrors } from './trail-shape.js';

/** `{TrailARN, EventSelectors}` or `{TrailARN, AdvancedEventSelectors}`, whichever kind the trail has. */
export function eventSelectorsShape(trailArn: string, selectors: TrailSelectors): Record<string, unknown> {
  return selectors.kind === 'basic'
    ? { TrailARN: trailArn, EventSelectors: selectors.eventSelectors }
    : { TrailARN: trailArn, AdvancedEventSelectors: selectors.advancedEventSelectors };
}

export const getEventSelectors: Operation = {
  name: 'GetEventSelectors',
  readOnly: true,
  async handle(input, { ctx, caller }) {
    return withTrailErrors(async () => {
      const trail = await resolveTrail(requiredString(input, 'TrailName'), ctx, caller);
      return eventSelectorsShape(trail.trailArn, trail.selectors);
    });
  },
};
