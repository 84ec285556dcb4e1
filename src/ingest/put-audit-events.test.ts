import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_RECORD_BYTES } from '../event/normalize.js';
import { channelArn, defaultChannel, type Channel } from './channels.js';
import { auditEventId, mapAuditEvents, type AuditEventEntry, type MappedAuditEvent } from './put-audit-events.js';
import { openEmbedded, removeDir, type Embedded } from '../../test/helpers/embedded.js';

const ACCOUNT = '123456789012';
const OTHER = '210987654321';
const CHANNEL = defaultChannel(ACCOUNT, 'eu-central-1');
const RECEIVED = Date.UTC(2026, 10, 20, 10, 5, 30, 456);
const UUID_V5 = /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function data(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    version: '1.0',
    userIdentity: { type: 'CustomUser', principalId: 'alice', details: { team: 'payments', level: 3 } },
    userAgent: 'orders-service/2.1',
    eventSource: 'orders.example.com',
    eventName: 'CancelOrder',
    eventTime: '2026-11-20T10:00:00Z',
    UID: 'uid-1',
    requestParameters: { orderId: 'o-1', items: [{ sku: 'a', qty: 2 }] },
    responseElements: null,
    sourceIPAddress: '192.0.2.10',
    additionalEventData: { reason: 'customer request', nested: { ok: true } },
    ...extra,
  };
}

function entry(id: string, d: Record<string, unknown> | string = data(), checksum?: string): AuditEventEntry {
  const eventData = typeof d === 'string' ? d : JSON.stringify(d);
  return { id, eventData, ...(checksum !== undefined ? { eventDataChecksum: checksum } : {}) };
}

function mapOne(e: AuditEventEntry, channel: Channel = CHANNEL): MappedAuditEvent {
  const [r] = mapAuditEvents([e], channel, RECEIVED);
  return r!;
}

function failure(e: AuditEventEntry): { errorCode: string; errorMessage: string } {
  const r = mapOne(e);
  if (r.ok) throw new Error(`expected a failure, got ${r.event.json.slice(0, 200)}`);
  expect(r.id).toBe(e.id);
  return { errorCode: r.errorCode, errorMessage: r.errorMessage };
}

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest();

describe('mapAuditEvents: a valid entry', () => {
  it('becomes an ordinary CloudTrail record around the eventData members', () => {
    const d = data();
    const r = mapOne(entry('e1', d));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.id).toBe('e1');
    expect(r.event.record).toEqual({
      ...d,
      eventCategory: 'ActivityAuditLog',
      eventType: 'ActivityLog',
      eventID: auditEventId(CHANNEL, 'uid-1'),
      awsRegion: 'eu-central-1',
      recipientAccountId: ACCOUNT,
      metadata: {
        ingestionTime: '2026-11-20T10:05:30Z',
        channelARN: `arn:aws:cloudtrail:eu-central-1:${ACCOUNT}:channel/default`,
      },
      eventVersion: '1.11',
      readOnly: false,
    });
    expect(r.event.record).not.toHaveProperty('managementEvent');
    expect(r.event.accountId).toBe(ACCOUNT);
    expect(r.event.eventId).toMatch(UUID_V5);
    expect(r.event.eventTimeMs).toBe(Date.UTC(2026, 10, 20, 10));
    expect(JSON.parse(r.event.json)).toEqual(r.event.record);
  });

  it('normalises eventTime to CloudTrail’s format', () => {
    const r = mapOne(entry('e1', data({ eventTime: '2026-11-20T11:00:00.123+01:00' })));
    expect(r.ok && r.event.record.eventTime).toBe('2026-11-20T10:00:00Z');
  });

  it('lets the fields CloudTrail adds win over same-named members', () => {
    const r = mapOne(
      entry(
        'e1',
        data({
          eventID: 'caller-chosen',
          awsRegion: 'mars-1',
          eventCategory: 'Management',
          eventType: 'AwsApiCall',
          metadata: { channelARN: 'forged' },
        }),
      ),
    );
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.event.record).toMatchObject({
      eventID: auditEventId(CHANNEL, 'uid-1'),
      awsRegion: 'eu-central-1',
      eventCategory: 'ActivityAuditLog',
      eventType: 'ActivityLog',
      metadata: { ingestionTime: '2026-11-20T10:05:30Z', channelARN: CHANNEL.channelArn },
    });
  });

  it('accepts the channel owner’s own recipientAccountId', () => {
    expect(mapOne(entry('e1', data({ recipientAccountId: ACCOUNT }))).ok).toBe(true);
  });
});

describe('mapAuditEvents: the stored JSON', () => {
  it('is the eventData text with the added members before its closing brace', () => {
    const text = JSON.stringify(data({ count: 1.5e1 })).replace('"count":15', '"count":1.50E1');
    const r = mapOne(entry('e1', text));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(
      r.event.json.startsWith(text.slice(0, -1) + ',"eventCategory":"ActivityAuditLog","eventType":"ActivityLog"'),
    ).toBe(true);
    expect(JSON.parse(r.event.json)).toEqual(r.event.record);
  });

  it('is the record serialised again when eventData names a member CloudTrail sets', () => {
    const r = mapOne(entry('e1', data({ awsRegion: 'mars-1' })));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.event.json).toBe(JSON.stringify(r.event.record));
    expect(r.event.record.awsRegion).toBe('eu-central-1');
  });
});

describe('mapAuditEvents: eventID', () => {
  const other: Channel = { ...CHANNEL, channelArn: channelArn('eu-central-1', ACCOUNT, 'c-2'), name: 'second' };

  it('is deterministic: the same UID on the same channel gives the same eventID', () => {
    const a = mapOne(entry('a', data({ UID: 'u-42' })));
    const b = mapOne(entry('b', data({ UID: 'u-42', eventName: 'Changed' })));
    expect(a.ok && b.ok).toBe(true);
    if (!a.ok || !b.ok) return;
    expect(a.event.eventId).toBe(b.event.eventId);
    expect(a.event.eventId).toMatch(UUID_V5);
  });

  it('differs for another UID, another channel and another account', () => {
    const idsSeen = new Set([
      auditEventId(CHANNEL, 'u-42'),
      auditEventId(CHANNEL, 'u-43'),
      auditEventId(other, 'u-42'),
      auditEventId(defaultChannel(OTHER, 'eu-central-1'), 'u-42'),
    ]);
    expect(idsSeen.size).toBe(4);
    for (const id of idsSeen) expect(id).toMatch(UUID_V5);
  });
});

describe('mapAuditEvents: checksum', () => {
  it('accepts the base64 SHA-256 of eventData', () => {
    const text = JSON.stringify(data({ note: 'ünïcödé 😀' }));
    expect(mapOne(entry('e', text, sha256(text).toString('base64'))).ok).toBe(true);
  });

  it('accepts the hex SHA-256 too (a documented leniency)', () => {
    const text = JSON.stringify(data());
    expect(mapOne(entry('e', text, sha256(text).toString('hex'))).ok).toBe(true);
    expect(mapOne(entry('e', text, sha256(text).toString('hex').toUpperCase())).ok).toBe(true);
  });

  it.each<[string, (text: string) => string]>([
    ['of other data', (t) => sha256(t + ' ').toString('base64')],
    ['empty', () => ''],
    ['garbage', () => 'not-a-checksum'],
    [
      'base64url instead of base64',
      (t) =>
        sha256(t)
          .toString('base64url')
          .replace(/^[^-_]*$/, 'x'),
    ],
    ['SHA-1', (t) => createHash('sha1').update(t).digest('base64')],
  ])('refuses a checksum %s with InvalidChecksum', (_name, make) => {
    const text = JSON.stringify(data());
    const e = failure(entry('e', text, make(text)));
    expect(e.errorCode).toBe('InvalidChecksum');
    expect(e.errorMessage).toMatch(/eventDataChecksum/);
  });
});

describe('mapAuditEvents: invalid eventData', () => {
  it.each(['{', 'not json', '{"a":1,}', '', "{'a':1}"])('refuses non-JSON %j with InvalidData', (text) => {
    const e = failure(entry('e', text));
    expect(e.errorCode).toBe('InvalidData');
    expect(e.errorMessage).toMatch(/eventData is not valid JSON/);
  });

  it.each(['[]', '[{"version":"1.0"}]', '42', 'null', '"text"', 'true'])(
    'refuses JSON that is not an object (%s) with InvalidData',
    (text) => {
      const e = failure(entry('e', text));
      expect(e.errorCode).toBe('InvalidData');
      expect(e.errorMessage).toMatch(/eventData must be a JSON object/);
    },
  );

  it.each(['version', 'eventSource', 'eventName', 'eventTime', 'UID', 'userIdentity'])(
    'refuses a missing, null or empty %s with FieldNotFound naming it',
    (member) => {
      for (const value of [undefined, null, '']) {
        const d = data();
        if (value === undefined) delete d[member];
        else d[member] = value;
        const e = failure(entry('e', d));
        expect(e.errorCode, `${member}=${String(value)}`).toBe('FieldNotFound');
        expect(e.errorMessage).toContain(`eventData.${member}`);
      }
    },
  );

  it.each<[string, unknown]>([
    ['a string', 'alice'],
    ['an array', [{ type: 'T', principalId: 'p' }]],
    ['a number', 1],
  ])('refuses userIdentity as %s with FieldNotFound', (_name, value) => {
    const e = failure(entry('e', data({ userIdentity: value })));
    expect(e.errorCode).toBe('FieldNotFound');
    expect(e.errorMessage).toContain('eventData.userIdentity');
  });

  it.each(['type', 'principalId'])(
    'refuses a missing, empty or non-string userIdentity.%s with FieldNotFound',
    (member) => {
      for (const value of [undefined, '', 5, null]) {
        const ui: Record<string, unknown> = { type: 'CustomUser', principalId: 'alice' };
        if (value === undefined) delete ui[member];
        else ui[member] = value;
        const e = failure(entry('e', data({ userIdentity: ui })));
        expect(e.errorCode, `${member}=${String(value)}`).toBe('FieldNotFound');
        expect(e.errorMessage).toContain(`eventData.userIdentity.${member}`);
      }
    },
  );

  it('refuses a UID that is not a string with InvalidData', () => {
    const e = failure(entry('e', data({ UID: 12345 })));
    expect(e.errorCode).toBe('InvalidData');
    expect(e.errorMessage).toContain('UID');
  });

  it.each<[string, unknown, string]>([
    ['eventSource', 5, 'eventSource must be a string'],
    ['eventName', ['x'], 'eventName must be a string'],
    ['requestParameters', 'x', 'requestParameters must be a JSON object or null'],
    ['additionalEventData', [1], 'additionalEventData must be a JSON object'],
    ['eventTime', 'yesterday', 'eventTime'],
    ['readOnly', 'maybe', 'readOnly must be a boolean'],
  ])('refuses %s = %j with InvalidData naming it', (member, value, message) => {
    const e = failure(entry('e', data({ [member]: value })));
    expect(e.errorCode).toBe('InvalidData');
    expect(e.errorMessage).toContain(message);
  });

  it('refuses another account as recipientAccountId with InvalidRecipient', () => {
    for (const value of [OTHER, 'abc', 123456789012]) {
      const e = failure(entry('e', data({ recipientAccountId: value })));
      expect(e.errorCode).toBe('InvalidRecipient');
      expect(e.errorMessage).toContain('recipientAccountId');
      expect(e.errorMessage).toContain(ACCOUNT);
    }
  });

  it('refuses eventData over 256 KB with FieldTooLong', () => {
    const e = failure(entry('e', data({ requestParameters: { blob: 'x'.repeat(MAX_RECORD_BYTES) } })));
    expect(e.errorCode).toBe('FieldTooLong');
    expect(e.errorMessage).toMatch(/256 KB/);
    // Counted in UTF-8 bytes: 100,000 × "€" is 300,000 bytes.
    expect(failure(entry('e', data({ note: '€'.repeat(100_000) }))).errorCode).toBe('FieldTooLong');
  });

  it('refuses eventData under 256 KB that the added fields push over the limit, with FieldTooLong', () => {
    const small = JSON.stringify(data({ pad: '' }));
    const pad = 'p'.repeat(MAX_RECORD_BYTES - Buffer.byteLength(small));
    const text = JSON.stringify(data({ pad }));
    expect(Buffer.byteLength(text)).toBe(MAX_RECORD_BYTES);
    expect(failure(entry('e', text)).errorCode).toBe('FieldTooLong');
  });

  it('answers a per-entry error, never throws, for eventData nested too deeply', () => {
    const depth = 50_000; // 100 KB of brackets: within the size limit.
    const deep = JSON.stringify(data()).replace(
      '"requestParameters":{',
      `"requestParameters":{"deep":${'['.repeat(depth)}${']'.repeat(depth)},`,
    );
    let out: MappedAuditEvent[] = [];
    expect(() => (out = mapAuditEvents([entry('good'), entry('deep', deep)], CHANNEL, RECEIVED))).not.toThrow();
    expect(out.map((r) => [r.id, r.ok ? 'ok' : r.errorCode])).toEqual([
      ['good', 'ok'],
      ['deep', 'InvalidData'],
    ]);
  });
});

describe('mapAuditEvents: a mixed batch', () => {
  it('keeps the order and ids of valid and invalid entries', () => {
    const goodText = JSON.stringify(data({ UID: 'u-3' }));
    const entries: AuditEventEntry[] = [
      entry('ok-1', data({ UID: 'u-1' })),
      entry('bad-json', '{'),
      entry('ok-2', data({ UID: 'u-2' })),
      entry('no-uid', data({ UID: undefined })),
      entry('bad-sum', goodText, 'AAAA'),
      entry('ok-3', goodText, sha256(goodText).toString('base64')),
      entry('other-account', data({ recipientAccountId: OTHER })),
    ];
    const out = mapAuditEvents(entries, CHANNEL, RECEIVED);
    expect(out.map((r) => [r.id, r.ok ? 'ok' : r.errorCode])).toEqual([
      ['ok-1', 'ok'],
      ['bad-json', 'InvalidData'],
      ['ok-2', 'ok'],
      ['no-uid', 'FieldNotFound'],
      ['bad-sum', 'InvalidChecksum'],
      ['ok-3', 'ok'],
      ['other-account', 'InvalidRecipient'],
    ]);
    const okIds = out.flatMap((r) => (r.ok ? [r.event.eventId] : []));
    expect(okIds).toEqual(['u-1', 'u-2', 'u-3'].map((u) => auditEventId(CHANNEL, u)));
    for (const r of out) if (!r.ok) expect(r.errorMessage.length).toBeGreaterThan(0);
  });
});

describe('mapped events in the embedded log', () => {
  let env: Embedded;
  beforeAll(async () => {
    env = await openEmbedded();
  });
  afterAll(async () => {
    await env?.close();
    removeDir(env?.dir);
  });

  it('are stored once: a client retry with the same UID is a duplicate', async () => {
    const first = mapAuditEvents(
      [entry('a', data({ UID: 'retry-1' })), entry('b', data({ UID: 'retry-2' }))],
      CHANNEL,
      RECEIVED,
    );
    const events = first.flatMap((r) => (r.ok ? [r.event] : []));
    expect(events).toHaveLength(2);
    const stored = await env.ingestor.appendNormalized(events, RECEIVED);
    expect(stored.map((r) => r.ok && r.status)).toEqual(['stored', 'stored']);

    const retry = mapAuditEvents([entry('a', data({ UID: 'retry-1' }))], CHANNEL, RECEIVED + 60_000);
    const again = await env.ingestor.appendNormalized(
      retry.flatMap((r) => (r.ok ? [r.event] : [])),
      RECEIVED + 60_000,
    );
    expect(again.map((r) => r.ok && r.status)).toEqual(['duplicate']);
    expect(await env.store.countEvents(ACCOUNT)).toBe(2);

    const got = await env.store.getEvent(ACCOUNT, auditEventId(CHANNEL, 'retry-1'));
    expect(got?.json).toBe(events[0]!.json);
    expect(got?.record.eventCategory).toBe('ActivityAuditLog');
    const page = await env.store.lookup({
      accountId: ACCOUNT,
      attributes: [{ key: 'EventSource', value: 'orders.example.com' }],
      limit: 10,
    });
    expect(page.events).toHaveLength(2);
  });
});
