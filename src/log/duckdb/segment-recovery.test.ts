import { appendFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { NormalizedEvent } from '../../event/types.js';
import {
  ACCOUNT_A,
  ACCOUNT_B,
  apiRecord,
  normalized,
  embeddedPerTest,
  tempDir,
} from '../../../test/helpers/embedded.js';
import { EmbeddedDatabase } from '../../store/duckdb/database.js';
import { RecordSegments } from './record-segments.js';

const embedded = embeddedPerTest();
const open = embedded.open;

function ev(id: string, over: Record<string, unknown> = {}, account = ACCOUNT_A): NormalizedEvent {
  return normalized(apiRecord({ eventID: id, recipientAccountId: account, ...over }), { accountId: account });
}

/**
 * What the log leaves on disk when the process dies after a group is synced in its segment but
 * before its rows commit: the group appended exactly as the log appends it, and no rows.
 */
async function acknowledgedWithoutRows(dir: string, events: NormalizedEvent[], firstSeq: number, receivedAtMs: number) {
  const segments = RecordSegments.open(dir);
  await segments.append(
    events.map((e) => e.json),
    { firstSeq, accounts: events.map((e) => e.accountId), receivedAtMs: events.map(() => receivedAtMs) },
  );
  segments.close();
}

describe('recovery of acknowledged events from the segments', () => {
  it('rebuilds the rows a crash kept from committing: readable, looked up, idempotent, in sequence', async () => {
    const dir = tempDir();
    embedded.keep(dir);
    // The database exists with its schema, as it does before the first append.
    await (await EmbeddedDatabase.open(dir)).close();
    const events = [ev('lost-1'), ev('lost-2', { eventName: 'DeleteBucket' }), ev('lost-3', {}, ACCOUNT_B)];
    await acknowledgedWithoutRows(dir, events, 1, Date.UTC(2024, 4, 1, 12));

    const e = await open(dir);
    expect(await e.log.headSeq()).toBe(3);
    const read = await e.log.read(0, 10);
    expect(read.map((r) => [r.seq, r.eventId, r.accountId, r.receivedAtMs])).toEqual([
      [1, 'lost-1', ACCOUNT_A, Date.UTC(2024, 4, 1, 12)],
      [2, 'lost-2', ACCOUNT_A, Date.UTC(2024, 4, 1, 12)],
      [3, 'lost-3', ACCOUNT_B, Date.UTC(2024, 4, 1, 12)],
    ]);
    expect(read.map((r) => r.json)).toEqual(events.map((x) => x.json));
    // The lookup columns are rebuilt too.
    const page = await e.store.lookup({
      accountId: ACCOUNT_A,
      attributes: [{ key: 'EventName', value: 'DeleteBucket' }],
      limit: 10,
    });
    expect(page.events.map((x) => x.record.eventID)).toEqual(['lost-2']);
    // Idempotency knows them, and new events continue the sequence.
    const again = await e.log.append([ev('lost-1'), ev('new-4')], Date.now());
    expect(again).toEqual([
      { status: 'duplicate', seq: 0 },
      { status: 'stored', seq: 4 },
    ]);
  });

  it('recovers only what follows the rows already committed, once', async () => {
    const first = await open();
    await first.log.append([ev('a'), ev('b')], Date.now());
    await first.close();
    await acknowledgedWithoutRows(first.dir, [ev('c')], 3, Date.now());
    const second = await open(first.dir);
    expect((await second.log.read(0, 10)).map((r) => r.eventId)).toEqual(['a', 'b', 'c']);
    await second.close();
    const third = await open(first.dir);
    expect(await third.store.countEvents()).toBe(3);
  });

  it('skips a torn group at the end and appends to a fresh segment after it', async () => {
    const first = await open();
    await first.log.append([ev('whole')], Date.now());
    await first.close();
    // The process died in the middle of writing the next group.
    appendFileSync(
      join(first.dir, 'records', '00000001.records'),
      '#{"seq":2,"n":1,"bytes":900,"recv":[[1,5]],"acct":[[1,"111111111111"]]}\n{"eventVersion":"1.',
    );
    const second = await open(first.dir);
    expect(await second.log.headSeq()).toBe(1);
    await second.log.append([ev('after')], Date.now());
    expect(readdirSync(join(first.dir, 'records')).sort()).toEqual(['00000001.records', '00000002.records']);
    await second.close();
    // The torn bytes stay where they are and are never read; the group after them is found.
    await acknowledgedWithoutRows(first.dir, [ev('acked-late')], 3, Date.now());
    const third = await open(first.dir);
    expect((await third.log.read(0, 10)).map((r) => [r.seq, r.eventId])).toEqual([
      [1, 'whole'],
      [2, 'after'],
      [3, 'acked-late'],
    ]);
  });

  it('does not bring back events that retention pruned', async () => {
    const first = await open();
    await first.log.append([ev('kept', { eventTime: '2024-05-01T00:00:00Z' })], Date.now());
    await first.log.append([ev('archived', { eventTime: '2019-01-01T00:00:00Z' })], Date.now());
    await first.log.materialized();
    expect(await first.store.pruneBefore(Date.UTC(2020, 0, 1))).toBe(1);
    await first.close();
    const second = await open(first.dir);
    expect((await second.log.read(0, 10)).map((r) => r.eventId)).toEqual(['kept']);
    expect(await second.log.headSeq()).toBe(2);
  });

  it('lets SQL reads see every acknowledged event, the rows being written behind the acknowledgement', async () => {
    const e = await open();
    const acks = await Promise.all(
      Array.from({ length: 20 }, (_, b) =>
        e.log.append(
          Array.from({ length: 50 }, (_, i) => ev(`burst-${b}-${i}`)),
          Date.now(),
        ),
      ),
    );
    expect(acks.flat().every((o) => o.status === 'stored')).toBe(true);
    // No wait between the acknowledgement and the read.
    expect(await e.store.countEvents()).toBe(1000);
  });
});
