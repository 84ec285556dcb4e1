import { describe, expect, it } from 'vitest';
import { memberPathOf } from './error-member.js';

const AT = 'accounts[0].alarms[1]';

describe("the member an API validator's message names", () => {
  it("AWS's `at 'member'`, matched to the declaration's spelling", () => {
    const alarm = { AlarmName: 'a', ComparisonOperator: 'Bigger' };
    expect(
      memberPathOf(AT, alarm, "1 validation error detected: Value 'Bigger' at 'comparisonOperator' failed to satisfy"),
    ).toBe(`${AT}.ComparisonOperator`);
  });

  it("AWS's 1-based list members (`targets.2.member.id`)", () => {
    const rule = { Name: 'r', Targets: [{ Id: 'a' }, { Id: 'b c' }] };
    expect(memberPathOf('r', rule, "Value 'b c' at 'targets.2.member.id' failed")).toBe('r.Targets[1].Id');
  });

  it('`The parameter X is required.` and schema paths (`config.smtp.port: …`, 0-based)', () => {
    expect(memberPathOf(AT, { MetricName: null }, 'The parameter MetricName is required.')).toBe(`${AT}.MetricName`);
    const channel = { name: 'm', config: { kind: 'email', to: ['a', 'b'] } };
    expect(memberPathOf('c', channel, 'Invalid channel for account 1: config.to.1: Too short')).toBe('c.config.to[1]');
  });

  it('leaves the path as it was when the message names no member of the declaration', () => {
    expect(memberPathOf(AT, { AlarmName: 'a' }, "Value 'x' at 'statistic' failed")).toBe(AT);
    expect(memberPathOf(AT, { AlarmName: 'a' }, 'The specified log group does not exist.')).toBe(AT);
  });
});
