import { describe, expect, it } from 'vitest';
import { EmbeddedDatabase } from './database.js';
import { ACCOUNT_A, API_CTX, embeddedPerTest, tempDir } from '../../../test/helpers/embedded.js';

const embedded = embeddedPerTest();

const alice = (eventName: string, eventTime: string) => ({
  eventSource: 'orders.example.com',
  eventName,
  eventTime,
  userIdentity: { type: 'IAMUser', userName: 'alice' },
});

describe('EmbeddedDatabase schema', () => {
  it('keeps new records in the segments only: rows hold their location, not the record', async () => {
    const e = await embedded.open();
    const [out] = await e.ingestor.ingest([alice('CancelOrder', '2026-11-22T10:00:00Z')], API_CTX);
    await e.log.materialized();
    const r = await e.db.read((c) =>
      c.runAndReadAll("SELECT record = '', rec_segment IS NOT NULL, rec_length FROM events"),
    );
    const [row] = r.getRows();
    expect(row?.slice(0, 2)).toEqual([true, true]);
    if (!out?.ok) throw new Error('not stored');
    const stored = await e.store.getEvent(ACCOUNT_A, out.eventId);
    expect(stored?.record.eventName).toBe('CancelOrder');
    expect(Buffer.byteLength(stored!.json)).toBe(row![2]);
  });

  it('reads rows written before segments existed from the record column, beside newer ones', async () => {
    const dir = tempDir();
    embedded.keep(dir);
    // A row as written before segments existed: the record in the row, no location.
    const old = await EmbeddedDatabase.open(dir);
    const legacy = { eventID: 'old-1', eventTime: '2020-01-01T00:00:00Z', eventName: 'Legacy', eventSource: 'x.com' };
    await old.write(async (c) => {
      await c.run(
        `INSERT INTO events VALUES (1, $acct, 'old-1', TIMESTAMP '2020-01-01', TIMESTAMP '2020-01-01',
          'Legacy', 'x.com', NULL, 'Management', false, NULL, NULL, NULL, NULL, $rec, NULL, NULL, NULL)`,
        { rec: JSON.stringify(legacy), acct: ACCOUNT_A },
      );
    });
    await old.close();

    const e = await embedded.open(dir);
    await e.ingestor.ingest([alice('Newer', '2026-01-01T00:00:00Z')], API_CTX);
    const page = await e.store.lookup({ accountId: ACCOUNT_A, attributes: [], limit: 50 });
    expect(page.events.map((x) => x.record.eventName)).toEqual(['Newer', 'Legacy']);
    expect((await e.log.read(0, 10)).map((x) => JSON.parse(x.json).eventName)).toEqual(['Legacy', 'Newer']);
  });
});
