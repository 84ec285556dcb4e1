import type { CloudTrailRecord } from '../../event/types.js';
import type { CompiledRuleSet } from '../compiled-rules.js';
import { lazyEnvelope } from '../envelope.js';
import type { MatchOutcome } from './protocol.js';

/**
 * What the matching thread computes for one event: its record parsed, its envelope built and
 * matched against its account's rules. Kept apart from the thread's message loop so it is
 * tested on this thread.
 */
export function matchEvent(set: CompiledRuleSet | undefined, accountId: string, json: string): MatchOutcome {
  if (!set || set.size === 0) return null;
  let record: CloudTrailRecord;
  try {
    record = JSON.parse(json) as CloudTrailRecord;
  } catch (err) {
    return { error: (err as Error).message };
  }
  const matched = set.matching(lazyEnvelope(record, accountId));
  return matched.length === 0 ? null : matched.map((c) => c.rule.arn);
}
