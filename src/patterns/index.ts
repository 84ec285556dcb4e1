/** The two pattern languages (DESIGN §3 Matcher): EventBridge event patterns and CloudWatch Logs filter patterns. */
export type { Explanation, Matcher } from './matcher.js';
export { EventPatternError, FilterPatternError } from './errors.js';
export { compileEventPattern, MAX_BRANCHES, NUMERIC_LIMIT } from './event-pattern.js';
export {
  compileFilterPattern,
  extractValue,
  MAX_FILTER_PATTERN_LENGTH,
  type FilterPatternKind,
  type FilterPatternMatcher,
} from './filter-pattern.js';
export {
  cloudTrailEnvelope,
  detailTypeOf,
  sourceOf,
  DETAIL_TYPE,
  type CloudTrailEnvelope,
  type EnvelopeOptions,
} from './envelope.js';
