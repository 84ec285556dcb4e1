/** EventBridge event patterns: the public entry point (implementation in event-pattern/). */
export { compileEventPattern, parseEventPattern, MAX_BRANCHES } from './event-pattern/compile.js';
export { NUMERIC_LIMIT } from './event-pattern/operators.js';
