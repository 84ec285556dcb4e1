/**
 * The JSONPath subset EventBridge accepts in `InputPath` and `InputPathsMap`: `$`, dot notation
 * (names of letters, digits, `-`, `_`, `/`), and array indexes (`$.detail.resources[0].ARN`).
 * Compiled once into a list of steps; evaluating a path that is absent yields undefined.
 */
import { RuleError } from './errors.js';

export type PathStep = string | number;

const STEP = /^(?:\.([A-Za-z0-9_\-/@:]+)|\[(\d+)\])/;

/** Parses `$.a.b[0]`; throws ValidationException naming `member` when it is not a path EventBridge accepts. */
export function compileJsonPath(path: string, member: string): PathStep[] {
  if (!path.startsWith('$')) {
    throw new RuleError(
      'ValidationException',
      `${member}: ${JSON.stringify(path)} is not a JSON path; expected $ or $.field`,
    );
  }
  const steps: PathStep[] = [];
  let rest = path.slice(1);
  while (rest.length > 0) {
    const m = STEP.exec(rest);
    if (!m) {
      const at = path.length - rest.length + 1;
      throw new RuleError(
        'ValidationException',
        `${member}: ${JSON.stringify(path)} is not a JSON path EventBridge accepts: expected .name or [index] at column ${at}`,
      );
    }
    steps.push(m[1] !== undefined ? m[1] : Number(m[2]));
    rest = rest.slice(m[0].length);
  }
  return steps;
}

export function evaluateJsonPath(value: unknown, steps: readonly PathStep[]): unknown {
  let cur = value;
  for (const s of steps) {
    if (cur === null || typeof cur !== 'object') return undefined;
    if (typeof s === 'number') {
      if (!Array.isArray(cur)) return undefined;
      cur = cur[s];
    } else {
      if (Array.isArray(cur)) return undefined;
      cur = (cur as Record<string, unknown>)[s];
    }
    if (cur === undefined) return undefined;
  }
  return cur;
}
