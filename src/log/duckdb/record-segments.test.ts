import { appendFileSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { removeDir, tempDir } from '../../../test/helpers/embedded.js';
import { RecordSegments, spansOf } from './record-segments.js';
import { decodeFrame, scanSegment } from './segment-frames.js';

const dirs: string[] = [];
const dir = () => {
  const d = tempDir();
  dirs.push(d);
  return d;
};
afterEach(() => dirs.splice(0).forEach(removeDir));

/** The frame of a group of `records` stored under one account at one time, starting at `firstSeq`. */
const frame = (records: readonly string[], firstSeq = 1) => ({
  firstSeq,
  accounts: records.map(() => '111111111111'),
  receivedAtMs: records.map(() => 1_700_000_000_000),
});

describe('RecordSegments', () => {
  it('reads back exactly what it appended, multi-byte text included, in any order', async () => {
    const s = RecordSegments.open(dir());
    const records = ['{"a":1}', '{"name":"bücket/ключ/🙂"}', '{}', JSON.stringify({ big: 'x'.repeat(300_000) })];
    const { locations: locs } = await s.append(records, frame(records));
    expect(locs.map((l) => l.segment)).toEqual([1, 1, 1, 1]);
    expect(await s.read([...locs].reverse())).toEqual([...records].reverse());
    s.close();
  });

  it('reads a page from two segments in the order asked, and refuses a location past a segment end', async () => {
    const s = RecordSegments.open(dir());
    const first = await s.append(['{"n":1}', '{"n":2}'], frame(['{"n":1}', '{"n":2}']));
    s.roll();
    const second = await s.append(['{"n":3}'], frame(['{"n":3}'], 3));
    const [one, two] = first.locations;
    const [three] = second.locations;
    expect(three!.segment).toBe(2);
    expect(await s.read([three!, one!, two!])).toEqual(['{"n":3}', '{"n":1}', '{"n":2}']);
    expect(await s.read([])).toEqual([]);
    const past = { segment: 2, offset: second.end.offset - 2, length: 10 };
    await expect(s.read([one!, past])).rejects.toThrow(`record segment 2 ends before offset ${past.offset + 10}`);
    s.close();
  });

  it('reads records that lie close together as one span, and far ones apart', async () => {
    const s = RecordSegments.open(dir());
    const records = Array.from({ length: 40 }, (_, i) =>
      JSON.stringify({ i, pad: 'p'.repeat(i === 20 ? 40_000 : 500) }),
    );
    const { locations } = await s.append(records, frame(records));
    // Every third record, asked newest first, and one asked twice.
    const asked = locations.filter((_, i) => i % 3 === 0).reverse();
    asked.push(locations[3]!);
    const spans = spansOf(asked);
    // Record 20 (40 KB) sits between records 18 and 21: more than MAX_SPAN_GAP apart.
    expect(spans.map((x) => x.members.length)).toEqual([8, 7]);
    expect(spans.flatMap((x) => x.members).sort((a, b) => a - b)).toEqual(asked.map((_, i) => i));
    expect(await s.read(asked)).toEqual([...records.filter((_, i) => i % 3 === 0).reverse(), records[3]]);
    s.close();
  });

  it('keeps a span to at most 1 MB and to one segment', () => {
    const locs = Array.from({ length: 10 }, (_, i) => ({ segment: 1, offset: i * 200_000, length: 190_000 }));
    expect(spansOf(locs).map((x) => x.members)).toEqual([
      [0, 1, 2, 3, 4],
      [5, 6, 7, 8, 9],
    ]);
    expect(
      spansOf([
        { segment: 2, offset: 0, length: 5 },
        { segment: 1, offset: 10, length: 5 },
      ]).length,
    ).toBe(2);
  });

  it('opens each group with a frame that says its seqs, size, accounts and arrival times', async () => {
    const d = dir();
    const s = RecordSegments.open(d);
    const records = ['{"a":1}', '{"b":2}', '{"c":3}'];
    const { end } = await s.append(records, {
      firstSeq: 41,
      accounts: ['111111111111', '111111111111', '222222222222'],
      receivedAtMs: [5, 5, 5],
    });
    s.close();
    const bytes = readFileSync(join(d, 'records', '00000001.records'), 'utf8');
    const [line, ...rest] = bytes.split('\n');
    expect(decodeFrame(line!)).toEqual({
      seq: 41,
      n: 3,
      bytes: 24,
      recv: [[3, 5]],
      acct: [
        [2, '111111111111'],
        [1, '222222222222'],
      ],
    });
    expect(rest.slice(0, 3)).toEqual(records);
    expect(end).toEqual({ segment: 1, offset: Buffer.byteLength(bytes) });
    const scan = scanSegment(join(d, 'records', '00000001.records'), 1, 0, 41);
    expect(scan.groups.map((g) => g.frame.seq)).toEqual([41]);
    expect(scan.validEnd).toBe(scan.size);
  });

  it('goes on after the end of the segment when reopened; a scan stops before bytes a crash left torn', async () => {
    const d = dir();
    const first = RecordSegments.open(d);
    const {
      locations: [a],
    } = await first.append(['{"first":true}'], frame(['{"first":true}']));
    first.close();
    // A crash in the middle of an append leaves a torn group at the end.
    appendFileSync(
      join(d, 'records', '00000001.records'),
      '#{"seq":2,"n":1,"bytes":40,"recv":[[1,5]],"acct":[[1,"1"]]}\n{"orp',
    );
    const torn = scanSegment(join(d, 'records', '00000001.records'), 1, 0, 1);
    expect(torn.groups).toHaveLength(1);
    expect(torn.validEnd).toBeLessThan(torn.size);
    const again = RecordSegments.open(d);
    const {
      locations: [b],
    } = await again.append(['{"second":true}'], frame(['{"second":true}'], 2));
    expect(await again.read([a!, b!])).toEqual(['{"first":true}', '{"second":true}']);
    again.close();
    expect(readdirSync(join(d, 'records'))).toEqual(['00000001.records']);
  });

  it('a scan stops at a group out of sequence', async () => {
    const d = dir();
    const s = RecordSegments.open(d);
    await s.append(['{"a":1}'], frame(['{"a":1}'], 1));
    await s.append(['{"b":1}'], frame(['{"b":1}'], 5));
    s.close();
    const scan = scanSegment(join(d, 'records', '00000001.records'), 1, 0, 1);
    expect(scan.groups.map((g) => g.frame.seq)).toEqual([1]);
  });

  it('refuses to append once closed, and says so', async () => {
    const s = RecordSegments.open(dir());
    s.close();
    s.close();
    await expect(s.append(['{}'], frame(['{}']))).rejects.toThrow(/closed/);
  });
});
