/** EventBridge-style rules and targets over the event log (issue 5): what the API, CLI and serve import. */
export { RuleError, type RuleErrorCode } from './errors.js';
export {
  checkTarget,
  checkRuleName,
  checkEventPattern,
  checkState,
  ruleArn,
  MAX_TARGETS_PER_RULE,
  RULE_STATES,
  type InputTransformer,
  type Rule,
  type RulePause,
  type RuleState,
  type Target,
  type TargetRetryPolicy,
} from './model.js';
export { RuleStore, type FailedTargetEntry, type PutRuleInput } from './rule-store.js';
export { CompiledRuleSet, type CompiledRule } from './compiled-rules.js';
export { RuleIndex, INDEXED_FIELDS, type IndexStats } from './rule-index.js';
export {
  applyTransformer,
  compileInputTransformer,
  compileTarget,
  type CompiledTarget,
  type InputContext,
} from './input.js';
export { isHiddenReadOnly, patternAsksForReadOnly } from './read-only.js';
export { LoopGuard, type LoopGuardOptions, type LoopTrip } from './loop-guard.js';
export { channelEndpoints, TargetAddresses, type EndpointOf } from './target-addresses.js';
export { RulesConsumer, loopPauseRecord, type RulesConsumerOptions, type RulesCounters } from './rules-consumer.js';
