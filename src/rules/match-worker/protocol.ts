import type { Rule, Target } from '../model.js';

/** Messages to the matching thread; handled strictly in order. */
export type MatchRequest =
  /** An account's rules as of `version` (RuleStore.version); replaces what the thread held. */
  | { kind: 'rules'; accountId: string; version: number; entries: { rule: Rule; targets: Target[] }[] }
  /** Events to match, each against its account's rules as last sent. */
  | { kind: 'match'; id: number; events: { accountId: string; json: string }[] };

/**
 * Per event, in order: the ARNs of the matching rules (in `CompiledRuleSet.matching` order),
 * `null` for none, or `{ error }` when the record could not be parsed.
 */
export type MatchOutcome = string[] | null | { error: string };

export interface MatchReply {
  id: number;
  outcomes: MatchOutcome[];
}
