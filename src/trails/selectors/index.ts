import type { CloudTrailRecord } from '../../event/types.js';
import type { Matcher } from '../../patterns/matcher.js';
import { compileAdvancedEventSelectors } from './advanced.js';
import { compileEventSelectors } from './basic.js';
import type { TrailSelectors } from './types.js';

export * from './types.js';
export { parseEventSelectors, compileEventSelectors, MAX_EVENT_SELECTORS, MAX_DATA_RESOURCES } from './basic.js';
export {
  parseAdvancedEventSelectors,
  compileAdvancedEventSelectors,
  MAX_ADVANCED_CONDITION_VALUES,
  TRAIL_EVENT_CATEGORIES,
} from './advanced.js';

/** Compiles a trail's selectors, whichever kind it has, into the matcher delivery runs per event. */
export function compileTrailSelectors(selectors: TrailSelectors): Matcher<CloudTrailRecord> {
  return selectors.kind === 'basic'
    ? compileEventSelectors(selectors.eventSelectors)
    : compileAdvancedEventSelectors(selectors.advancedEventSelectors);
}
