import { mkdtemp, mkdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addToTally, createTally, exitStatusOf, planArchives, readArchives, type ArchiveItem } from './reader.js';
import { expandSources } from './sources.js';
import { makeRecord, STRATUS_DIR, stratusFiles, writeArchiveTree, type ExpectedItem } from './testkit.js';

let root: string;
let expected: ExpectedItem[];

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'opentrail-archive-'));
  ({ expected } = await writeArchiveTree(root));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function collect(items: AsyncIterable<ArchiveItem>): Promise<ArchiveItem[]> {
  const all: ArchiveItem[] = [];
  for await (const item of items) all.push(item);
  return all;
}

function checkAgainst(items: ArchiveItem[], want: ExpectedItem[], base: string): void {
  expect(items.map((i) => `${i.type} ${relative(base, i.file.location)}`)).toEqual(
    want.map((w) => `${w.type} ${w.rel}`),
  );
  items.forEach((item, n) => {
    const w = want[n] as ExpectedItem;
    expect(item.file.kind, w.rel).toBe(w.kind);
    if (w.type === 'records' && item.type === 'records') {
      expect(item.format, w.rel).toBe(w.format);
      expect(item.records, w.rel).toEqual(w.records);
      if (w.layout !== undefined) expect(item.file.layout, w.rel).toEqual(w.layout);
    } else if (w.type === 'skipped' && item.type === 'skipped') {
      expect(item.reason, w.rel).toBe(w.reason);
    } else if (w.type === 'failed' && item.type === 'failed') {
      expect(item.message, w.rel).toMatch(w.message);
      expect(item.stage, w.rel).toBe('decode');
    }
  });
}

describe('readArchives over a local AWSLogs tree', () => {
  it('yields every file in walk order with its records, skips and failures', async () => {
    const items = await collect(readArchives([root]));
    checkAgainst(items, expected, root);
    const tally = createTally();
    for (const item of items) addToTally(tally, item);
    const wantRecords = expected.reduce((n, w) => n + (w.type === 'records' ? w.records.length : 0), 0);
    expect(tally.records).toBe(wantRecords);
    expect(tally.filesRead).toBe(expected.filter((w) => w.type === 'records').length);
    expect(tally.skipped).toEqual({ digest: 2, 'not-a-log-file': 6 });
    expect(tally.skippedByDetail).toEqual({
      'CloudTrail digest file': 1,
      'CloudTrail digest file (recognised by its content)': 1,
      'S3 folder marker': 1,
      "not in a CloudTrail folder (another service's logs)": 1,
      'not a .json, .json.gz, .jsonl, .ndjson or .gz file': 4,
    });
    expect(tally.failed).toBe(5);
    expect(tally.failedByStage).toEqual({ list: 0, read: 0, decode: 5 });
    expect(exitStatusOf(tally)).toBe(2);
  });

  it('gives the same sequence whatever the read-ahead', async () => {
    const serial = await collect(readArchives([root], { concurrency: 1 }));
    const wide = await collect(readArchives([root], { concurrency: 16, maxBytesInFlight: 0 }));
    const large = await collect(
      readArchives([root], { concurrency: 3, decode: { wholeParseLimit: 64, batchBytes: 512 } }),
    );
    checkAgainst(serial, expected, root);
    checkAgainst(wide, expected, root);
    // The batched decoder path gives the same records; only the wording of JSON errors differs.
    expect(large.map((i) => (i.type === 'records' ? i.records : i.type))).toEqual(
      serial.map((i) => (i.type === 'records' ? i.records : i.type)),
    );
  });

  it('reads the Stratus fixture folder: 35 files, 310 records, README and licence skipped', async () => {
    const items = await collect(readArchives([STRATUS_DIR]));
    const records = items.filter((i) => i.type === 'records');
    expect(records).toHaveLength(35);
    expect(records.reduce((n, i) => n + i.records.length, 0)).toBe(310);
    expect(records.map((i) => i.records)).toEqual(stratusFiles().map((f) => f.records));
    expect(items.filter((i) => i.type === 'skipped').map((i) => relative(STRATUS_DIR, i.file.location))).toEqual([
      'LICENSE.stratus-red-team.txt',
      'README.md',
    ]);
    const tally = createTally();
    for (const item of items) addToTally(tally, item);
    expect(exitStatusOf(tally)).toBe(0);
  });

  it('takes single files and reports missing paths as failed items, then goes on', async () => {
    const single = join(root, expected[0]?.rel as string);
    const missing = join(root, 'no', 'such', 'file.json.gz');
    const items = await collect(readArchives([missing, single, join(STRATUS_DIR, 'README.md')]));
    expect(items.map((i) => i.type)).toEqual(['failed', 'records', 'skipped']);
    const [failed, read] = items;
    expect(failed).toMatchObject({
      type: 'failed',
      stage: 'list',
      message: 'no such file or directory',
      file: { location: missing, kind: 'other' },
    });
    expect(read?.type === 'records' && read.records).toEqual(expected[0]?.type === 'records' && expected[0].records);
  });

  it('plans first: file and byte counts for a progress bar, then reads the plan', async () => {
    const plan = await planArchives([root, join(root, 'missing')]);
    const toRead = expected.filter((w) => w.kind === 'log' || w.kind === 'insight' || w.kind === 'network-activity');
    let bytes = 0;
    for (const w of toRead) bytes += (await stat(join(root, w.rel))).size;
    expect(plan.filesToRead).toBe(toRead.length);
    expect(plan.bytesToRead).toBe(bytes);
    expect(plan.filesToSkip).toBe(expected.length - toRead.length);
    expect(plan.errors).toBe(1);
    const items = await collect(readArchives(plan));
    checkAgainst(items.slice(0, -1), expected, root);
    expect(items.at(-1)).toMatchObject({ type: 'failed', stage: 'list', message: 'no such file or directory' });
    // Sizes in the plan are the entries' sizes.
    const sized = items.filter((i) => i.type === 'records');
    expect(sized.every((i) => typeof i.file.size === 'number' && i.file.size > 0)).toBe(true);
  });

  it('reports a file that vanished between planning and reading as a read failure', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'opentrail-vanish-'));
    try {
      await writeFile(join(dir, 'a.json'), JSON.stringify([makeRecord(1)]));
      await writeFile(join(dir, 'b.json'), JSON.stringify([makeRecord(2)]));
      const plan = await planArchives([dir]);
      await rm(join(dir, 'a.json'));
      const items = await collect(readArchives(plan));
      expect(items.map((i) => i.type)).toEqual(['failed', 'records']);
      expect(items[0]).toMatchObject({
        type: 'failed',
        stage: 'read',
        message: 'cannot read: no such file or directory; file skipped',
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('stops cleanly when the consumer breaks early', async () => {
    let seen = 0;
    for await (const item of readArchives([root], { concurrency: 4 })) {
      expect(item.type).toBe('records');
      if (++seen === 2) break;
    }
    expect(seen).toBe(2);
  });
});

describe('expandSources on awkward trees', () => {
  let tree: string;

  beforeAll(async () => {
    tree = await mkdtemp(join(tmpdir(), 'opentrail-links-'));
    const day = join(tree, 'data', 'AWSLogs', '111122223333', 'CloudTrail', 'us-east-1', '2024', '08', '01');
    await mkdir(day, { recursive: true });
    await writeFile(
      join(day, '111122223333_CloudTrail_us-east-1_20240801T0000Z_a.json'),
      JSON.stringify({ Records: [makeRecord(1)] }),
    );
    await symlink(join(tree, 'data'), join(tree, 'data', 'loop')); // a cycle
    await symlink(join(tree, 'data', 'AWSLogs'), join(tree, 'again')); // a second way in
    await symlink(join(tree, 'nowhere.json'), join(tree, 'broken.json'));
  });

  afterAll(async () => {
    await rm(tree, { recursive: true, force: true });
  });

  it('follows links, walks each folder once and reports broken links', async () => {
    const entries = [];
    for await (const entry of expandSources([tree])) entries.push(entry);
    expect(
      entries.map((e) =>
        e.type === 'file' ? `file ${relative(tree, e.file.location)}` : `error ${relative(tree, e.location)}`,
      ),
    ).toEqual([
      // 'again' (-> data/AWSLogs) sorts first, so the file is found through it, and only there.
      'file again/111122223333/CloudTrail/us-east-1/2024/08/01/111122223333_CloudTrail_us-east-1_20240801T0000Z_a.json',
      'error broken.json',
    ]);
    expect(entries[1]).toMatchObject({ type: 'error', message: 'broken symbolic link' });
    const first = entries[0];
    expect(first?.type === 'file' && first.file.layout).toEqual({
      accountId: '111122223333',
      region: 'us-east-1',
      date: '2024-08-01',
    });
  });
});
