import { appendFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { removeDir, tempDir } from '../../../test/helpers/embedded.js';
import { RecordSegments } from './record-segments.js';

const dirs: string[] = [];
const dir = () => {
  const d = tempDir();
  dirs.push(d);
  return d;
};
afterEach(() => dirs.splice(0).forEach(removeDir));

describe('RecordSegments', () => {
  it('reads back exactly what it appended, multi-byte text included, in any order', async () => {
    const s = RecordSegments.open(dir());
    const records = ['{"a":1}', '{"name":"bücket/ключ/🙂"}', '{}', JSON.stringify({ big: 'x'.repeat(300_000) })];
    const locs = await s.append(records);
    expect(locs.map((l) => l.segment)).toEqual([1, 1, 1, 1]);
    expect(await s.read([...locs].reverse())).toEqual([...records].reverse());
    s.close();
  });

  it('goes on after the end of the segment when reopened, past bytes a crash left unreferenced', async () => {
    const d = dir();
    const first = RecordSegments.open(d);
    const [a] = await first.append(['{"first":true}']);
    first.close();
    // A crash after writing a record but before its row committed leaves bytes nobody points at.
    appendFileSync(join(d, 'records', '00000001.records'), '{"orphan":tru');
    const again = RecordSegments.open(d);
    const [b] = await again.append(['{"second":true}']);
    expect(await again.read([a!, b!])).toEqual(['{"first":true}', '{"second":true}']);
    expect(b!.offset).toBeGreaterThan(a!.offset + a!.length + '{"orphan":tru'.length - 1);
    again.close();
    expect(readdirSync(join(d, 'records'))).toEqual(['00000001.records']);
  });

  it('refuses to append once closed, and says so', async () => {
    const s = RecordSegments.open(dir());
    s.close();
    s.close();
    await expect(s.append(['{}'])).rejects.toThrow(/closed/);
  });
});
