import { afterEach, describe, expect, it } from 'vitest';
import type { NormalizedEvent } from '../../event/types.js';
import {
  ACCOUNT_A,
  apiRecord,
  normalized,
  openEmbedded,
  removeDir,
  type Embedded,
} from '../../../test/helpers/embedded.js';

const RECEIVED = Date.UTC(2024, 4, 1, 12, 0, 0, 250);
const opened: Embedded[] = [];

afterEach(async () => {
  for (const e of opened.splice(0)) {
    await e.close();
    removeDir(e.dir);
  }
});

function ev(id: string, over: Record<string, unknown> = {}): NormalizedEvent {
  return normalized(apiRecord({ eventID: id, ...over }));
}

describe('DuckDBEventLog.readBatch', () => {
  it('hands out each record as its stored bytes with the lookup columns, in seq order', async () => {
    const e = await openEmbedded();
    opened.push(e);
    const events = [
      ev('a', { awsRegion: 'eu-west-1', eventName: 'ListBuckets', readOnly: true }),
      ev('b', { eventName: 'Créer', userAgent: 'ünïcödé ✓ 🚀' }),
      ev('c', { eventSource: 'kms.amazonaws.com', eventName: 'Decrypt', eventCategory: 'Data' }),
    ];
    await e.log.append(events.slice(0, 2), RECEIVED);
    await e.log.append(events.slice(2), RECEIVED + 1);
    const batch = await e.log.readBatch(0, 10);
    const read = await e.log.read(0, 10);
    expect(batch.map((b) => b.seq)).toEqual(read.map((r) => r.seq));
    batch.forEach((b, i) => {
      const event = events[i]!;
      // Byte for byte what was appended: multi-byte characters included.
      expect(b.record.equals(Buffer.from(event.json, 'utf8'))).toBe(true);
      expect(b.accountId).toBe(ACCOUNT_A);
      expect(b.eventTimeMs).toBe(event.eventTimeMs);
      expect(b.receivedAtMs).toBe(i < 2 ? RECEIVED : RECEIVED + 1);
      const record = JSON.parse(event.json) as Record<string, unknown>;
      expect(b.awsRegion).toBe(record['awsRegion']);
      expect(b.eventName).toBe(record['eventName']);
      expect(b.eventSource).toBe(record['eventSource']);
      expect(b.eventCategory).toBe(record['eventCategory']);
      expect(b.readOnly).toBe(typeof record['readOnly'] === 'boolean' ? record['readOnly'] : null);
    });
    expect(batch[0]!.readOnly).toBe(true);
    expect(batch[2]!.eventCategory).toBe('Data');
  });

  it('reads after a seq and up to a limit', async () => {
    const e = await openEmbedded();
    opened.push(e);
    const events = Array.from({ length: 12 }, (_, i) => ev(`e-${i}`));
    const outcomes = await e.log.append(events, RECEIVED);
    const seqs = outcomes.map((o) => o.seq);
    const page = await e.log.readBatch(seqs[3]!, 5);
    expect(page.map((p) => p.seq)).toEqual(seqs.slice(4, 9));
    expect(page.map((p) => p.record.toString('utf8'))).toEqual(events.slice(4, 9).map((x) => x.json));
    expect(await e.log.readBatch(seqs[11]!, 5)).toEqual([]);
  });

  it('takes the record column for rows written before segments existed, between rows from segments', async () => {
    const e = await openEmbedded();
    opened.push(e);
    const events = Array.from({ length: 5 }, (_, i) => ev(`old-${i}`, { eventName: `Op${i}` }));
    const outcomes = await e.log.append(events, RECEIVED);
    const middle = outcomes[2]!.seq;
    await e.db.write((w) =>
      w.run('UPDATE events SET rec_segment = NULL, rec_offset = NULL, rec_length = NULL WHERE seq = $s', {
        s: middle,
      }),
    );
    const batch = await e.log.readBatch(0, 10);
    expect(batch.map((b) => b.record.toString('utf8'))).toEqual(events.map((x) => x.json));
  });
});
