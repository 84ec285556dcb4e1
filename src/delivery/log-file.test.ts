import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  buildLogFile,
  buildLogFiles,
  logFileJson,
  logRecordFromJson,
  splitLogRecords,
  type LogRecord,
} from './log-file.js';

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

function record(i: number, eventTime: string, padding = 0): LogRecord {
  return { json: JSON.stringify({ eventTime, eventID: `e-${i}`, pad: 'x'.repeat(padding) }), eventTime };
}

describe('buildLogFile', () => {
  it('writes {"Records":[...]} with every record byte for byte, gzipped', async () => {
    // Spacing, key order and escapes as stored: the writer must not re-serialise.
    const records: LogRecord[] = [
      { json: '{ "eventTime" : "2024-08-01T00:00:02Z", "a":"caf\\u00e9" }', eventTime: '2024-08-01T00:00:02Z' },
      {
        json: '{"eventVersion":"1.11","eventTime":"2024-08-01T00:00:01Z","b":"日本"}',
        eventTime: '2024-08-01T00:00:01Z',
      },
    ];
    const file = await buildLogFile(records);
    const json = gunzipSync(file.body);
    expect(json.toString('utf8')).toBe(`{"Records":[${records[0]!.json},${records[1]!.json}]}`);
    expect(file.body.subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
    expect(file).toMatchObject({
      recordCount: 2,
      uncompressedSize: json.length,
      oldestEventTime: '2024-08-01T00:00:01Z',
      newestEventTime: '2024-08-01T00:00:02Z',
    });
  });

  it('hashes the uncompressed bytes (what digests list), not the gzip', async () => {
    const file = await buildLogFile([record(1, '2024-08-01T00:00:00Z')]);
    expect(file.sha256).toBe(sha256(gunzipSync(file.body)));
    expect(file.sha256).not.toBe(sha256(file.body));
    expect(file.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('is deterministic: the same records give the same bytes (idempotent redelivery)', async () => {
    const records = Array.from({ length: 200 }, (_, i) =>
      record(i, `2024-08-01T00:${String(i % 60).padStart(2, '0')}:00Z`),
    );
    const [a, b] = await Promise.all([buildLogFile(records), buildLogFile(records)]);
    expect(a.body.equals(b.body)).toBe(true);
    expect(a.sha256).toBe(b.sha256);
  });

  it('takes oldest and newest eventTime whatever the order, in the digest format', async () => {
    const file = await buildLogFile([
      record(1, '2024-08-01T10:00:00Z'),
      record(2, '2023-12-31T23:59:59.999Z'),
      record(3, '2024-08-01T10:00:00+02:00'),
      record(4, '2024-08-02T00:00:00Z'),
    ]);
    expect(file.oldestEventTime).toBe('2023-12-31T23:59:59Z');
    expect(file.newestEventTime).toBe('2024-08-02T00:00:00Z');
  });

  it('refuses an empty file, an eventTime that is not a time and bad options', async () => {
    await expect(buildLogFile([])).rejects.toThrow('a log file needs at least one record');
    await expect(buildLogFile([record(0, '2024-08-01T00:00:00Z'), { json: '{}', eventTime: 'soon' }])).rejects.toThrow(
      'record 1 has eventTime "soon", which is not a time',
    );
    await expect(buildLogFile([record(0, '2024-08-01T00:00:00Z')], { level: 11 })).rejects.toThrow(
      'level must be an integer from 1 to 9, got 11',
    );
    expect(() => splitLogRecords([], { maxBytes: 100 })).toThrow('maxBytes must be an integer of at least 1024 bytes');
  });

  it('rebuilds the fixture log files exactly: the same SHA-256 and event times their signed digests list', async () => {
    const bucket = resolve(
      import.meta.dirname,
      '../../../shared/fixtures/cloudtrail-digest-basics/scenarios/01_valid_chain/bucket/heldout-ct-bucket',
    );
    const files = readdirSync(bucket, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => relative(bucket, join(e.parentPath, e.name)));
    const listed = new Map<string, { hashValue: string; oldestEventTime: string; newestEventTime: string }>();
    for (const key of files.filter((k) => k.includes('CloudTrail-Digest'))) {
      const digest = JSON.parse(gunzipSync(readFileSync(join(bucket, key))).toString()) as {
        logFiles: { s3Object: string; hashValue: string; oldestEventTime: string; newestEventTime: string }[];
      };
      for (const entry of digest.logFiles) listed.set(entry.s3Object, entry);
    }
    const logs = files.filter((k) => k.includes('/CloudTrail/'));
    expect(logs).toHaveLength(6);
    for (const key of logs) {
      const original = gunzipSync(readFileSync(join(bucket, key)));
      const parsed = JSON.parse(original.toString()) as { Records: { eventTime: string }[] };
      const file = await buildLogFile(parsed.Records.map((r) => ({ json: JSON.stringify(r), eventTime: r.eventTime })));
      expect(gunzipSync(file.body).equals(original), key).toBe(true);
      expect(listed.get(key), key).toEqual({
        ...listed.get(key),
        hashValue: file.sha256,
        oldestEventTime: file.oldestEventTime,
        newestEventTime: file.newestEventTime,
      });
    }
  });
});

describe('the size cap', () => {
  it('cuts a batch into files within the cap, every record once, in order', async () => {
    const records = Array.from({ length: 60 }, (_, i) => record(i, '2024-08-01T00:00:00Z', (i * 37) % 300));
    const files = await buildLogFiles(records, { maxBytes: 2048 });
    expect(files.length).toBeGreaterThan(5);
    const seen: string[] = [];
    let expectedStart = 0;
    for (const file of files) {
      expect(file.start).toBe(expectedStart);
      expectedStart = file.end;
      expect(file.uncompressedSize).toBeLessThanOrEqual(2048);
      const inside = JSON.parse(gunzipSync(file.body).toString()) as { Records: { eventID: string }[] };
      expect(inside.Records).toHaveLength(file.end - file.start);
      seen.push(...inside.Records.map((r) => r.eventID));
      expect(file.recordCount).toBe(file.end - file.start);
    }
    expect(expectedStart).toBe(60);
    expect(seen).toEqual(records.map((_, i) => `e-${i}`));
    // Each cut is needed: the next record would not have fitted.
    for (const [i, file] of files.slice(0, -1).entries()) {
      const withNext = logFileJson(records.slice(file.start, file.end + 1));
      expect(withNext.length, `file ${i}`).toBeGreaterThan(2048);
    }
  });

  it('fills a file to exactly the cap, and gives an oversized record a file of its own', () => {
    const small = record(0, '2024-08-01T00:00:00Z');
    const frame = '{"Records":[]}'.length;
    const exact = { json: JSON.stringify({ eventTime: small.eventTime, pad: '' }), eventTime: small.eventTime };
    const fill = 1024 - frame - small.json.length - 1 - exact.json.length;
    const filler = { json: exact.json.replace('"pad":""', `"pad":"${'y'.repeat(fill)}"`), eventTime: small.eventTime };
    expect(logFileJson([small, filler]).length).toBe(1024);
    expect(splitLogRecords([small, filler, small], { maxBytes: 1024 })).toEqual([
      { start: 0, end: 2 },
      { start: 2, end: 3 },
    ]);
    const huge = record(1, '2024-08-01T00:00:00Z', 5000);
    expect(splitLogRecords([small, huge, small, small], { maxBytes: 1024 })).toEqual([
      { start: 0, end: 1 },
      { start: 1, end: 2 },
      { start: 2, end: 4 },
    ]);
    expect(splitLogRecords([])).toEqual([]);
  });

  it('counts UTF-8 bytes, not characters', () => {
    const wide = {
      json: JSON.stringify({ eventTime: '2024-08-01T00:00:00Z', t: '日'.repeat(300) }),
      eventTime: '2024-08-01T00:00:00Z',
    };
    // About 340 characters but 940 bytes each: all three would fit in 2048 characters, only two in 2048 bytes.
    expect(splitLogRecords([wide, wide, wide], { maxBytes: 2048 })).toHaveLength(2);
  });
});

describe('logRecordFromJson', () => {
  it('reads the top-level eventTime, not a nested one', () => {
    const json = '{"requestParameters":{"eventTime":"1999-01-01T00:00:00Z"},"eventTime":"2024-08-01T00:00:00Z"}';
    expect(logRecordFromJson(json)).toEqual({ json, eventTime: '2024-08-01T00:00:00Z' });
    expect(() => logRecordFromJson('{"eventName":"x"}')).toThrow('the record has no eventTime string');
  });
});
