import { afterEach, describe, expect, it } from 'vitest';
import { ACCOUNT_A, ACCOUNT_B, openEmbedded, removeDir, type Embedded } from '../../test/helpers/embedded.js';
import { RuleError } from './errors.js';
import { RuleStore } from './rule-store.js';

const HOOK = 'arn:opentrail:notify:us-east-1:111111111111:channel/hook';
let open: Embedded[] = [];
afterEach(async () => {
  for (const e of open) {
    await e.close();
    removeDir(e.dir);
  }
  open = [];
});

async function store(): Promise<{ e: Embedded; rules: RuleStore }> {
  const e = await openEmbedded();
  open.push(e);
  return { e, rules: await RuleStore.open(e.db, 'us-east-1') };
}

describe('RuleStore', () => {
  it('puts, describes, lists, replaces and deletes rules per account, and persists them', async () => {
    const { e, rules } = await store();
    const r = await rules.putRule(ACCOUNT_A, { Name: 'b', EventPattern: '{"source":["aws.s3"]}', Description: 'd' });
    expect(r).toMatchObject({
      arn: 'arn:aws:events:us-east-1:111111111111:rule/b',
      state: 'ENABLED',
      description: 'd',
    });
    await rules.putRule(ACCOUNT_A, { Name: 'a', EventPattern: '{"source":["aws.iam"]}', State: 'DISABLED' });
    await rules.putRule(ACCOUNT_B, { Name: 'c', EventPattern: '{"source":["aws.iam"]}' });
    expect(rules.listRules(ACCOUNT_A).map((x) => x.name)).toEqual(['a', 'b']);
    expect(rules.listRules(ACCOUNT_A, 'b').map((x) => x.name)).toEqual(['b']);
    const replaced = await rules.putRule(ACCOUNT_A, { Name: 'b', EventPattern: '{"source":["aws.ec2"]}' });
    expect(replaced.createdAtMs).toBe(r.createdAtMs);
    expect(replaced.description).toBeUndefined();
    expect(await rules.putTargets(ACCOUNT_A, 'b', [{ Id: 't1', Arn: HOOK }])).toEqual([]);
    const again = await RuleStore.open(e.db, 'us-east-1');
    expect(again.describeRule(ACCOUNT_A, 'b').eventPattern).toBe('{"source":["aws.ec2"]}');
    expect(again.listTargets(ACCOUNT_A, 'b')).toEqual([{ Id: 't1', Arn: HOOK }]);
    await expect(rules.deleteRule(ACCOUNT_A, 'b')).rejects.toThrow("Rule can't be deleted since it has targets.");
    await rules.removeTargets(ACCOUNT_A, 'b', ['t1']);
    await rules.deleteRule(ACCOUNT_A, 'b');
    expect(() => rules.describeRule(ACCOUNT_A, 'b')).toThrow('Rule b does not exist on EventBus default.');
    expect(() => rules.describeRule(ACCOUNT_B, 'a')).toThrow(RuleError);
  });

  it('refuses invalid names, patterns, states, buses and foreign or non-channel targets', async () => {
    const { rules } = await store();
    await expect(rules.putRule(ACCOUNT_A, { Name: 'bad name', EventPattern: '{}' })).rejects.toMatchObject({
      code: 'ValidationException',
    });
    await expect(rules.putRule(ACCOUNT_A, { Name: 'x', EventPattern: '{"source":"aws.s3"}' })).rejects.toMatchObject({
      code: 'InvalidEventPatternException',
      message: expect.stringMatching(/^Event pattern is not valid\. Reason: .* at /) as unknown,
    });
    await expect(rules.putRule(ACCOUNT_A, { Name: 'x', EventPattern: '{}', State: 'ON' })).rejects.toThrow(
      /enum value set/,
    );
    await expect(
      rules.putRule(ACCOUNT_A, { Name: 'x', EventPattern: '{}', EventBusName: 'custom' }),
    ).rejects.toMatchObject({
      code: 'ResourceNotFoundException',
    });
    await rules.putRule(ACCOUNT_A, { Name: 'x', EventPattern: '{"source":["aws.s3"]}' });
    const failed = await rules.putTargets(ACCOUNT_A, 'x', [
      { Id: 'other', Arn: 'arn:opentrail:notify:us-east-1:222222222222:channel/hook' },
      { Id: 'lambda', Arn: 'arn:aws:lambda:us-east-1:111111111111:function:f' },
      { Id: 'ok', Arn: HOOK },
    ]);
    expect(failed.map((f) => [f.TargetId, f.ErrorCode])).toEqual([
      ['other', 'AccessDeniedException'],
      ['lambda', 'ValidationException'],
    ]);
    expect(rules.listTargets(ACCOUNT_A, 'x').map((t) => t.Id)).toEqual(['ok']);
    const six = [1, 2, 3, 4, 5, 6].map((i) => ({ Id: `t${i}`, Arn: HOOK }));
    await expect(rules.putTargets(ACCOUNT_A, 'x', six)).rejects.toMatchObject({ code: 'LimitExceededException' });
  });
});
