import { describe, expect, it } from 'vitest';
import { checkTarget } from './model.js';
import { compileTarget } from './input.js';
import { RuleError } from './errors.js';

const event = {
  version: '0',
  id: 'e-1',
  'detail-type': 'AWS API Call via CloudTrail',
  source: 'aws.cloudtrail',
  account: '123456789012',
  time: '2026-01-01T00:00:00Z',
  region: 'us-east-1',
  resources: [],
  detail: {
    eventName: 'StopLogging',
    userIdentity: { arn: 'arn:aws:iam::123456789012:user/alice' },
    count: 3,
    tags: ['a'],
  },
};
const ctx = {
  ruleArn: 'arn:aws:events:us-east-1:123456789012:rule/r',
  ruleName: 'r',
  ingestionTimeMs: Date.UTC(2026, 0, 1),
};
const ARN = 'arn:opentrail:notify:us-east-1:123456789012:channel/c';

function body(t: Record<string, unknown>) {
  return compileTarget(checkTarget({ Id: 't', Arn: ARN, ...t }, 0)).body(event, ctx);
}

describe('target input', () => {
  it('sends the whole event by default, fixed JSON for Input, the selected part for InputPath', () => {
    expect(body({})).toEqual(event);
    expect(body({ Input: '{"fixed":true}' })).toEqual({ fixed: true });
    expect(body({ InputPath: '$.detail.userIdentity' })).toEqual({ arn: 'arn:aws:iam::123456789012:user/alice' });
    expect(body({ InputPath: '$.detail.eventName' })).toBe('StopLogging');
    expect(body({ InputPath: '$.detail.tags[0]' })).toBe('a');
  });

  it('InputTransformer in a JSON template: quoted placeholders take text, unquoted ones JSON values', () => {
    const out = body({
      InputTransformer: {
        InputPathsMap: {
          name: '$.detail.eventName',
          who: '$.detail.userIdentity',
          n: '$.detail.count',
          gone: '$.detail.nope',
        },
        InputTemplate:
          '{"text": "<name> by <name>", "name": <name>, "who": <who>, "n": <n>, "gone": <gone>, "g2": "<gone>", "rule": "<aws.events.rule-name>"}',
      },
    });
    expect(out).toEqual({
      text: 'StopLogging by StopLogging',
      name: 'StopLogging',
      who: { arn: 'arn:aws:iam::123456789012:user/alice' },
      n: 3,
      gone: null,
      g2: '',
      rule: 'r',
    });
  });

  it('InputTransformer with a text template, predefined variables and escaping', () => {
    expect(
      body({
        InputTransformer: {
          InputPathsMap: { name: '$.detail.eventName' },
          InputTemplate: 'Call <name> matched <aws.events.rule-arn>',
        },
      }),
    ).toBe(`Call StopLogging matched ${ctx.ruleArn}`);
    expect(
      body({
        InputTransformer: { InputTemplate: '{"e": <aws.events.event>, "t": "<aws.events.event.ingestion-time>"}' },
      }),
    ).toEqual({ e: { ...event, detail: undefined }, t: '2026-01-01T00:00:00.000Z' });
    const quoted = body({
      InputTransformer: { InputPathsMap: { who: '$.detail.userIdentity' }, InputTemplate: '{"w": "<who>"}' },
    }) as { w: string };
    expect(JSON.parse(quoted.w)).toEqual({ arn: 'arn:aws:iam::123456789012:user/alice' });
  });

  it('refuses what PutTargets refuses', () => {
    expect(() => checkTarget({ Id: 't', Arn: ARN, Input: '{}', InputPath: '$' }, 0)).toThrow(
      /only one of Input, InputPath or InputTransformer/,
    );
    expect(() => checkTarget({ Id: 't', Arn: ARN, Input: '{nope' }, 0)).toThrow(/Input is not valid JSON/);
    expect(() => checkTarget({ Id: 't', Arn: ARN, InputPath: 'detail' }, 0)).toThrow(/not a JSON path/);
    expect(() => checkTarget({ Id: 't', Arn: ARN, InputPath: '$.a..b' }, 0)).toThrow(/column 4/);
    expect(() =>
      checkTarget(
        { Id: 't', Arn: ARN, InputTransformer: { InputPathsMap: { 'aws.x': '$' }, InputTemplate: '<x>' } },
        0,
      ),
    ).toThrow(RuleError);
    expect(() => checkTarget({ Id: 'bad id', Arn: ARN }, 0)).toThrow(/targets.1.member.id/);
    expect(() => checkTarget({ Id: 't', Arn: ARN, RetryPolicy: { MaximumEventAgeInSeconds: 5 } }, 0)).toThrow(
      /between 60 and 86400/,
    );
  });
});
