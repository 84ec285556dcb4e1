/**
 * The CloudWatch filter-pattern engine the monitor runs on: src/patterns' compiler, and its
 * selector resolver for raw values (metric values must be numbers, dimension values are strings,
 * so the monitor needs the value before any conversion).
 */
import { compileFilterPattern } from '../patterns/filter-pattern.js';
import { parseSelector, resolve, type Step } from '../patterns/filter-pattern/selector.js';
import type { FilterPatternEngine } from './metric-filters.js';

const selectors = new Map<string, Step[]>();

function stepsOf(selector: string): Step[] {
  let steps = selectors.get(selector);
  if (!steps) {
    const text = selector.trim();
    const parsed = parseSelector(text, 0);
    if (parsed.end !== text.length) throw new Error(`unexpected text after the selector ${JSON.stringify(selector)}`);
    steps = parsed.steps;
    // Selectors come from stored filters: a bounded cache is plenty.
    if (selectors.size < 10_000) selectors.set(selector, steps);
  }
  return steps;
}

export const cloudWatchFilterEngine: FilterPatternEngine = {
  compile: (pattern) => compileFilterPattern(pattern),
  valueAt: (event, selector) => resolve(event, stepsOf(selector)),
};
