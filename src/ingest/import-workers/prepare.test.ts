import { describe, expect, it } from 'vitest';
import { lookupAttributesOf } from '../../event/attributes.js';
import { normalizeRecord, type NormalizeResult } from '../../event/normalize.js';
import { decodeArchiveFile } from '../archive/index.js';
import { docsRecords, gzipJson, makeRecord, stratusFiles } from '../archive/testkit.js';
import {
  prepareArchiveFile,
  stampPathAccount,
  unpackRecords,
  type PackedFile,
  type PrepareContext,
} from './prepare.js';

const CTX: PrepareContext = {
  accountId: '999999999999',
  region: 'eu-west-1',
  profile: 'archive',
  enforceRecipient: false,
};

function prepared(bytes: Buffer, pathAccountId?: string): NormalizeResult[] {
  const r = prepareArchiveFile({ bytes: new Uint8Array(bytes), ndjson: false, pathAccountId, decode: {} }, CTX);
  if (r.kind !== 'packed') throw new Error(`expected packed records, got ${JSON.stringify(r)}`);
  // Through structured clone, as between threads.
  return unpackRecords(structuredClone((r as PackedFile).records));
}

/** What `Ingestor.ingest` would make of the same records on this thread. */
function inThread(records: unknown[], pathAccountId?: string): NormalizeResult[] {
  // As read back from the file.
  const copy = JSON.parse(JSON.stringify(records)) as unknown[];
  return copy.map((rec) => {
    stampPathAccount(rec, pathAccountId);
    return normalizeRecord(rec, { ...CTX, receivedAtMs: 0 });
  });
}

/**
 * Equal, but for the defaults that differ by call: a generated eventID (random) and an eventTime
 * taken from the receive time, when the input had none.
 */
function expectSame(got: NormalizeResult[], want: NormalizeResult[], inputs: unknown[]): void {
  expect(got).toHaveLength(want.length);
  got.forEach((g, i) => {
    const w = want[i]!;
    if (!w.ok) {
      expect(g, `record ${i}`).toEqual(w);
      return;
    }
    if (!g.ok) throw new Error(`record ${i}: expected accepted, got ${JSON.stringify(g.error)}`);
    const input = inputs[i] as Record<string, unknown>;
    const generatedId = input.eventID === undefined || input.eventID === '';
    const generatedTime = input.eventTime === undefined;
    if (!generatedId && !generatedTime) expect(g.event.json, `record ${i}`).toBe(w.event.json);
    const strip = (json: string) => {
      const r = JSON.parse(json) as Record<string, unknown>;
      if (generatedId) delete r.eventID;
      if (generatedTime) delete r.eventTime;
      return r;
    };
    expect(strip(g.event.json), `record ${i}`).toEqual(strip(w.event.json));
    expect(g.event.accountId).toBe(w.event.accountId);
    if (!generatedId) expect(g.event.eventId).toBe(w.event.eventId);
    else expect(g.event.eventId).toBe((JSON.parse(g.event.json) as { eventID: string }).eventID);
    if (!generatedTime) expect(g.event.eventTimeMs).toBe(w.event.eventTimeMs);
    const attributes = (r: NormalizeResult) => (r.ok ? lookupAttributesOf(r.event.record) : undefined);
    expect(attributes(g)).toEqual(attributes(w));
  });
}

describe('prepareArchiveFile / unpackRecords', () => {
  it('gives every fixture record exactly as normalising it on this thread does', () => {
    const stratus = stratusFiles().flatMap((f) => f.records);
    const docs = docsRecords();
    const all = [...stratus, ...docs];
    expect(all.length).toBeGreaterThan(300);
    expectSame(prepared(gzipJson({ Records: all })), inThread(all), all);
  });

  it('keeps rejected records in place, with their errors, between accepted ones (non-ASCII text too)', () => {
    const records = [
      makeRecord(1),
      { ...makeRecord(2), eventTime: 'yesterday' },
      'not an object',
      makeRecord(3, { eventName: 'Créer ✓ 🚀' }),
      { ...makeRecord(4), readOnly: 7 },
      makeRecord(5),
    ];
    const got = prepared(gzipJson({ Records: records }));
    expectSame(got, inThread(records), records);
    expect(got.map((r) => r.ok)).toEqual([true, false, false, true, false, true]);
    const fourth = got[3]!;
    expect(fourth.ok && (JSON.parse(fourth.event.json) as { eventName: string }).eventName).toBe('Créer ✓ 🚀');
  });

  it('files records that name no recipient under the account of their path', () => {
    const records = [makeRecord(1, { recipientAccountId: undefined }), makeRecord(2)];
    const got = prepared(gzipJson({ Records: records }), '444455556666');
    expectSame(got, inThread(records, '444455556666'), records);
    expect(got.map((r) => r.ok && r.event.accountId)).toEqual(['444455556666', '111122223333']);
  });

  it('answers a file it cannot decode as the decoder does', () => {
    const broken = gzipJson({ Records: [makeRecord(1)] }).subarray(0, 40);
    const r = prepareArchiveFile(
      { bytes: new Uint8Array(broken), ndjson: false, pathAccountId: undefined, decode: {} },
      CTX,
    );
    expect(r).toEqual(decodeArchiveFile(broken));
    expect(r.kind).toBe('error');
  });

  it('packs an empty Records list and a one-record file (small buffers are not pooled)', () => {
    expect(prepared(gzipJson({ Records: [] }))).toEqual([]);
    const one = prepared(Buffer.from(JSON.stringify([makeRecord(9)])));
    expectSame(one, inThread([makeRecord(9)]), [makeRecord(9)]);
  });
});
