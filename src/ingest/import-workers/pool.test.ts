import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NormalizeResult } from '../../event/normalize.js';
import { readArchives, type ArchiveItem } from '../archive/index.js';
import { writeArchiveTree } from '../archive/testkit.js';
import { removeDir, tempDir } from '../../../test/helpers/server.js';
import { ImportWorkers } from './pool.js';
import { prepareArchiveFile, unpackRecords, type PrepareContext } from './prepare.js';

const CTX: PrepareContext = {
  accountId: '999999999999',
  region: 'eu-west-1',
  profile: 'archive',
  enforceRecipient: false,
};
let root: string;

beforeAll(async () => {
  root = tempDir('ot-import-workers-');
  await writeArchiveTree(root);
});
afterAll(() => removeDir(root));

async function collect<R>(items: AsyncIterable<ArchiveItem<R>>): Promise<ArchiveItem<R>[]> {
  const all: ArchiveItem<R>[] = [];
  for await (const item of items) all.push(item);
  return all;
}

/**
 * An item without the parts that differ by call: the open function, and the eventID and
 * eventTime that normalisation generates for records without them.
 */
function comparable(item: ArchiveItem<NormalizeResult>) {
  const base = { type: item.type, location: item.file.location };
  if (item.type === 'records') {
    const records = item.records.map((r) => {
      if (!r.ok) return r.error;
      const { eventID: _id, eventTime: _time, ...rest } = JSON.parse(r.event.json) as Record<string, unknown>;
      return rest;
    });
    return { ...base, format: item.format, records };
  }
  return item.type === 'failed' ? { ...base, message: item.message } : { ...base, detail: item.detail };
}

describe('ImportWorkers', () => {
  it.each([1, 2])('with %i thread(s), gives what preparing on this thread gives, in source order', async (count) => {
    const workers = new ImportWorkers(CTX, count);
    try {
      const viaWorkers = await collect(readArchives<NormalizeResult>([root], { decoder: workers.decode }));
      const here = await collect(
        readArchives<NormalizeResult>([root], {
          decoder: async (bytes, file, options) => {
            const r = prepareArchiveFile(
              {
                bytes: new Uint8Array(bytes),
                ndjson: file.ndjson,
                pathAccountId: file.layout?.accountId,
                decode: options,
              },
              CTX,
            );
            return r.kind === 'packed' ? { kind: 'records', format: r.format, records: unpackRecords(r.records) } : r;
          },
        }),
      );
      expect(viaWorkers.map(comparable)).toEqual(here.map(comparable));
      // The tree holds records, skips and broken files.
      expect(new Set(viaWorkers.map((i) => i.type))).toEqual(new Set(['records', 'skipped', 'failed']));
      expect(viaWorkers.filter((i) => i.type === 'records').length).toBeGreaterThan(3);
    } finally {
      await workers.close();
    }
  });

  it('refuses work once closed, and closing twice is fine', async () => {
    const workers = new ImportWorkers(CTX, 1);
    await workers.close();
    await workers.close();
    const file = { location: 'x.json', kind: 'log' as const, ndjson: false, open: async () => Buffer.from('[]') };
    await expect(workers.decode(Buffer.from('[]'), file, {})).rejects.toThrow('the import workers are closed');
  });

  it('refuses a thread count that is not a positive integer', () => {
    expect(() => new ImportWorkers(CTX, 0)).toThrow('import workers: expected a count ≥ 1, got 0');
  });
});
