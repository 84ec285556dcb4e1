/**
 * The CloudTrail nuance of EventBridge rules (AWS, "Receiving read-only management events from
 * AWS services"): an ENABLED rule does not see read-only management events whose action starts
 * with Describe, Get or List; a rule sees them when its state is
 * ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS, or (our addition, so a pattern can say it on its
 * own) when its pattern matches on `detail.readOnly` with `true`. Read-only events with other names
 * (sts:GetSessionToken is not read-only; TestEventPattern is) reach every rule, as on AWS.
 */
import type { CloudTrailRecord } from '../event/types.js';

const HIDDEN_VERB = /^(?:Describe|Get|List)(?:[A-Z0-9_]|$)/;

export function isHiddenReadOnly(record: CloudTrailRecord): boolean {
  return (
    record.readOnly === true &&
    record.managementEvent !== false &&
    record.eventCategory !== 'Data' &&
    HIDDEN_VERB.test(record.eventName ?? '')
  );
}

/** True when the pattern, in any `$or` branch, asks for `detail.readOnly` to be `true`. */
export function patternAsksForReadOnly(pattern: unknown): boolean {
  const walk = (node: unknown, path: string[]): boolean => {
    if (typeof node !== 'object' || node === null) return false;
    if (Array.isArray(node)) return false;
    for (const [k, v] of Object.entries(node as Record<string, unknown>)) {
      if (k === '$or' && Array.isArray(v)) {
        if (v.some((branch) => walk(branch, path))) return true;
        continue;
      }
      const here = [...path, k];
      if (here.length === 2 && here[0] === 'detail' && here[1] === 'readOnly') {
        if (Array.isArray(v) && v.includes(true)) return true;
        continue;
      }
      if (here.length < 2 && walk(v, here)) return true;
    }
    return false;
  };
  return walk(pattern, []);
}
