import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { removeDir, tempDir } from '../../../test/helpers/embedded.js';
import type { LookupQuery } from '../event-store.js';
import { segmentPath } from './page-check-protocol.js';
import { PageCheckers } from './page-checkers.js';

const ACCOUNT = '111122223333';
const root = tempDir();
const dir = join(root, 'records');
mkdirSync(dir);
afterAll(() => removeDir(root));

function record(i: number, over: Record<string, unknown> = {}): string {
  return JSON.stringify({
    eventVersion: '1.11',
    eventTime: new Date(Date.UTC(2024, 0, 1) + i * 1000).toISOString().slice(0, 19) + 'Z',
    eventID: `id-${i}`,
    eventName: i % 2 === 0 ? 'GetObject' : 'PutObject',
    eventSource: 's3.amazonaws.com',
    awsRegion: 'eu-west-1',
    readOnly: i % 2 === 0,
    userIdentity: { type: 'IAMUser', userName: `user-${i % 3}`, accessKeyId: `AKIA${i}` },
    resources: [{ type: 'AWS::S3::Object', ARN: `arn:aws:s3:::bucket/k-${i}ü` }, { ARN: 'arn:only' }],
    recipientAccountId: ACCOUNT,
    eventCategory: 'Management',
    ...over,
  });
}

/** One segment file of records, each followed by a newline, as the log writes them. */
const records = Array.from({ length: 10 }, (_, i) => record(i));
records.push(record(10, { recipientAccountId: '999988887777' }));
const locations: { offset: number; length: number }[] = [];
let offset = 0;
for (const r of records) {
  const length = Buffer.byteLength(r);
  locations.push({ offset, length });
  offset += length + 1;
}
writeFileSync(segmentPath(dir, 1), records.map((r) => r + '\n').join(''));

function specs(indexes: number[]): Float64Array {
  return new Float64Array(indexes.flatMap((i) => [1, locations[i]!.offset, locations[i]!.length]));
}

const query = (over: Partial<LookupQuery> = {}): LookupQuery => ({
  accountId: ACCOUNT,
  attributes: [{ key: 'EventName', value: 'GetObject' }],
  limit: 50,
  ...over,
});

describe('PageCheckers', () => {
  const checkers = new PageCheckers(2);

  it('answers with the candidates that match, in their order, as text, eventTime and summary', async () => {
    const order = [9, 8, 7, 6, 5, 4, 3, 2, 1, 0];
    const hits = await checkers.check({
      dir,
      owner: 1,
      specs: specs(order),
      query: query(),
      prunedBefore: null,
      limit: 50,
    });
    expect(hits.map((h) => h.index)).toEqual([1, 3, 5, 7, 9]);
    expect(hits.map((h) => h.json)).toEqual([8, 6, 4, 2, 0].map((i) => records[i]));
    expect(hits.map((h) => h.quoted.toString('utf8'))).toEqual(hits.map((h) => JSON.stringify(h.json)));
    expect(hits[0]!.timeMs).toBe(Date.UTC(2024, 0, 1) + 8000);
    expect(hits[0]!.summary).toEqual({
      eventId: 'id-8',
      eventName: 'GetObject',
      readOnly: 'true',
      accessKeyId: 'AKIA8',
      eventTimeMs: Date.UTC(2024, 0, 1) + 8000,
      eventSource: 's3.amazonaws.com',
      username: 'user-2',
      resources: [{ type: 'AWS::S3::Object', arn: 'arn:aws:s3:::bucket/k-8ü' }, { arn: 'arn:only' }],
    });
  });

  it('stops at the limit, skips events before the retention cut-off and other accounts', async () => {
    const all = [10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0];
    const q = query({ attributes: [] });
    const limited = await checkers.check({ dir, owner: 1, specs: specs(all), query: q, prunedBefore: null, limit: 3 });
    expect(limited.map((h) => h.summary.eventId)).toEqual(['id-9', 'id-8', 'id-7']);
    const cut = Date.UTC(2024, 0, 1) + 7000;
    const kept = await checkers.check({ dir, owner: 1, specs: specs(all), query: q, prunedBefore: cut, limit: 50 });
    expect(kept.map((h) => h.summary.eventId)).toEqual(['id-9', 'id-8', 'id-7']);
  });

  it('checks many pages side by side, each answered on its own', async () => {
    const pages = Array.from({ length: 40 }, (_, p) => [p % 10]);
    const answers = await Promise.all(
      pages.map((page) =>
        checkers.check({
          dir,
          owner: 1,
          specs: specs(page),
          query: query({ attributes: [] }),
          prunedBefore: null,
          limit: 1,
        }),
      ),
    );
    expect(answers.map((a) => a[0]?.summary.eventId)).toEqual(pages.map(([i]) => `id-${i}`));
  });

  it('reads a directory made again at the same path afresh once its owner was released', async () => {
    const again = join(root, 'again');
    const write = (text: string) => {
      removeDir(again);
      mkdirSync(again);
      writeFileSync(segmentPath(again, 1), text + '\n');
      return new Float64Array([1, 0, Buffer.byteLength(text)]);
    };
    const q = query({ attributes: [] });
    const first = write(record(1));
    const before = await checkers.check({ dir: again, owner: 5, specs: first, query: q, prunedBefore: null, limit: 1 });
    expect(before[0]?.summary.eventId).toBe('id-1');
    checkers.release(5);
    const second = write(record(2));
    const after = await checkers.check({ dir: again, owner: 5, specs: second, query: q, prunedBefore: null, limit: 1 });
    expect(after[0]?.summary.eventId).toBe('id-2');
  });

  it('says which file failed when a record lies past its end or the file is missing', async () => {
    const past = new Float64Array([1, offset + 10, 20]);
    await expect(
      checkers.check({ dir, owner: 1, specs: past, query: query(), prunedBefore: null, limit: 1 }),
    ).rejects.toThrow(/checking a lookup page's records failed: .*00000001\.records ends before offset/);
    const missing = new Float64Array([7, 0, 20]);
    await expect(
      checkers.check({ dir, owner: 1, specs: missing, query: query(), prunedBefore: null, limit: 1 }),
    ).rejects.toThrow(/00000007\.records/);
    // The threads go on serving after a failure.
    const hits = await checkers.check({
      dir,
      owner: 1,
      specs: specs([0]),
      query: query(),
      prunedBefore: null,
      limit: 1,
    });
    expect(hits).toHaveLength(1);
  });
});
