import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openEmbedded, removeDir, tempDir, type Embedded } from '../../test/helpers/embedded.js';
import { readArchives } from './archive/index.js';
import { writeArchiveTree } from './archive/testkit.js';
import { importArchives, type ImportSummary, type LocalImportTarget } from './import-archives.js';
import type { PrepareContext } from './import-workers/prepare.js';

const CTX: PrepareContext = {
  accountId: '999999999999',
  region: 'us-east-1',
  profile: 'archive',
  enforceRecipient: false,
};
let root: string;
const opened: Embedded[] = [];

beforeAll(async () => {
  root = tempDir();
  await writeArchiveTree(root);
});
afterAll(async () => {
  for (const e of opened) {
    await e.close();
    removeDir(e.dir);
  }
  removeDir(root);
});

async function fresh(): Promise<Embedded> {
  const e = await openEmbedded();
  opened.push(e);
  return e;
}

/** The parts of a summary that do not depend on timing. */
function outcome(s: ImportSummary) {
  const { elapsedMs: _elapsed, ...rest } = s;
  return rest;
}

/** All stored records, by (account, eventID), without the eventID/eventTime generated at ingest. */
async function stored(e: Embedded): Promise<string[]> {
  const rows = await e.log.read(0, 1_000_000);
  return rows
    .map((r) => {
      const { eventID: _id, eventTime: _time, ...rest } = JSON.parse(r.json) as Record<string, unknown>;
      return JSON.stringify(rest);
    })
    .sort();
}

describe('importArchives', () => {
  it('stores, counts and reports the same through worker threads as through the raw-record sink', async () => {
    const viaSink = await fresh();
    const sinkSummary = await importArchives([root], (records) => viaSink.ingestor.ingest(records, CTX), {
      defaultAccountId: CTX.accountId,
      batchSize: 7,
    });
    const viaWorkers = await fresh();
    const target: LocalImportTarget = { ingestor: viaWorkers.ingestor, context: CTX, workers: 2 };
    const workerSummary = await importArchives([root], target, { defaultAccountId: CTX.accountId, batchSize: 7 });

    expect(outcome(workerSummary)).toEqual(outcome(sinkSummary));
    expect(workerSummary.imported).toBeGreaterThan(100);
    expect(workerSummary.tally.failed).toBeGreaterThan(0);
    expect(workerSummary.failures.length).toBe(workerSummary.tally.failed);
    expect(await stored(viaWorkers)).toEqual(await stored(viaSink));
    expect(viaWorkers.ingestor.counters()).toEqual(viaSink.ingestor.counters());
  });

  it('answers a second import of the same archive with duplicates, but for records without an eventID', async () => {
    // Those get a new eventID each time they are read (CloudTrail's own records always have one).
    let withoutId = 0;
    for await (const item of readArchives([root])) {
      if (item.type !== 'records') continue;
      for (const r of item.records) {
        const id = (r as { eventID?: unknown } | null)?.eventID;
        if (typeof r === 'object' && r !== null && !Array.isArray(r) && (id === undefined || id === '')) withoutId++;
      }
    }
    const e = await fresh();
    const target: LocalImportTarget = { ingestor: e.ingestor, context: CTX, workers: 1 };
    const first = await importArchives([root], target, { defaultAccountId: CTX.accountId });
    const progress: number[] = [];
    const again = await importArchives([root], target, {
      defaultAccountId: CTX.accountId,
      onProgress: (p) => progress.push(p.events),
    });
    expect(again.imported).toBe(withoutId);
    expect(again.duplicates).toBe(first.imported + first.duplicates - withoutId);
    expect(again.rejected).toBe(first.rejected);
    expect(progress.at(-1)).toBe(again.imported + again.duplicates + again.rejected);
  });
});
