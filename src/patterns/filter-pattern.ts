/** CloudWatch Logs filter patterns: the public entry point (implementation in filter-pattern/). */
export {
  compileFilterPattern,
  MAX_FILTER_PATTERN_LENGTH,
  type FilterPatternKind,
  type FilterPatternMatcher,
} from './filter-pattern/compile.js';
export { extractValue } from './filter-pattern/selector.js';
