import { afterEach, describe, expect, it } from 'vitest';
import { removeDir, tempDir } from '../../../test/helpers/embedded.js';
import { RecordSegments } from './record-segments.js';
import { SegmentReaders } from './segment-readers.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach(removeDir));

const frame = (records: readonly string[], firstSeq = 1) => ({
  firstSeq,
  accounts: records.map(() => '111111111111'),
  receivedAtMs: records.map(() => 1_700_000_000_000),
});

describe('SegmentReaders', () => {
  it('reads pages from several segments on its threads, side by side, each in the order asked', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const segments = RecordSegments.open(dir);
    const a = ['{"n":1}', '{"name":"bücket/ключ/🙂"}'];
    const first = await segments.append(a, frame(a));
    segments.roll();
    const b = [JSON.stringify({ big: 'x'.repeat(200_000) })];
    const second = await segments.append(b, frame(b, 3));
    const readers = new SegmentReaders(`${dir}/records`, 2);
    try {
      const [one, two] = first.locations;
      const [three] = second.locations;
      const pages = await Promise.all([
        readers.read([three!, one!]),
        readers.read([two!, one!, three!]),
        readers.read([]),
      ]);
      expect(pages).toEqual([[b[0], a[0]], [a[1], a[0], b[0]], []]);
      const past = { segment: 2, offset: second.end.offset - 2, length: 10 };
      await expect(readers.read([one!, past])).rejects.toThrow(
        `record segment 2 ends before offset ${past.offset + 10}`,
      );
      await expect(readers.read([{ segment: 9, offset: 0, length: 1 }])).rejects.toThrow(/ENOENT.*00000009\.records/);
      // The threads still serve after a refused page.
      expect(await readers.read([two!])).toEqual([a[1]]);
    } finally {
      await readers.close();
      segments.close();
    }
    await expect(readers.read([first.locations[0]!])).rejects.toThrow('the record reading threads are closed');
  });
});
