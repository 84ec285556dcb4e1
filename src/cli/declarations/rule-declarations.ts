/**
 * Rules in the config file: PutRule's request members (EventPattern as PutRule's JSON string or
 * as the pattern object) and `Targets`, PutTargets' entries for the rule. Checked by the rule
 * model's validators and written through the PutRule and PutTargets operations. PutTargets'
 * semantics: declared targets are added or replaced by Id; targets the file does not name stay.
 * A rule already stored as declared is not put again (PutRule would lift a loop-protection pause).
 */
import { EVENTS_SERVICE } from '../../api/events/service.js';
import type { Declared } from '../../config/config-file.js';
import { checkEventPattern, checkRuleName, checkState, checkTarget, type Target } from '../../rules/index.js';
import { checkEventBus, MAX_TARGETS_PER_RULE, targetProblem } from '../../rules/model.js';
import { audited } from './audit.js';
import { DeclarationError, declarationErrorFrom } from './declaration-error.js';
import { sameJson } from './same-json.js';
import { member, type AccountScope, type DeclarationHandler } from './scope.js';

/** PutRule takes the pattern as a JSON string; a config file may give the object itself. */
function patternText(v: unknown): unknown {
  return typeof v === 'object' && v !== null ? JSON.stringify(v) : v;
}

function guard<T>(path: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw declarationErrorFrom(err, path);
  }
}

interface CheckedRule {
  name: string;
  input: Record<string, unknown>;
  targets: { target: Target; path: string }[];
}

async function checked(d: Declared, scope: AccountScope): Promise<CheckedRule> {
  const v = d.value;
  const name = guard(member(d.path, 'Name'), () => checkRuleName(v.Name, 'Name'));
  guard(member(d.path, 'EventBusName'), () => checkEventBus(v.EventBusName, scope.rt.region, scope.accountId));
  guard(member(d.path, 'State'), () => checkState(v.State));
  const pattern = patternText(v.EventPattern);
  guard(member(d.path, 'EventPattern'), () => checkEventPattern(pattern));
  const { Targets: rawTargets, ...rule } = v;
  const targets: CheckedRule['targets'] = [];
  if (rawTargets !== undefined) {
    const listPath = member(d.path, 'Targets');
    if (!Array.isArray(rawTargets)) throw new DeclarationError(listPath, 'expected a list of PutTargets entries');
    if (rawTargets.length > MAX_TARGETS_PER_RULE) {
      throw new DeclarationError(
        listPath,
        `a rule has at most ${MAX_TARGETS_PER_RULE} targets, got ${rawTargets.length}`,
      );
    }
    for (const [i, raw] of rawTargets.entries()) {
      const path = `${listPath}[${i}]`;
      const withArn =
        typeof raw === 'object' && raw !== null
          ? { ...raw, Arn: await scope.refs.arn((raw as { Arn?: unknown }).Arn, member(path, 'Arn')) }
          : raw;
      let target: Target;
      try {
        target = checkTarget(withArn, i);
      } catch (err) {
        // AWS's wording names the member within PutTargets (`targets.1.member.id`): read it against the rule.
        const e = declarationErrorFrom(err, d.path, d.value);
        throw e.path === d.path ? new DeclarationError(path, e.message) : e;
      }
      const problem = targetProblem(target, scope.accountId);
      if (problem) throw new DeclarationError(member(path, 'Arn'), `${problem.ErrorCode}: ${problem.ErrorMessage}`);
      targets.push({ target, path });
    }
  }
  return { name, input: { ...rule, EventPattern: pattern }, targets };
}

async function run(op: string, input: Record<string, unknown>, scope: AccountScope): Promise<Record<string, unknown>> {
  return audited(scope, EVENTS_SERVICE.eventSource, op, input, async () => {
    try {
      return await EVENTS_SERVICE.operations.get(op)!.handle(input, { ctx: scope.rt, caller: scope.caller });
    } catch (err) {
      throw EVENTS_SERVICE.mapError(err) ?? err;
    }
  });
}

export const ruleDeclarations: DeclarationHandler = {
  async check(d, scope) {
    await checked(d, scope);
  },
  async apply(d, scope) {
    const c = await checked(d, scope);
    const rules = scope.rt.detect.rules;
    const existing = rules.listRules(scope.accountId).find((r) => r.name === c.name);
    let changed = false;
    try {
      const want = {
        eventPattern: c.input.EventPattern,
        state: checkState(c.input.State),
        description: c.input.Description,
      };
      const same =
        existing &&
        sameJson(
          { eventPattern: existing.eventPattern, state: existing.state, description: existing.description },
          want,
        );
      if (!same) {
        await run('PutRule', c.input, scope);
        changed = true;
      }
    } catch (err) {
      throw declarationErrorFrom(err, d.path, d.value);
    }
    const stored = new Map(rules.listTargets(scope.accountId, c.name).map((t) => [t.Id, t]));
    const put = c.targets.filter(({ target }) => !sameJson(stored.get(target.Id), target));
    if (put.length > 0) {
      const out = await run('PutTargets', { Rule: c.name, Targets: put.map((p) => p.target) }, scope).catch(
        (err: unknown) => {
          throw declarationErrorFrom(err, member(d.path, 'Targets'));
        },
      );
      const failed = (out.FailedEntries ?? []) as { TargetId: string; ErrorCode: string; ErrorMessage: string }[];
      if (failed[0]) {
        const at = put.find((p) => p.target.Id === failed[0]!.TargetId)?.path ?? member(d.path, 'Targets');
        throw new DeclarationError(at, `${failed[0].ErrorCode}: ${failed[0].ErrorMessage}`);
      }
      changed = true;
    }
    return !existing ? 'created' : changed ? 'updated' : 'unchanged';
  },
};
