import {
  parseAdvancedEventSelectors,
  parseEventSelectors,
  type TrailSelectors,
} from '../../../trails/selectors/index.js';
import { ApiError } from '../../errors.js';
import { requiredString } from '../../params.js';
import type { Operation } from '../operation.js';
import { eventSelectorsShape } from './get-event-selectors.js';
import { resolveTrail, trailNotFound, withTrailErrors } from './trail-shape.js';

/** PutEventSelectors: exactly one kind of selector; putting one kind replaces the other. */
export const putEventSelectors: Operation = {
  name: 'PutEventSelectors',
  readOnly: false,
  async handle(input, { ctx, caller }) {
    return withTrailErrors(async () => {
      const ref = requiredString(input, 'TrailName');
      const basic = input.EventSelectors ?? undefined;
      const advanced = input.AdvancedEventSelectors ?? undefined;
      if ((basic === undefined) === (advanced === undefined)) {
        throw new ApiError(
          'InvalidParameterCombinationException',
          basic === undefined
            ? 'Specify either EventSelectors or AdvancedEventSelectors.'
            : 'Specify either EventSelectors or AdvancedEventSelectors, not both.',
        );
      }
      const selectors: TrailSelectors =
        basic !== undefined
          ? { kind: 'basic', eventSelectors: parseEventSelectors(basic) }
          : { kind: 'advanced', advancedEventSelectors: parseAdvancedEventSelectors(advanced) };
      const trail = await resolveTrail(ref, ctx, caller, { homeOnly: true });
      const updated = await ctx.trails.putSelectors(caller.accountId, trail.trailArn, selectors);
      if (!updated) throw trailNotFound(ref, caller);
      return eventSelectorsShape(updated.trailArn, updated.selectors);
    });
  },
};
