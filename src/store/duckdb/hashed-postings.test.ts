import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { prng } from '../../../test/helpers/embedded.js';
import { HashedPostings } from './hashed-postings.js';
import { keyHash, LookupIndex } from './lookup-index.js';

interface Entry {
  hash: number;
  timeMs: number;
  seq: number;
}

const newestFirst = (a: Entry, b: Entry) => b.timeMs - a.timeMs || b.seq - a.seq;

describe('HashedPostings', () => {
  it('pages each hash exactly as a plain list would, across loads, adds, folds and prunes', () => {
    const rand = prng(7);
    const p = new HashedPostings();
    // A loaded run first, as the index fill installs it: sorted by (hash, time, seq).
    const loaded: Entry[] = Array.from({ length: 5000 }, (_, i) => ({
      hash: Math.floor(rand() * 40),
      timeMs: Math.floor(rand() * 500) * 1000,
      seq: i + 1,
    })).sort((a, b) => a.hash - b.hash || a.timeMs - b.timeMs || a.seq - b.seq);
    p.load(
      Uint32Array.from(loaded.map((e) => e.hash)),
      Float64Array.from(loaded.map((e) => e.timeMs)),
      Uint32Array.from(loaded.map((e) => e.seq)),
    );
    const all = [...loaded];
    // Then 80,000 adds, enough to fold the recent part into the run more than once.
    for (let seq = 5001; seq <= 85_000; seq++) {
      const e = { hash: Math.floor(rand() * 40), timeMs: Math.floor(rand() * 600) * 1000, seq };
      p.add(e.hash, e.timeMs, e.seq);
      all.push(e);
      if (seq % 9973 === 0 || seq === 85_000) {
        const hash = Math.floor(rand() * 40);
        const start = Math.floor(rand() * 300) * 1000;
        const end = start + Math.floor(rand() * 300) * 1000;
        const want = all
          .filter((x) => x.hash === hash && x.timeMs >= start && x.timeMs <= end)
          .sort(newestFirst)
          .map((x) => x.seq);
        const got: number[] = [];
        let page = p.page(hash, start, end, 37);
        got.push(...page.seqs);
        while (page.last) {
          page = p.page(hash, start, end, 37, page.last);
          got.push(...page.seqs);
        }
        expect(got, `after ${seq}`).toEqual(want);
        expect(p.count(hash)).toBe(all.filter((x) => x.hash === hash).length);
      }
    }
    expect(p.size).toBe(85_000);
    const cut = 200_000;
    expect(p.pruneBefore(cut)).toBe(all.filter((e) => e.timeMs < cut).length);
    const left = all.filter((e) => e.hash === 3 && e.timeMs >= cut).sort(newestFirst);
    expect(p.page(3, 0, Number.POSITIVE_INFINITY, 1e9).seqs).toEqual(left.map((e) => e.seq));
  });
});

describe('HashedPostings with mostly unique hashes (a value per event, such as an object ARN)', () => {
  it('pages and counts each hash as a plain list would, across folds, with hashes added once, twice and more', () => {
    const rand = prng(11);
    const p = new HashedPostings();
    const all: Entry[] = [];
    const check = (hash: number, start: number, end: number, limit: number) => {
      const want = all
        .filter((x) => x.hash === hash && x.timeMs >= start && x.timeMs <= end)
        .sort(newestFirst)
        .map((x) => x.seq);
      const got: number[] = [];
      let page = p.page(hash, start, end, limit);
      got.push(...page.seqs);
      while (page.last) {
        page = p.page(hash, start, end, limit, page.last);
        got.push(...page.seqs);
      }
      expect(got, `hash ${hash} after ${all.length}`).toEqual(want);
      expect(p.count(hash)).toBe(all.filter((x) => x.hash === hash).length);
    };
    // 150,000 adds over 200,000 hashes: most once, some twice or more; two folds on the way.
    for (let seq = 1; seq <= 150_000; seq++) {
      const e = { hash: Math.floor(rand() * 200_000), timeMs: Math.floor(rand() * 600) * 1000, seq };
      p.add(e.hash, e.timeMs, e.seq);
      all.push(e);
      if (seq % 24_989 === 0) {
        for (let q = 0; q < 20; q++) {
          const hash = all[Math.floor(rand() * all.length)]!.hash;
          const start = q % 2 === 0 ? 0 : Math.floor(rand() * 300) * 1000;
          check(hash, start, start + Math.floor(rand() * 600) * 1000, 1 + (q % 3));
        }
        check(200_001, 0, Number.POSITIVE_INFINITY, 10); // a hash never added
      }
    }
    expect(p.size).toBe(150_000);
  });
});

describe('LookupIndex', () => {
  it('hashes keys exactly as the index fill does in DuckDB (md5_number_lower(...) % 2^32)', async () => {
    const instance = await DuckDBInstance.create(':memory:');
    const c = await instance.connect();
    try {
      for (const [account, value] of [
        ['123456789012', 'alice'],
        ['123456789012', ''],
        ['1', '23'],
        ['12', '3'],
        ['123456789012', 'arn:aws:s3:::bücket/ключ/🙂'],
      ] as const) {
        const r = await c.runAndReadAll(
          `SELECT (md5_number_lower(strlen($a)::VARCHAR || ':' || $a || $v) % 4294967296)::DOUBLE`,
          { a: account, v: value },
        );
        expect(keyHash(account, value), `${account}/${value}`).toBe(r.getRows()[0]![0]);
      }
    } finally {
      c.closeSync();
      instance.closeSync();
    }
    // The account is length-prefixed: ("1", "23…") and ("12", "3…") are different keys.
    expect(keyHash('1', '23')).not.toBe(keyHash('12', '3'));
  });

  it('keeps Insights events apart and indexes them by EventName and EventSource only', () => {
    const index = new LookupIndex();
    const attrs = (eventCategory: string) => ({
      eventName: 'RunInstances',
      eventSource: 'ec2.amazonaws.com',
      awsRegion: 'us-east-1',
      eventCategory,
      readOnly: false,
      username: 'alice',
      accessKeyId: 'AKIA1',
      resourceTypes: ['AWS::EC2::Instance', 'AWS::EC2::Instance'],
      resourceNames: ['i-1'],
    });
    index.add({ seq: 1, accountId: 'a', eventId: 'e1', eventTimeMs: 1000, attributes: attrs('Management') });
    index.add({ seq: 2, accountId: 'a', eventId: 'e2', eventTimeMs: 2000, attributes: attrs('Insight') });
    const page = (insight: boolean, key: 'Username' | 'EventName' | 'ResourceType' | undefined, value = '') =>
      index.page({ accountId: 'a', insight, key, value, startMs: 0, endMs: 1e12, limit: 10 }).seqs;
    expect(page(false, 'EventName', 'RunInstances')).toEqual([1]);
    expect(page(true, 'EventName', 'RunInstances')).toEqual([2]);
    expect(page(false, 'Username', 'alice')).toEqual([1]);
    expect(page(false, 'ResourceType', 'AWS::EC2::Instance')).toEqual([1]);
    expect(page(false, undefined)).toEqual([1]);
    expect(page(true, undefined)).toEqual([2]);
    expect(() => page(true, 'Username', 'alice')).not.toThrow();
    expect(page(true, 'Username', 'alice')).toEqual([]);
  });
});
