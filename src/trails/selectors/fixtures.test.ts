import { describe, expect, it } from 'vitest';
import { allFixtureRecords, jsonClone, normalized } from '../../../test/helpers/embedded.js';
import { compileTrailSelectors, defaultSelectors, parseAdvancedEventSelectors, parseEventSelectors } from './index.js';

/**
 * Selectors over the team's real records (Stratus Red Team detonations and the User Guide's
 * examples, normalised as an import would): every management event, and nothing else, passes
 * the default selector; the console's "all management events" advanced selector agrees with it.
 */
const records = allFixtureRecords().map((r) => normalized(jsonClone(r), { profile: 'archive' }).record);

describe('selectors over the fixture records', () => {
  const isInsight = (r: (typeof records)[number]) => r.eventCategory === 'Insight';

  it('the default selector keeps every management event and no Insights event', () => {
    const m = compileTrailSelectors(defaultSelectors());
    const kept = records.filter((r) => m.matches(r));
    expect(records.length).toBeGreaterThan(300);
    expect(kept.length).toBe(records.filter((r) => !isInsight(r)).length);
    expect(records.filter(isInsight).some((r) => m.matches(r))).toBe(false);
  });

  it('basic and advanced forms of "write management events, no KMS" agree on every record', () => {
    const basic = compileTrailSelectors({
      kind: 'basic',
      eventSelectors: parseEventSelectors([
        { ReadWriteType: 'WriteOnly', ExcludeManagementEventSources: ['kms.amazonaws.com'] },
      ]),
    });
    const advanced = compileTrailSelectors({
      kind: 'advanced',
      advancedEventSelectors: parseAdvancedEventSelectors([
        {
          FieldSelectors: [
            { Field: 'eventCategory', Equals: ['Management'] },
            { Field: 'readOnly', Equals: ['false'] },
            { Field: 'eventSource', NotEquals: ['kms.amazonaws.com'] },
          ],
        },
      ]),
    });
    const differ = records.filter((r) => basic.matches(r) !== advanced.matches(r)).map((r) => r.eventID);
    expect(differ).toEqual([]);
    const kept = records.filter((r) => basic.matches(r));
    expect(kept.length).toBeGreaterThan(0);
    expect(kept.length).toBeLessThan(records.length);
    expect(kept.every((r) => r.readOnly !== true && r.eventSource !== 'kms.amazonaws.com')).toBe(true);
  });
});
