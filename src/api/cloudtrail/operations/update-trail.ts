import { trailConfigShape } from '../../../trails/model.js';
import { requestRegion } from '../../context.js';
import { requiredString } from '../../params.js';
import type { Operation } from '../operation.js';
import { organizationForNewTrail } from './organization-trails.js';
import { checkCombination, readTrailConfig } from './trail-config.js';
import { resolveTrail, trailNotFound, withTrailErrors } from './trail-shape.js';

/**
 * UpdateTrail: members left out keep their values; an empty string clears an optional one.
 * Turning IsOrganizationTrail on needs the organisation's management account (and records the
 * organisation); turning it off leaves the trail to its own account again.
 */
export const updateTrail: Operation = {
  name: 'UpdateTrail',
  readOnly: false,
  async handle(input, { ctx, caller }) {
    return withTrailErrors(async () => {
      const ref = requiredString(input, 'Name');
      const trail = await resolveTrail(ref, ctx, caller, { homeOnly: true });
      const patch = readTrailConfig(input, { region: requestRegion(ctx, caller), accountId: caller.accountId });
      const merged = { ...trail };
      for (const [k, v] of Object.entries(patch)) {
        if (v === null) delete (merged as Record<string, unknown>)[k];
        else if (v !== undefined) (merged as Record<string, unknown>)[k] = v;
      }
      checkCombination(merged);
      if (patch.isOrganizationTrail === true) patch.organizationId = organizationForNewTrail(ctx, caller).id;
      else if (patch.isOrganizationTrail === false) patch.organizationId = null;
      const updated = await ctx.trails.update(caller.accountId, trail.trailArn, patch);
      if (!updated) throw trailNotFound(ref, caller);
      return trailConfigShape(updated);
    });
  },
};
