import { describe, expect, it } from 'vitest';
import {
  BUILT_IN_POLICIES,
  BUILT_IN_POLICY_NAMES,
  MalformedPolicyDocumentError,
  builtInPolicy,
  compilePolicy,
  parsePolicyDocument,
  type Decision,
  type PolicyStatement,
} from './policies.js';

const TRAIL = 'arn:aws:cloudtrail:us-east-1:123456789012:trail/main';
const OTHER_TRAIL = 'arn:aws:cloudtrail:us-east-1:123456789012:trail/other';
const CHANNEL = 'arn:aws:cloudtrail:us-east-1:123456789012:channel/abc';

const doc = (...Statement: PolicyStatement[]) => ({ Version: '2012-10-17', Statement });

describe('evaluation', () => {
  const cases: [string, PolicyStatement[], string, string, Decision][] = [
    [
      'no statement matches: default deny',
      [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }],
      'cloudtrail:LookupEvents',
      '*',
      'ImplicitDeny',
    ],
    [
      '* allows everything',
      [{ Effect: 'Allow', Action: '*', Resource: '*' }],
      'cloudtrail:CreateTrail',
      TRAIL,
      'Allow',
    ],
    [
      'exact action',
      [{ Effect: 'Allow', Action: 'cloudtrail:LookupEvents', Resource: '*' }],
      'cloudtrail:LookupEvents',
      '*',
      'Allow',
    ],
    [
      'action names are case-insensitive',
      [{ Effect: 'Allow', Action: 'CloudTrail:lookupevents', Resource: '*' }],
      'cloudtrail:LookupEvents',
      '*',
      'Allow',
    ],
    [
      'prefix wildcard',
      [{ Effect: 'Allow', Action: 'cloudtrail:Get*', Resource: '*' }],
      'cloudtrail:GetTrailStatus',
      '*',
      'Allow',
    ],
    [
      'prefix wildcard does not match another prefix',
      [{ Effect: 'Allow', Action: 'cloudtrail:Get*', Resource: '*' }],
      'cloudtrail:ListTrails',
      '*',
      'ImplicitDeny',
    ],
    [
      'wildcard does not cross the service',
      [{ Effect: 'Allow', Action: 'cloudtrail:*', Resource: '*' }],
      'cloudtrail-data:PutAuditEvents',
      '*',
      'ImplicitDeny',
    ],
    [
      '? matches exactly one character',
      [{ Effect: 'Allow', Action: 'cloudtrail:?etTrail', Resource: '*' }],
      'cloudtrail:GetTrail',
      '*',
      'Allow',
    ],
    [
      '? does not match two',
      [{ Effect: 'Allow', Action: 'cloudtrail:?etTrail', Resource: '*' }],
      'cloudtrail:ResetTrail',
      '*',
      'ImplicitDeny',
    ],
    [
      'action list',
      [{ Effect: 'Allow', Action: ['cloudtrail:ListTrails', 'cloudtrail:GetTrail'], Resource: '*' }],
      'cloudtrail:GetTrail',
      '*',
      'Allow',
    ],
    [
      'resource ARN exact',
      [{ Effect: 'Allow', Action: '*', Resource: TRAIL }],
      'cloudtrail:StopLogging',
      TRAIL,
      'Allow',
    ],
    [
      'resource ARN other',
      [{ Effect: 'Allow', Action: '*', Resource: TRAIL }],
      'cloudtrail:StopLogging',
      OTHER_TRAIL,
      'ImplicitDeny',
    ],
    [
      'resource wildcard crosses : and /',
      [{ Effect: 'Allow', Action: '*', Resource: 'arn:aws:cloudtrail:*' }],
      'cloudtrail:StopLogging',
      TRAIL,
      'Allow',
    ],
    [
      'resource ? wildcard',
      [{ Effect: 'Allow', Action: '*', Resource: 'arn:aws:cloudtrail:us-east-1:123456789012:trail/mai?' }],
      'cloudtrail:StopLogging',
      TRAIL,
      'Allow',
    ],
    [
      'resources are case-sensitive',
      [{ Effect: 'Allow', Action: '*', Resource: TRAIL.replace('main', 'MAIN') }],
      'cloudtrail:StopLogging',
      TRAIL,
      'ImplicitDeny',
    ],
    [
      'a resource pattern does not match "no resource" (*)',
      [{ Effect: 'Allow', Action: '*', Resource: TRAIL }],
      'cloudtrail:LookupEvents',
      '*',
      'ImplicitDeny',
    ],
    [
      'regex metacharacters are literal',
      [{ Effect: 'Allow', Action: '*', Resource: 'arn:aws:cloudtrail:us-east-1:123456789012:trail/a.b' }],
      'cloudtrail:GetTrail',
      'arn:aws:cloudtrail:us-east-1:123456789012:trail/aXb',
      'ImplicitDeny',
    ],
    [
      'explicit deny wins over an allow before it',
      [
        { Effect: 'Allow', Action: '*', Resource: '*' },
        { Effect: 'Deny', Action: 'cloudtrail:DeleteTrail', Resource: '*' },
      ],
      'cloudtrail:DeleteTrail',
      TRAIL,
      'ExplicitDeny',
    ],
    [
      'explicit deny wins over an allow after it',
      [
        { Effect: 'Deny', Action: 'cloudtrail:Delete*', Resource: TRAIL },
        { Effect: 'Allow', Action: 'cloudtrail:DeleteTrail', Resource: TRAIL },
      ],
      'cloudtrail:deletetrail',
      TRAIL,
      'ExplicitDeny',
    ],
    [
      'a deny on another resource leaves the allow',
      [
        { Effect: 'Allow', Action: '*', Resource: '*' },
        { Effect: 'Deny', Action: '*', Resource: OTHER_TRAIL },
      ],
      'cloudtrail:DeleteTrail',
      TRAIL,
      'Allow',
    ],
    [
      'a deny alone is still a deny',
      [{ Effect: 'Deny', Action: '*', Resource: '*' }],
      'cloudtrail:GetTrail',
      '*',
      'ExplicitDeny',
    ],
    [
      'NotAction allows every other action',
      [{ Effect: 'Allow', NotAction: 'cloudtrail:Delete*', Resource: '*' }],
      'cloudtrail:CreateTrail',
      '*',
      'Allow',
    ],
    [
      'NotAction does not allow the listed action',
      [{ Effect: 'Allow', NotAction: 'cloudtrail:Delete*', Resource: '*' }],
      'cloudtrail:DeleteTrail',
      '*',
      'ImplicitDeny',
    ],
    [
      'Deny with NotAction: everything but reads is denied',
      [
        { Effect: 'Allow', Action: '*', Resource: '*' },
        { Effect: 'Deny', NotAction: ['cloudtrail:Get*', 'cloudtrail:LookupEvents'], Resource: '*' },
      ],
      'cloudtrail:StopLogging',
      TRAIL,
      'ExplicitDeny',
    ],
    [
      'Deny with NotAction leaves the excepted actions allowed',
      [
        { Effect: 'Allow', Action: '*', Resource: '*' },
        { Effect: 'Deny', NotAction: ['cloudtrail:Get*', 'cloudtrail:LookupEvents'], Resource: '*' },
      ],
      'cloudtrail:LOOKUPEVENTS',
      '*',
      'Allow',
    ],
    [
      'NotResource',
      [{ Effect: 'Allow', Action: '*', NotResource: OTHER_TRAIL }],
      'cloudtrail:GetTrail',
      TRAIL,
      'Allow',
    ],
    [
      'NotResource excludes',
      [{ Effect: 'Allow', Action: '*', NotResource: OTHER_TRAIL }],
      'cloudtrail:GetTrail',
      OTHER_TRAIL,
      'ImplicitDeny',
    ],
  ];

  it.each(cases)('%s', (_name, statements, action, resource, expected) => {
    expect(compilePolicy(doc(...statements)).evaluate(action, resource)).toBe(expected);
  });

  it('takes a single statement object, as IAM does', () => {
    const p = compilePolicy({
      Version: '2012-10-17',
      Statement: { Effect: 'Allow', Action: 'cloudtrail:GetTrail', Resource: '*' },
    });
    expect(p.isAllowed('cloudtrail:GetTrail')).toBe(true);
    expect(p.isAllowed('cloudtrail:ListTrails')).toBe(false);
  });
});

describe('the built-in policies', () => {
  const cases: [string, string, boolean][] = [
    ['administrator', 'cloudtrail:CreateTrail', true],
    ['administrator', 'cloudtrail-data:PutAuditEvents', true],
    ['administrator', 'opentrail:PutEvents', true],
    ['read-only', 'cloudtrail:LookupEvents', true],
    ['read-only', 'cloudtrail:GetTrailStatus', true],
    ['read-only', 'cloudtrail:ListChannels', true],
    ['read-only', 'cloudtrail:DescribeTrails', true],
    ['read-only', 'opentrail:LookupEvents', true],
    ['read-only', 'cloudtrail:CreateTrail', false],
    ['read-only', 'cloudtrail:StopLogging', false],
    ['read-only', 'cloudtrail-data:PutAuditEvents', false],
    ['read-only', 'opentrail:PutEvents', false],
    ['event-writer', 'cloudtrail-data:PutAuditEvents', true],
    ['event-writer', 'opentrail:PutEvents', true],
    ['event-writer', 'cloudtrail:LookupEvents', false],
    ['event-writer', 'opentrail:LookupEvents', false],
    ['event-writer', 'cloudtrail:CreateChannel', false],
  ];
  it.each(cases)('%s: %s → %s', (name, action, allowed) => {
    expect(builtInPolicy(name)!.isAllowed(action, TRAIL)).toBe(allowed);
  });

  it('are valid documents themselves', () => {
    for (const name of BUILT_IN_POLICY_NAMES) expect(() => parsePolicyDocument(BUILT_IN_POLICIES[name])).not.toThrow();
    expect(builtInPolicy('root')).toBeUndefined();
  });

  it('administrator allows any resource', () => {
    expect(builtInPolicy('administrator')!.evaluate('cloudtrail:DeleteChannel', CHANNEL)).toBe('Allow');
  });
});

describe('validation', () => {
  const bad: [string, unknown, string][] = [
    ['not JSON', '{"Version": ', 'the policy is not valid JSON'],
    ['not an object', '[]', 'the policy must be a JSON object'],
    ['no Version', { Statement: [] }, 'Version is missing'],
    ['wrong Version', { Version: '2020-01-01', Statement: [] }, 'Version "2020-01-01" is not "2012-10-17"'],
    ['unknown top-level field', { Version: '2012-10-17', Statement: [], Foo: 1 }, 'unknown top-level field "Foo"'],
    ['no Statement', { Version: '2012-10-17' }, 'Statement is missing'],
    ['empty Statement', { Version: '2012-10-17', Statement: [] }, 'Statement must not be empty'],
    ['statement not an object', doc('x' as never), 'Statement[0] must be an object'],
    [
      'bad Effect',
      doc({ Effect: 'allow' as never, Action: '*', Resource: '*' }),
      'Statement[0].Effect must be "Allow" or "Deny", got "allow"',
    ],
    [
      'Action and NotAction',
      doc({ Effect: 'Allow', Action: '*', NotAction: 'x:y', Resource: '*' }),
      'Statement[0]: a statement needs exactly one of Action and NotAction',
    ],
    ['neither Action nor NotAction', doc({ Effect: 'Allow', Resource: '*' }), 'exactly one of Action and NotAction'],
    [
      'action without vendor',
      doc({ Effect: 'Allow', Action: 'LookupEvents', Resource: '*' }),
      'Statement[0].Action: "LookupEvents" is not an action',
    ],
    [
      'empty action list',
      doc({ Effect: 'Allow', Action: [], Resource: '*' }),
      'Statement[0].Action must be a string or a non-empty array',
    ],
    [
      'non-string action',
      doc({ Effect: 'Allow', Action: ['cloudtrail:GetTrail', 3 as never], Resource: '*' }),
      'Statement[0].Action[1] must be a non-empty string',
    ],
    ['no Resource', doc({ Effect: 'Allow', Action: '*' }), 'Statement[0]: Policy statement must contain resources.'],
    [
      'Resource not an ARN',
      doc({ Effect: 'Allow', Action: '*', Resource: 'trail/main' }),
      'Statement[0].Resource: Resource trail/main must be in ARN format or "*".',
    ],
    [
      'Principal',
      doc({ Effect: 'Allow', Action: '*', Resource: '*', Principal: '*' } as never),
      'Policy document should not specify a principal.',
    ],
    [
      'Condition',
      doc({ Effect: 'Allow', Action: '*', Resource: '*', Condition: {} } as never),
      'Condition is not supported',
    ],
    [
      'unknown statement field',
      doc({ Effect: 'Allow', Action: '*', Resource: '*', Actions: [] } as never),
      'Statement[0]: unknown field "Actions"',
    ],
    [
      'bad Sid',
      doc({ Sid: 'no spaces', Effect: 'Allow', Action: '*', Resource: '*' }),
      'Statement[0].Sid must contain only letters and digits',
    ],
    [
      'second statement is reported by its index',
      doc({ Effect: 'Allow', Action: '*', Resource: '*' }, { Effect: 'Deny', Action: '*' }),
      'Statement[1]: Policy statement must contain resources.',
    ],
    [
      'too long',
      JSON.stringify(
        doc({ Effect: 'Allow', Action: Array.from({ length: 400 }, (_, i) => `cloudtrail:Action${i}`), Resource: '*' }),
      ),
      'more than 6144 characters',
    ],
  ];

  it.each(bad)('%s', (_name, input, message) => {
    let thrown: unknown;
    try {
      parsePolicyDocument(input);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(MalformedPolicyDocumentError);
    expect((thrown as Error).message).toContain(message);
  });

  it('accepts JSON text with whitespace and both versions', () => {
    const text = JSON.stringify(
      doc({ Sid: 'Read1', Effect: 'Allow', Action: 'cloudtrail:Get*', Resource: '*' }),
      null,
      2,
    );
    expect(parsePolicyDocument(text).Version).toBe('2012-10-17');
    expect(
      parsePolicyDocument({ Version: '2008-10-17', Statement: { Effect: 'Deny', NotAction: '*', NotResource: '*' } })
        .Version,
    ).toBe('2008-10-17');
  });
});
