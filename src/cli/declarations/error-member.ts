/**
 * The member an API validator's message is about, as a JSON path inside the declaration. The
 * validators speak AWS's wording — `Value 'Bigger' at 'comparisonOperator' failed…`, `at
 * 'targets.1.member.id'` (1-based list members), `The parameter MetricName is required.` — or
 * the notify schemas' `config.to: Too small…`; this turns those into the declaration's own
 * spelling (`ComparisonOperator`, `Targets[0].Id`, `config.to`) when the named member exists in
 * it, so an error points at the key to fix. Unrecognised messages leave the path as it was.
 */

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Walks `segments` through `value`, matching member names without regard to case. */
function walk(value: unknown, segments: readonly string[]): string {
  let out = '';
  let cur = value;
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i]!;
    // AWS's list members: `<list>.<n>.member`, n from 1.
    if (/^\d+$/.test(seg) && Array.isArray(cur)) {
      const index = Number(seg) - (segments[i + 1] === 'member' ? 1 : 0);
      if (segments[i + 1] === 'member') i++;
      if (index < 0 || index >= cur.length) break;
      out += `[${index}]`;
      cur = cur[index];
      continue;
    }
    if (!isObject(cur)) break;
    const key = Object.keys(cur).find((k) => k.toLowerCase() === seg.toLowerCase());
    if (key === undefined) break;
    out += `.${key}`;
    cur = cur[key];
  }
  return out;
}

const AT_MEMBER = /\bat '([A-Za-z0-9.]+)'/;
const PARAMETER = /\bparameters? ([A-Z][A-Za-z]+)\b/;
const SCHEMA_PATH = /: ((?:[A-Za-z]+|\d+)(?:\.(?:[A-Za-z]+|\d+))*): /;

/** `path` plus the member the message names, when the declaration has it. */
export function memberPathOf(path: string, declaration: Record<string, unknown>, message: string): string {
  for (const re of [AT_MEMBER, PARAMETER, SCHEMA_PATH]) {
    const m = re.exec(message);
    if (!m) continue;
    const segments = m[1]!.split('.');
    // A schema path counts indexes from 0 (no `.member`); make walk() read them as given.
    const rest =
      re === SCHEMA_PATH
        ? segments.flatMap((s) => (/^\d+$/.test(s) ? [String(Number(s) + 1), 'member'] : [s]))
        : segments;
    const found = walk(declaration, rest);
    if (found) return path + found;
  }
  return path;
}
