/**
 * One account's enabled rules compiled for the hot path: each pattern parsed once, targets'
 * input shapes compiled once, and a RuleIndex so an event is checked against its candidates only.
 */
import type { CloudTrailEnvelope } from '../patterns/index.js';
import { compileEventPattern, type Matcher } from '../patterns/index.js';
import { compileTarget, type CompiledTarget } from './input.js';
import type { Rule, Target } from './model.js';
import { isHiddenReadOnly, patternAsksForReadOnly } from './read-only.js';
import { RuleIndex, type IndexStats } from './rule-index.js';

export interface CompiledRule {
  rule: Rule;
  matcher: Matcher<object>;
  targets: CompiledTarget[];
  /** Sees read-only Describe/Get/List management events (see read-only.ts). */
  seesReadOnly: boolean;
}

export class CompiledRuleSet {
  private readonly index = new RuleIndex<CompiledRule>();
  /** Enabled rules in the set; with none, an event need not even be parsed. */
  readonly size: number = 0;

  constructor(entries: readonly { rule: Rule; targets: readonly Target[] }[]) {
    for (const { rule, targets } of entries) {
      if (rule.state === 'DISABLED' || rule.paused) continue;
      const pattern = JSON.parse(rule.eventPattern) as unknown;
      this.index.add(
        {
          rule,
          matcher: compileEventPattern(rule.eventPattern),
          targets: targets.map(compileTarget),
          seesReadOnly:
            rule.state === 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS' || patternAsksForReadOnly(pattern),
        },
        pattern,
      );
      this.size++;
    }
  }

  stats(): IndexStats {
    return this.index.stats();
  }

  /** The enabled rules whose pattern matches the envelope, honouring the read-only nuance. */
  matching(envelope: CloudTrailEnvelope): CompiledRule[] {
    const hidden = isHiddenReadOnly(envelope.detail);
    const out: CompiledRule[] = [];
    for (const c of this.index.candidates(envelope)) {
      if (hidden && !c.seesReadOnly) continue;
      if (c.matcher.matches(envelope)) out.push(c);
    }
    return out;
  }
}
