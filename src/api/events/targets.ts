/** PutTargets, RemoveTargets, ListTargetsByRule (EventBridge JSON 1.1). */
import { checkTarget, MAX_TARGETS_PER_RULE } from '../../rules/index.js';
import { checkEventBus } from '../../rules/model.js';
import { detectOf } from '../detect-context.js';
import { ApiError } from '../errors.js';
import type { JsonOperation } from '../json-service.js';
import { int, page, str } from './members.js';

function list(input: Record<string, unknown>, member: string, max: number): unknown[] {
  const v = input[member];
  if (!Array.isArray(v) || v.length < 1 || v.length > max) {
    throw new ApiError(
      'ValidationException',
      `1 validation error detected: Value at '${member[0]!.toLowerCase()}${member.slice(1)}' failed to satisfy constraint: Member must have length between 1 and ${max}`,
    );
  }
  return v;
}

export const putTargets: JsonOperation = {
  name: 'PutTargets',
  readOnly: false,
  async handle(input, { ctx, caller }) {
    checkEventBus(input.EventBusName, ctx.region, caller.accountId);
    const targets = list(input, 'Targets', 100).map((t, i) => checkTarget(t, i));
    const failed = await detectOf(ctx).rules.putTargets(caller.accountId, str(input, 'Rule', true), targets);
    return { FailedEntryCount: failed.length, FailedEntries: failed };
  },
};

export const removeTargets: JsonOperation = {
  name: 'RemoveTargets',
  readOnly: false,
  async handle(input, { ctx, caller }) {
    checkEventBus(input.EventBusName, ctx.region, caller.accountId);
    const ids = list(input, 'Ids', 100).map(String);
    const failed = await detectOf(ctx).rules.removeTargets(caller.accountId, str(input, 'Rule', true), ids);
    return { FailedEntryCount: failed.length, FailedEntries: failed };
  },
};

export const listTargetsByRule: JsonOperation = {
  name: 'ListTargetsByRule',
  readOnly: true,
  async handle(input, { ctx, caller }) {
    checkEventBus(input.EventBusName, ctx.region, caller.accountId);
    const all = detectOf(ctx)
      .rules.listTargets(caller.accountId, str(input, 'Rule', true))
      .sort((a, b) => (a.Id < b.Id ? -1 : 1));
    const p = page(all, (t) => t.Id, int(input, 'Limit', 1, 100) ?? MAX_TARGETS_PER_RULE, str(input, 'NextToken'));
    return { Targets: p.items, ...(p.next ? { NextToken: p.next } : {}) };
  },
};
