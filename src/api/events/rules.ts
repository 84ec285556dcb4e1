/** PutRule, DescribeRule, ListRules, DeleteRule, EnableRule, DisableRule (EventBridge JSON 1.1). */
import type { Rule } from '../../rules/index.js';
import { checkEventBus } from '../../rules/model.js';
import { detectOf } from '../detect-context.js';
import type { JsonOperation } from '../json-service.js';
import { int, page, str } from './members.js';

/**
 * A rule as DescribeRule shows it. A rule paused by loop protection shows State DISABLED (it
 * matches nothing) and our member `OpenTrailPause` says when and why; EnableRule resumes it.
 */
export function describeRuleShape(r: Rule): Record<string, unknown> {
  return {
    Name: r.name,
    Arn: r.arn,
    EventPattern: r.eventPattern,
    State: r.paused ? 'DISABLED' : r.state,
    ...(r.description !== undefined ? { Description: r.description } : {}),
    EventBusName: 'default',
    CreatedBy: r.accountId,
    ...(r.paused ? { OpenTrailPause: { PausedAt: r.paused.atMs / 1000, Reason: r.paused.reason } } : {}),
  };
}

export const putRule: JsonOperation = {
  name: 'PutRule',
  readOnly: false,
  async handle(input, { ctx, caller }) {
    const rule = await detectOf(ctx).rules.putRule(caller.accountId, input);
    return { RuleArn: rule.arn };
  },
};

export const describeRule: JsonOperation = {
  name: 'DescribeRule',
  readOnly: true,
  async handle(input, { ctx, caller }) {
    checkBus(input, ctx.region, caller.accountId);
    return describeRuleShape(detectOf(ctx).rules.describeRule(caller.accountId, str(input, 'Name', true)));
  },
};

export const listRules: JsonOperation = {
  name: 'ListRules',
  readOnly: true,
  async handle(input, { ctx, caller }) {
    checkBus(input, ctx.region, caller.accountId);
    const all = detectOf(ctx).rules.listRules(caller.accountId, str(input, 'NamePrefix'));
    const p = page(all, (r) => r.name, int(input, 'Limit', 1, 100) ?? 100, str(input, 'NextToken'));
    return {
      Rules: p.items.map((r) => {
        const { CreatedBy: _c, OpenTrailPause: _p, ...rest } = describeRuleShape(r);
        return rest;
      }),
      ...(p.next ? { NextToken: p.next } : {}),
    };
  },
};

export const deleteRule: JsonOperation = {
  name: 'DeleteRule',
  readOnly: false,
  async handle(input, { ctx, caller }) {
    checkBus(input, ctx.region, caller.accountId);
    await detectOf(ctx).rules.deleteRule(caller.accountId, str(input, 'Name', true), input.Force === true);
    return {};
  },
};

export const enableRule: JsonOperation = {
  name: 'EnableRule',
  readOnly: false,
  async handle(input, { ctx, caller }) {
    checkBus(input, ctx.region, caller.accountId);
    const rules = detectOf(ctx).rules;
    const current = rules.describeRule(caller.accountId, str(input, 'Name', true));
    // Keeps ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS when that was the rule's state.
    await rules.setState(caller.accountId, current.name, current.state === 'DISABLED' ? 'ENABLED' : current.state);
    return {};
  },
};

export const disableRule: JsonOperation = {
  name: 'DisableRule',
  readOnly: false,
  async handle(input, { ctx, caller }) {
    checkBus(input, ctx.region, caller.accountId);
    await detectOf(ctx).rules.setState(caller.accountId, str(input, 'Name', true), 'DISABLED');
    return {};
  },
};

function checkBus(input: Record<string, unknown>, region: string, accountId: string): void {
  checkEventBus(input.EventBusName, region, accountId);
}
