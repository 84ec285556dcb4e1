import { describe, expect, it } from 'vitest';
import { CURRENT_EVENT_VERSION, MAX_RECORD_BYTES, normalizeRecord, type NormalizeContext } from './normalize.js';
import type { CloudTrailRecord, EventErrorCode } from './types.js';

const RECEIVED = Date.UTC(2024, 4, 1, 12, 34, 56, 789);
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const CANONICAL_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

function ctx(over: Partial<NormalizeContext> = {}): NormalizeContext {
  return {
    accountId: '123456789012',
    region: 'eu-west-1',
    receivedAtMs: RECEIVED,
    profile: 'api',
    enforceRecipient: false,
    ...over,
  };
}

function base(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    eventSource: 'orders.example.com',
    eventName: 'CreateOrder',
    userIdentity: { type: 'IAMUser', userName: 'alice' },
    ...over,
  };
}

/** Normalises and expects success; returns the record. */
function ok(input: unknown, c: Partial<NormalizeContext> = {}): CloudTrailRecord {
  const r = normalizeRecord(input, ctx(c));
  if (!r.ok) throw new Error(`expected ok, got ${r.error.errorCode}: ${r.error.errorMessage}`);
  return r.event.record;
}

/** Normalises and expects a failure; returns it. */
function err(input: unknown, c: Partial<NormalizeContext> = {}): { errorCode: EventErrorCode; errorMessage: string } {
  const r = normalizeRecord(input, ctx(c));
  if (r.ok) throw new Error(`expected an error, got ok: ${r.event.json.slice(0, 200)}`);
  return r.error;
}

describe('normalizeRecord: the result', () => {
  it('returns the record, its JSON, account, event id and time in ms', () => {
    const input = base({ eventTime: '2024-05-01T10:00:00Z', eventID: 'e-1', recipientAccountId: '210987654321' });
    const r = normalizeRecord(input, ctx());
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.event.record).toBe(input); // the input is taken over, not copied
    expect(r.event.json).toBe(JSON.stringify(r.event.record));
    expect(JSON.parse(r.event.json)).toEqual(r.event.record);
    expect(r.event.accountId).toBe('210987654321');
    expect(r.event.eventId).toBe('e-1');
    expect(r.event.eventTimeMs).toBe(Date.UTC(2024, 4, 1, 10));
  });

  it('fills every default of a minimal API record', () => {
    const rec = ok(base());
    expect(rec).toEqual({
      eventSource: 'orders.example.com',
      eventName: 'CreateOrder',
      userIdentity: { type: 'IAMUser', userName: 'alice' },
      eventTime: '2024-05-01T12:34:56Z',
      recipientAccountId: '123456789012',
      eventID: expect.stringMatching(UUID_V4),
      eventVersion: CURRENT_EVENT_VERSION,
      awsRegion: 'eu-west-1',
      eventType: 'AwsApiCall',
      eventCategory: 'Management',
      managementEvent: true,
      readOnly: false,
    });
    expect(CURRENT_EVENT_VERSION).toBe('1.11');
  });

  it('keeps every given value that already has the right type', () => {
    const given = base({
      eventVersion: '1.05',
      eventTime: '2020-01-02T03:04:05Z',
      eventID: 'given-id',
      awsRegion: 'us-north-2r',
      eventType: 'AwsServiceEvent',
      eventCategory: 'Data',
      managementEvent: true,
      readOnly: true,
      recipientAccountId: '123456789012',
    });
    const copy = structuredClone(given);
    expect(ok(given)).toEqual(copy);
  });
});

describe('normalizeRecord: eventID', () => {
  it('generates a random UUID when absent or empty', () => {
    const a = ok(base());
    const b = ok(base());
    const c = ok(base({ eventID: '' }));
    for (const r of [a, b, c]) expect(r.eventID).toMatch(UUID_V4);
    expect(new Set([a.eventID, b.eventID, c.eventID]).size).toBe(3);
  });

  it('keeps a given eventID verbatim, whatever its shape', () => {
    expect(ok(base({ eventID: 'not-a-uuid' })).eventID).toBe('not-a-uuid');
    expect(ok(base({ eventID: 'ÄÖÜ 😀' })).eventID).toBe('ÄÖÜ 😀');
  });
});

describe('normalizeRecord: eventTime', () => {
  it('defaults to the receive time, truncated to the second', () => {
    expect(ok(base()).eventTime).toBe('2024-05-01T12:34:56Z');
    expect(ok(base(), { receivedAtMs: Date.UTC(2030, 0, 1, 0, 0, 0, 999) }).eventTime).toBe('2030-01-01T00:00:00Z');
  });

  it.each<[string, unknown, string]>([
    ['canonical', '2024-05-01T12:34:56Z', '2024-05-01T12:34:56Z'],
    ['milliseconds', '2024-05-01T12:34:56.789Z', '2024-05-01T12:34:56Z'],
    ['microseconds', '2024-05-01T12:34:56.999999Z', '2024-05-01T12:34:56Z'],
    ['nanoseconds', '2024-05-01T12:34:56.123456789Z', '2024-05-01T12:34:56Z'],
    ['positive offset with colon', '2024-05-01T14:34:56+02:00', '2024-05-01T12:34:56Z'],
    ['negative offset with colon', '2024-05-01T07:34:56-05:00', '2024-05-01T12:34:56Z'],
    ['offset without colon', '2024-05-01T14:34:56+0200', '2024-05-01T12:34:56Z'],
    ['offset of whole hours only', '2024-05-01T14:34:56+02', '2024-05-01T12:34:56Z'],
    ['fraction and offset', '2024-05-01T14:34:56.5+02:00', '2024-05-01T12:34:56Z'],
    ['+00:00', '2024-05-01T12:34:56+00:00', '2024-05-01T12:34:56Z'],
    ['offset crossing the year', '2024-12-31T23:59:59.999-01:00', '2025-01-01T00:59:59Z'],
    ['space instead of T', '2024-05-01 12:34:56Z', '2024-05-01T12:34:56Z'],
    ['lower-case z', '2024-05-01T12:34:56z', '2024-05-01T12:34:56Z'],
    ['no zone means UTC', '2024-05-01T12:34:56', '2024-05-01T12:34:56Z'],
    ['minutes precision', '2024-05-01T12:34', '2024-05-01T12:34:00Z'],
    ['date only', '2024-05-01', '2024-05-01T00:00:00Z'],
    ['leap day', '2024-02-29T08:00:00Z', '2024-02-29T08:00:00Z'],
    ['epoch seconds', 1714566896, '2024-05-01T12:34:56Z'],
    ['epoch seconds with fraction', 1714566896.789, '2024-05-01T12:34:56Z'],
    ['epoch milliseconds', 1714566896789, '2024-05-01T12:34:56Z'],
    ['epoch zero', 0, '1970-01-01T00:00:00Z'],
    ['largest ten-digit seconds value', 9999999999, '2286-11-20T17:46:39Z'],
    ['last second of year 9999', '9999-12-31T23:59:59Z', '9999-12-31T23:59:59Z'],
  ])('accepts %s (%j) as %s', (_name, value, want) => {
    const rec = ok(base({ eventTime: value }));
    expect(rec.eventTime).toBe(want);
    expect(rec.eventTime).toMatch(CANONICAL_TIME);
  });

  it.each<[string, unknown]>([
    ['a word', 'yesterday'],
    ['month 13, day 45', '2024-13-45T00:00:00Z'],
    ['an object', {}],
    ['an array', []],
    ['a boolean', true],
    ['null', null],
    ['an empty string', ''],
    ['epoch seconds as a string', '1714566896'],
    ['an English date', 'May 5, 2024'],
    ['RFC 2822', 'Wed, 01 May 2024 12:34:56 GMT'],
    ['hour 25', '2024-05-01T25:00:00Z'],
    ['minute 60', '2024-05-01T12:60:00Z'],
    ['February 30', '2024-02-30T00:00:00Z'],
    ['February 29 of a common year', '2023-02-29T12:00:00Z'],
    ['April 31', '2024-04-31T00:00:00Z'],
    ['a five-digit year', '10000-01-01T00:00:00Z'],
    ['before 1970', '1969-12-31T23:59:59Z'],
    ['negative epoch seconds', -1],
    ['infinity (1e400 in JSON)', JSON.parse('1e400')],
    ['trailing garbage', '2024-05-01T12:34:56Zjunk'],
  ])('refuses %s with InvalidData naming eventTime', (_name, value) => {
    const e = err(base({ eventTime: value }));
    expect(e.errorCode).toBe('InvalidData');
    expect(e.errorMessage).toMatch(/eventTime/);
  });

  it('keeps the message short for a huge unparseable value', () => {
    const e = err(base({ eventTime: 'x'.repeat(100_000) }));
    expect(e.errorCode).toBe('InvalidData');
    expect(e.errorMessage.length).toBeLessThan(300);
  });
});

describe('normalizeRecord: eventVersion, awsRegion, eventType, eventCategory, managementEvent', () => {
  it('defaults eventVersion and awsRegion, keeps given ones', () => {
    expect(ok(base())).toMatchObject({ eventVersion: '1.11', awsRegion: 'eu-west-1' });
    expect(ok(base({ eventVersion: '1.08', awsRegion: 'apiso-northsouth-3r' }))).toMatchObject({
      eventVersion: '1.08',
      awsRegion: 'apiso-northsouth-3r',
    });
  });

  it.each<[string, string, boolean | undefined]>([
    ['AwsApiCall', 'Management', true],
    ['AwsServiceEvent', 'Management', true],
    ['AwsConsoleAction', 'Management', true],
    ['AwsConsoleSignIn', 'Management', true],
    ['AwsCloudTrailInsight', 'Insight', undefined],
    ['ActivityLog', 'ActivityAuditLog', undefined],
    ['AwsVpceEvent', 'NetworkActivity', undefined],
    ['SomeFutureType', 'Management', undefined],
  ])('eventType %s → eventCategory %s, managementEvent %s', (eventType, category, management) => {
    const rec = ok(base({ eventType }), { profile: 'archive' });
    expect(rec.eventType).toBe(eventType);
    expect(rec.eventCategory).toBe(category);
    if (management === undefined) expect(rec).not.toHaveProperty('managementEvent');
    else expect(rec.managementEvent).toBe(management);
  });

  it('infers the Insight event type from eventCategory Insight', () => {
    const rec = ok({ eventCategory: 'Insight', insightDetails: { state: 'Start' } });
    expect(rec.eventType).toBe('AwsCloudTrailInsight');
    expect(rec.eventCategory).toBe('Insight');
    expect(rec).not.toHaveProperty('managementEvent');
    expect(rec).not.toHaveProperty('readOnly');
  });

  it('sets managementEvent false for an API call in a non-management category', () => {
    expect(ok(base({ eventCategory: 'Data' })).managementEvent).toBe(false);
    expect(ok(base({ eventCategory: 'NetworkActivity' })).managementEvent).toBe(false);
  });

  it('does not override a given managementEvent', () => {
    expect(ok(base({ managementEvent: false })).managementEvent).toBe(false);
    expect(ok(base({ eventCategory: 'Data', managementEvent: true })).managementEvent).toBe(true);
  });

  it('accepts "true"/"false" strings for managementEvent and stores booleans', () => {
    expect(ok(base({ managementEvent: 'true' })).managementEvent).toBe(true);
    expect(ok(base({ managementEvent: 'false' })).managementEvent).toBe(false);
  });
});

describe('normalizeRecord: readOnly', () => {
  it.each<[string, boolean]>([
    ['GetObject', true],
    ['ListBuckets', true],
    ['DescribeInstances', true],
    ['HeadObject', true],
    ['LookupEvents', true],
    ['SearchResources', true],
    ['Scan', true],
    ['Query', true],
    ['BatchGetItem', true],
    ['SelectObjectContent', true],
    ['ViewBilling', true],
    ['FilterLogEvents', true],
    ['TestInvokeMethod', true],
    ['ValidateTemplate', true],
    ['VerifySoftwareToken', true],
    ['GetV2', true],
    ['Get', true],
    ['CreateUser', false],
    ['DeleteTrail', false],
    ['ConsoleLogin', false],
    ['PutObject', false],
    ['StopLogging', false],
    ['RunInstances', false],
    ['Getaway', false],
    ['Listen', false],
    ['getObject', false],
    ['', false],
  ])('infers %j → %s', (eventName, want) => {
    const rec = ok(base({ eventName }), { profile: 'archive' });
    expect(rec.readOnly).toBe(want);
  });

  it('never overrides a given value', () => {
    expect(ok(base({ eventName: 'GetObject', readOnly: false })).readOnly).toBe(false);
    expect(ok(base({ eventName: 'CreateUser', readOnly: true })).readOnly).toBe(true);
  });

  it('accepts "true"/"false" strings (LookupEvents spelling) and stores booleans', () => {
    const t = ok(base({ eventName: 'CreateUser', readOnly: 'true' }));
    const f = ok(base({ eventName: 'GetObject', readOnly: 'false' }));
    expect(t.readOnly).toBe(true);
    expect(f.readOnly).toBe(false);
    expect(JSON.parse(JSON.stringify(t)).readOnly).toBe(true);
  });

  it('adds nothing when there is no eventName (archive fragments) or for Insights events', () => {
    expect(ok({ userIdentity: { type: 'Root' } }, { profile: 'archive' })).not.toHaveProperty('readOnly');
    expect(ok({ eventType: 'AwsCloudTrailInsight', eventName: 'GetObject' })).not.toHaveProperty('readOnly');
  });
});

describe('normalizeRecord: recipientAccountId', () => {
  it('defaults to the context account', () => {
    expect(ok(base()).recipientAccountId).toBe('123456789012');
  });

  it('keeps another valid account when enforceRecipient is off', () => {
    expect(ok(base({ recipientAccountId: '999999999999' })).recipientAccountId).toBe('999999999999');
  });

  it('accepts the caller’s own account under enforceRecipient', () => {
    expect(ok(base({ recipientAccountId: '123456789012' }), { enforceRecipient: true }).recipientAccountId).toBe(
      '123456789012',
    );
  });

  it('refuses another account under enforceRecipient with InvalidRecipient', () => {
    const e = err(base({ recipientAccountId: '999999999999' }), { enforceRecipient: true });
    expect(e.errorCode).toBe('InvalidRecipient');
    expect(e.errorMessage).toMatch(/recipientAccountId/);
    expect(e.errorMessage).toContain('999999999999');
  });

  it.each(['12345', '1234567890123', 'abcdefghijkl', ''])(
    'refuses the malformed account %j under the api profile',
    (value) => {
      const e = err(base({ recipientAccountId: value }));
      expect(e.errorCode).toBe('InvalidRecipient');
      expect(e.errorMessage).toMatch(/recipientAccountId/);
    },
  );

  it('takes a malformed account from an archive as it is, unless enforceRecipient', () => {
    expect(ok(base({ recipientAccountId: 'anonymized' }), { profile: 'archive' }).recipientAccountId).toBe(
      'anonymized',
    );
    const e = err(base({ recipientAccountId: 'anonymized' }), { profile: 'archive', enforceRecipient: true });
    expect(e.errorCode).toBe('InvalidRecipient');
  });

  it('refuses a non-string recipientAccountId with InvalidData', () => {
    const e = err(base({ recipientAccountId: 123456789012 }));
    expect(e.errorCode).toBe('InvalidData');
    expect(e.errorMessage).toMatch(/recipientAccountId must be a string/);
  });
});

describe('normalizeRecord: unknown fields', () => {
  it('keeps unknown top-level and nested fields verbatim', () => {
    const unknown = {
      'x-custom': { a: [1, { b: null, c: [true, false] }], s: 'ü😀\u0000', n: -12.5e-3 },
      futureField: [[[]], {}],
      emptyString: '',
      nullValue: null,
    };
    const input = base({
      ...unknown,
      userIdentity: {
        type: 'AssumedRole',
        newIdentityField: { deeper: [1, 2, 3] },
        sessionContext: { sessionIssuer: { type: 'Role', extra: 'x' }, futureContext: { y: 1 } },
        onBehalfOf: { userId: 'u', futureKey: 2 },
      },
      requestParameters: { nested: { list: [{ k: 'v' }], n: 0 } },
      responseElements: null,
      resources: [{ ARN: 'arn:x', type: 'AWS::S3::Bucket', accountId: '1', extraKey: { z: 1 } }, { ARN: null }],
      tlsDetails: { tlsVersion: 'TLSv1.3', keyExchange: 'X25519MLKEM768', future: 1 },
      addendum: { reason: 'UPDATED_DATA', originalUID: 'u1' },
    });
    const copy = structuredClone(input);
    const r = normalizeRecord(input, ctx());
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const stored = JSON.parse(r.event.json) as Record<string, unknown>;
    for (const [k, v] of Object.entries(copy)) expect(stored[k], k).toEqual(v);
  });
});

describe('normalizeRecord: type errors name the field', () => {
  const STRING_FIELDS = [
    'eventVersion',
    'eventSource',
    'eventName',
    'awsRegion',
    'sourceIPAddress',
    'userAgent',
    'errorCode',
    'errorMessage',
    'requestID',
    'eventID',
    'eventType',
    'apiVersion',
    'recipientAccountId',
    'sharedEventID',
    'vpcEndpointId',
    'vpcEndpointAccountId',
    'eventCategory',
    'sessionCredentialFromConsole',
    'annotation',
    'UID',
  ];
  const OBJECT_FIELDS = [
    'additionalEventData',
    'serviceEventDetails',
    'addendum',
    'eventContext',
    'edgeDeviceDetails',
    'tlsDetails',
    'insightDetails',
    'metadata',
  ];
  const notStrings: [string, unknown][] = [
    ['number', 42],
    ['boolean', false],
    ['null', null],
    ['array', ['a']],
    ['object', { a: 1 }],
  ];
  const notObjects: [string, unknown][] = [
    ['string', 'x'],
    ['number', 0],
    ['boolean', true],
    ['null', null],
    ['array', [{}]],
  ];

  for (const profile of ['api', 'archive'] as const) {
    describe(`profile ${profile}`, () => {
      for (const f of STRING_FIELDS) {
        it.each(notStrings)(`${f} as a %s → InvalidData`, (_kind, value) => {
          const e = err(base({ [f]: value }), { profile });
          expect(e.errorCode).toBe('InvalidData');
          expect(e.errorMessage).toContain(`${f} must be a string`);
        });
      }
      for (const f of OBJECT_FIELDS) {
        it.each(notObjects)(`${f} as a %s → InvalidData`, (_kind, value) => {
          const e = err(base({ [f]: value }), { profile });
          expect(e.errorCode).toBe('InvalidData');
          expect(e.errorMessage).toContain(`${f} must be a JSON object`);
        });
      }
    });
  }

  it.each(['requestParameters', 'responseElements'])('%s may be null but not a string, number or array', (f) => {
    expect(ok(base({ [f]: null }))[f]).toBeNull();
    for (const bad of ['x', 1, [1], true]) {
      const e = err(base({ [f]: bad }));
      expect(e.errorCode).toBe('InvalidData');
      expect(e.errorMessage).toContain(`${f} must be a JSON object or null`);
    }
  });

  it.each(['readOnly', 'managementEvent'])('%s must be a boolean or "true"/"false"', (f) => {
    for (const bad of ['yes', 'TRUE', 1, 0, null, [], {}]) {
      const e = err(base({ [f]: bad }));
      expect(e.errorCode).toBe('InvalidData');
      expect(e.errorMessage).toContain(`${f} must be a boolean`);
    }
  });

  it.each<[string, unknown, string]>([
    ['an object', { ARN: 'x' }, 'resources must be an array'],
    ['null', null, 'resources must be an array'],
    ['a string', 'arn:x', 'resources must be an array'],
    ['an array holding a number', [1], 'resources[0] must be a JSON object'],
    ['an array holding null', [{}, null], 'resources[1] must be a JSON object'],
    ['a numeric ARN', [{ ARN: 5 }], 'resources[0].ARN must be a string'],
    ['an array accountId', [{ accountId: ['1'] }], 'resources[0].accountId must be a string'],
    ['an object type', [{ ARN: 'a' }, { type: {} }], 'resources[1].type must be a string'],
  ])('resources as %s → InvalidData', (_name, value, message) => {
    const e = err(base({ resources: value }));
    expect(e.errorCode).toBe('InvalidData');
    expect(e.errorMessage).toContain(message);
  });

  it('accepts resources whose members are null or extra', () => {
    const rec = ok(base({ resources: [{ ARN: null, type: null, accountId: null, other: 5 }] }));
    expect(rec.resources).toEqual([{ ARN: null, type: null, accountId: null, other: 5 }]);
  });

  it.each<[string, unknown]>([
    ['a string', 'alice'],
    ['an array', [{ type: 'IAMUser' }]],
    ['null', null],
    ['a number', 7],
  ])('userIdentity as %s → InvalidData (both profiles)', (_name, value) => {
    for (const profile of ['api', 'archive'] as const) {
      const e = err(base({ userIdentity: value }), { profile });
      expect(e.errorCode).toBe('InvalidData');
      expect(e.errorMessage).toContain('userIdentity must be a JSON object');
    }
  });

  it.each([
    'type',
    'principalId',
    'arn',
    'accountId',
    'accessKeyId',
    'userName',
    'invokedBy',
    'identityProvider',
    'credentialId',
  ])('userIdentity.%s must be a string', (f) => {
    for (const bad of [1, true, ['x'], { a: 1 }]) {
      const e = err(base({ userIdentity: { type: 'IAMUser', [f]: bad } }), { profile: 'archive' });
      expect(e.errorCode).toBe('InvalidData');
      expect(e.errorMessage).toContain(`userIdentity.${f} must be a string`);
    }
  });

  it('userIdentity.sessionContext must be an object', () => {
    for (const bad of ['x', 1, [], null]) {
      const e = err(base({ userIdentity: { type: 'AssumedRole', sessionContext: bad } }));
      expect(e.errorCode).toBe('InvalidData');
      expect(e.errorMessage).toContain('userIdentity.sessionContext must be a JSON object');
    }
  });
});

describe('normalizeRecord: required fields under the api profile', () => {
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ['eventSource absent', { eventSource: undefined }, /eventSource is required/],
    ['eventSource empty', { eventSource: '' }, /eventSource is required/],
    ['eventName absent', { eventName: undefined }, /eventName is required/],
    ['eventName empty', { eventName: '' }, /eventName is required/],
    ['userIdentity absent', { userIdentity: undefined }, /userIdentity is required/],
    ['userIdentity.type absent', { userIdentity: { userName: 'alice' } }, /userIdentity\.type is required/],
    ['userIdentity.type empty', { userIdentity: { type: '' } }, /userIdentity\.type is required/],
    ['userIdentity.type null', { userIdentity: { type: null } }, /userIdentity\.type is required/],
  ];

  it.each(cases)('%s → FieldNotFound naming the field', (_name, over, message) => {
    const input = base(over);
    for (const k of Object.keys(over)) if (over[k] === undefined) delete input[k];
    const e = err(input, { profile: 'api' });
    expect(e.errorCode).toBe('FieldNotFound');
    expect(e.errorMessage).toMatch(message);
  });

  it.each(cases)('%s is accepted under the archive profile', (_name, over) => {
    const input = base(over);
    for (const k of Object.keys(over)) if (over[k] === undefined) delete input[k];
    expect(normalizeRecord(input, ctx({ profile: 'archive' })).ok).toBe(true);
  });

  it('does not require them of Insights events', () => {
    const insight = {
      eventVersion: '1.07',
      eventTime: '2024-05-01T00:00:00Z',
      eventType: 'AwsCloudTrailInsight',
      eventCategory: 'Insight',
      insightDetails: { state: 'Start', eventSource: 'ec2.amazonaws.com', eventName: 'RunInstances' },
    };
    expect(normalizeRecord(structuredClone(insight), ctx({ profile: 'api' })).ok).toBe(true);
  });
});

describe('normalizeRecord: size and shape', () => {
  it('refuses a record over 256 KB with FieldTooLong', () => {
    const e = err(base({ requestParameters: { blob: 'a'.repeat(MAX_RECORD_BYTES) } }));
    expect(e.errorCode).toBe('FieldTooLong');
    expect(e.errorMessage).toMatch(/256 KB/);
    expect(e.errorMessage).toMatch(/\d+ bytes/);
  });

  it('counts UTF-8 bytes, not characters', () => {
    // 140,000 characters, 280,000 bytes.
    const e = err(base({ requestParameters: { blob: 'é'.repeat(140_000) } }));
    expect(e.errorCode).toBe('FieldTooLong');
  });

  it('accepts a record of exactly 256 KB and refuses one byte more', () => {
    const probe = normalizeRecord(base({ eventID: 'fixed', pad: '' }), ctx());
    if (!probe.ok) throw new Error('probe failed');
    const room = MAX_RECORD_BYTES - Buffer.byteLength(probe.event.json);
    const exact = normalizeRecord(base({ eventID: 'fixed', pad: 'p'.repeat(room) }), ctx());
    expect(exact.ok).toBe(true);
    if (exact.ok) expect(Buffer.byteLength(exact.event.json)).toBe(MAX_RECORD_BYTES);
    const over = normalizeRecord(base({ eventID: 'fixed', pad: 'p'.repeat(room + 1) }), ctx());
    expect(over.ok ? 'ok' : over.error.errorCode).toBe('FieldTooLong');
  });

  it.each<[string, unknown]>([
    ['null', null],
    ['undefined', undefined],
    ['a number', 42],
    ['a string', '{"eventName":"x"}'],
    ['a boolean', true],
    ['an empty array', []],
    ['an array of records', [{ eventName: 'x' }]],
  ])('refuses %s with InvalidData', (_name, value) => {
    for (const profile of ['api', 'archive'] as const) {
      const e = err(value, { profile });
      expect(e.errorCode).toBe('InvalidData');
      expect(e.errorMessage).toMatch(/an event must be a JSON object/);
    }
  });

  it('answers a per-event error, never throws, for a deeply nested record', () => {
    // Valid JSON that JSON.parse accepts (request bodies are parsed this way) but that is
    // nested deeper than JSON.stringify can recurse.
    const depth = 100_000;
    const input = JSON.parse(
      `{"eventSource":"s","eventName":"n","userIdentity":{"type":"T"},"requestParameters":{"deep":${'['.repeat(depth)}${']'.repeat(depth)}}}`,
    ) as unknown;
    let r: ReturnType<typeof normalizeRecord> | undefined;
    expect(() => (r = normalizeRecord(input, ctx()))).not.toThrow();
    expect(r?.ok).toBe(false);
    if (r && !r.ok) expect(r.error.errorCode).toBe('InvalidData');
  });

  it('keeps lone surrogates and control characters escaped in the JSON', () => {
    const input = JSON.parse(
      '{"eventSource":"s","eventName":"n","userIdentity":{"type":"T"},"note":"\\ud800x\\udc00\\u0000\\n"}',
    ) as Record<string, unknown>;
    const r = normalizeRecord(input, ctx());
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.event.json).toContain('"note":"\\ud800x\\udc00\\u0000\\n"');
    expect((JSON.parse(r.event.json) as { note: string }).note).toBe('\ud800x\udc00\u0000\n');
  });
});

describe('normalizeRecord: with the source text (RecordSource)', () => {
  /** Parses `text`, normalises it with its source and returns the stored JSON and the record. */
  function fromText(text: string, added: Record<string, unknown> = {}): { json: string; record: CloudTrailRecord } {
    const input = JSON.parse(text) as Record<string, unknown>;
    Object.assign(input, added);
    const r = normalizeRecord(input, ctx(), { text, added: Object.keys(added) });
    if (!r.ok) throw new Error(`expected ok, got ${r.error.errorCode}: ${r.error.errorMessage}`);
    return { json: r.event.json, record: r.event.record };
  }
  const t = JSON.stringify(base({ eventTime: '2024-05-01T10:00:00Z', n: 1 }));

  it('stores the text as it is, with the caller’s and the defaulted members before its brace', () => {
    const { json, record } = fromText(t, { channel: 'c-1' });
    expect(json).toBe(
      t.slice(0, -1) +
        `,"channel":"c-1","recipientAccountId":"123456789012","eventID":${JSON.stringify(record.eventID)},` +
        `"eventVersion":"${CURRENT_EVENT_VERSION}","awsRegion":"eu-west-1","eventType":"AwsApiCall",` +
        `"eventCategory":"Management","managementEvent":true,"readOnly":false}`,
    );
    expect(JSON.parse(json)).toEqual(record);
    // The same members, in the same order, as serialising the record would give.
    expect(json).toBe(JSON.stringify(record));
  });

  it('keeps spaces, number spellings and escapes of the text; it parses to the same record', () => {
    const text =
      '{ "eventSource" : "orders.example.com", "eventName":"Create\\u004frder", "size": 1.50E1,' +
      ' "userIdentity": {"type":"IAMUser","userName":"alice"}, "eventTime":"2024-05-01T10:00:00Z" }  ';
    const { json, record } = fromText(text);
    expect(
      json.startsWith('{ "eventSource" : "orders.example.com", "eventName":"Create\\u004frder", "size": 1.50E1,'),
    ).toBe(true);
    expect(record.eventName).toBe('CreateOrder');
    expect(JSON.parse(json)).toEqual(record);
  });

  it('takes the first added member without a comma into an empty object', () => {
    const r = normalizeRecord({}, ctx({ profile: 'archive' }), { text: '{ }', added: [] });
    expect(r.ok).toBe(true);
    if (r.ok) expect(JSON.parse(r.event.json)).toEqual(r.event.record);
  });

  it.each([
    ['a newline between tokens', t.replace(',"n":1', ',\n"n":1')],
    ['a carriage return between tokens', t.replace(',"n":1', ',\r"n":1')],
    ['a lone surrogate', t.replace('"n":1', '"n":"\ud800"')],
    ['an eventTime it rewrites', t.replace('2024-05-01T10:00:00Z', '2024-05-01T12:00:00+02:00')],
    ['readOnly spelled as a string', t.replace('"n":1', '"readOnly":"true"')],
    ['an empty eventID it replaces', t.replace('"n":1', '"eventID":""')],
    ['more than 1,000 brackets', t.replace('"n":1', `"n":[${Array(1000).fill('[]').join(',')}]`)],
  ])('serialises the record whole for a text with %s', (_, text) => {
    const { json, record } = fromText(text);
    expect(json).toBe(JSON.stringify(record));
    expect(json).not.toMatch(/[\n\r]/);
  });

  it('still refuses nesting too deep to serialise', () => {
    const text = t.replace('"n":1', `"n":${'['.repeat(50_000)}${']'.repeat(50_000)}`);
    const r = normalizeRecord(JSON.parse(text), ctx(), { text, added: [] });
    expect(r.ok ? 'ok' : r.error.errorCode).toBe('InvalidData');
  });
});
