import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decodeArchiveFile, decodeArchiveFileAsync, firstInvalidUtf8, type DecodeOptions } from './decode.js';
import { locateJsonSyntaxError } from './json-scan.js';
import { docsDigest, docsRecords, makeRecord, stratusFiles } from './testkit.js';

const LARGE: DecodeOptions = { wholeParseLimit: 16, batchBytes: 3000 };
const buf = (text: string) => Buffer.from(text, 'utf8');

function records(result: ReturnType<typeof decodeArchiveFile>): unknown[] {
  if (result.kind !== 'records') throw new Error(`expected records, got ${JSON.stringify(result)}`);
  return result.records;
}
function errorOf(result: ReturnType<typeof decodeArchiveFile>): string {
  if (result.kind !== 'error') throw new Error(`expected an error, got ${result.kind}`);
  return result.message;
}

describe('decodeArchiveFile: accepted formats', () => {
  const stratus = stratusFiles();
  const docs = docsRecords();

  it('reads every Stratus Red Team file (bare arrays) record for record', () => {
    expect(stratus).toHaveLength(35);
    let total = 0;
    for (const { name, records: expected } of stratus) {
      const result = decodeArchiveFile(buf(JSON.stringify(expected, null, 3)));
      expect(result, name).toEqual({ kind: 'records', records: expected, format: 'array' });
      total += expected.length;
    }
    expect(total).toBe(310);
  });

  it('reads a gzipped {"Records": [...]} file of the User Guide records', () => {
    expect(docs).toHaveLength(23);
    const result = decodeArchiveFile(gzipSync(buf(JSON.stringify({ Records: docs }))));
    expect(result).toEqual({ kind: 'records', records: docs, format: 'records-envelope' });
  });

  it('detects gzip by magic bytes, whatever the name', async () => {
    const gz = gzipSync(buf(JSON.stringify(docs)));
    expect(records(decodeArchiveFile(gz))).toEqual(docs);
    expect(records(await decodeArchiveFileAsync(gz))).toEqual(docs);
  });

  it('reads concatenated gzip members as one file', () => {
    const text = JSON.stringify({ Records: docs });
    const half = Math.floor(text.length / 2);
    const twoMembers = Buffer.concat([gzipSync(buf(text.slice(0, half))), gzipSync(buf(text.slice(half)))]);
    expect(records(decodeArchiveFile(twoMembers))).toEqual(docs);
  });

  it('unwraps LookupEvents output, as an object and as a bare Events array', () => {
    const wanted = stratus[5]?.records as Record<string, unknown>[];
    const events = wanted.map((record) => ({
      EventId: record['eventID'],
      EventName: record['eventName'],
      Username: 'stratus',
      Resources: [{ ResourceType: 'AWS::IAM::User', ResourceName: 'x' }],
      CloudTrailEvent: JSON.stringify(record),
    }));
    expect(decodeArchiveFile(buf(JSON.stringify({ Events: events, NextToken: 'abc' })))).toEqual({
      kind: 'records',
      records: wanted,
      format: 'lookup-events',
    });
    expect(decodeArchiveFile(buf(JSON.stringify(events)))).toEqual({
      kind: 'records',
      records: wanted,
      format: 'lookup-events',
    });
  });

  it('reads NDJSON by hint and by content, with CRLF and blank lines', () => {
    const wanted = [...stratus].sort((a, b) => b.records.length - a.records.length)[0]?.records as unknown[];
    expect(wanted.length).toBeGreaterThan(2);
    const lines = wanted.map((r) => JSON.stringify(r));
    const ndjson = buf(lines.join('\r\n') + '\r\n\r\n');
    expect(decodeArchiveFile(ndjson, { ndjson: true })).toEqual({ kind: 'records', records: wanted, format: 'ndjson' });
    expect(decodeArchiveFile(ndjson)).toEqual({ kind: 'records', records: wanted, format: 'ndjson' });
    expect(decodeArchiveFile(gzipSync(ndjson), { ndjson: true })).toEqual({
      kind: 'records',
      records: wanted,
      format: 'ndjson',
    });
    // A one-line .jsonl file is one record, not a document.
    expect(records(decodeArchiveFile(buf(lines[0] as string), { ndjson: true }))).toEqual([wanted[0]]);
    // Whole log files one per line, and LookupEvents events one per line.
    const half = Math.ceil(wanted.length / 2);
    const envelopes = [wanted.slice(0, half), wanted.slice(half)].map((r) => JSON.stringify({ Records: r })).join('\n');
    expect(decodeArchiveFile(buf(envelopes))).toEqual({ kind: 'records', records: wanted, format: 'ndjson' });
    const events = wanted.map((r) => JSON.stringify({ EventId: 'x', CloudTrailEvent: JSON.stringify(r) })).join('\n');
    expect(decodeArchiveFile(buf(events), { ndjson: true })).toEqual({
      kind: 'records',
      records: wanted,
      format: 'ndjson',
    });
    // NDJSON cut into batches smaller than a line still gives every record once.
    expect(records(decodeArchiveFile(ndjson, { ndjson: true, batchBytes: 10 }))).toEqual(wanted);
  });

  it('accepts an empty Records list, a UTF-8 BOM and UTF-16 with a BOM', () => {
    expect(decodeArchiveFile(buf('{"Records":[]}'))).toEqual({
      kind: 'records',
      records: [],
      format: 'records-envelope',
    });
    const record = makeRecord(1);
    const text = JSON.stringify({ Records: [record] });
    expect(records(decodeArchiveFile(buf('\uFEFF' + text)))).toEqual([record]);
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    expect(records(decodeArchiveFile(utf16))).toEqual([record]);
    const utf16be = Buffer.from(Buffer.from('\uFEFF' + text, 'utf16le')).swap16();
    expect(records(decodeArchiveFile(utf16be))).toEqual([record]);
  });

  it('recognises digest files by content', () => {
    expect(decodeArchiveFile(gzipSync(buf(JSON.stringify(docsDigest()))))).toEqual({ kind: 'digest' });
    const emptyHour = { ...docsDigest(), logFiles: [], previousDigestSignature: null };
    expect(decodeArchiveFile(buf(JSON.stringify(emptyHour)))).toEqual({ kind: 'digest' });
  });

  it('gives the same result on the batched large-document path', () => {
    const all = stratus.flatMap((f) => f.records);
    const cases: [Buffer, DecodeOptions][] = [
      [buf(JSON.stringify({ Records: all })), {}],
      [buf(JSON.stringify({ Records: docs, extra: { nested: [1, { a: '}]' }] } }, null, 2)), {}],
      [buf(JSON.stringify(all, null, 1)), {}],
      [buf(JSON.stringify({ Events: all.map((r) => ({ EventId: 'x', CloudTrailEvent: JSON.stringify(r) })) })), {}],
      [buf(JSON.stringify(docsDigest())), {}],
      [buf(all.map((r) => JSON.stringify(r)).join('\n')), {}],
      [buf('  {"Records" : [ ] }  '), {}],
    ];
    for (const [input] of cases) {
      const whole = decodeArchiveFile(input);
      expect(whole.kind).not.toBe('error');
      expect(decodeArchiveFile(input, LARGE)).toEqual(whole);
    }
    expect(records(decodeArchiveFile(buf(JSON.stringify({ Records: all })), LARGE))).toHaveLength(310);
  });
});

describe('decodeArchiveFile: errors', () => {
  const text = JSON.stringify({ Records: [makeRecord(1), makeRecord(2)] });

  it('reports a truncated gzip', () => {
    const gz = gzipSync(buf(text));
    const half = gz.subarray(0, Math.floor(gz.length / 2));
    expect(errorOf(decodeArchiveFile(half))).toBe(
      `corrupt gzip: unexpected end of file — the compressed data stops after ${half.length} bytes (truncated file or interrupted download); file skipped`,
    );
  });

  it('reports a corrupt gzip with what zlib found', async () => {
    const gz = gzipSync(buf(text));
    const badHeader = Buffer.from(gz);
    badHeader[2] = 99; // compression method must be 8 (deflate)
    expect(errorOf(decodeArchiveFile(badHeader))).toMatch(
      /^corrupt gzip: unknown compression method \(Z_DATA_ERROR\); file skipped$/,
    );
    const badCrc = Buffer.from(gz);
    const crcAt = badCrc.length - 8;
    badCrc[crcAt] = (badCrc[crcAt] as number) ^ 0xff;
    expect(errorOf(decodeArchiveFile(badCrc))).toBe('corrupt gzip: incorrect data check (Z_DATA_ERROR); file skipped');
    expect(errorOf(await decodeArchiveFileAsync(badCrc))).toBe(
      'corrupt gzip: incorrect data check (Z_DATA_ERROR); file skipped',
    );
  });

  it('reports truncated JSON at the end of the data', () => {
    const cut = buf(text).subarray(0, 300);
    expect(errorOf(decodeArchiveFile(cut))).toMatch(
      /^truncated JSON at byte 300 \(end of data\): .*the file ends mid-document; file skipped$/,
    );
    expect(errorOf(decodeArchiveFile(gzipSync(cut)))).toMatch(/^truncated JSON at byte 300 /);
    expect(errorOf(decodeArchiveFile(cut, LARGE))).toBe(
      'truncated JSON at byte 300 (end of data): the file ends mid-document; file skipped',
    );
  });

  it('reports truncation inside a multi-byte character as truncation', () => {
    const bytes = buf(text);
    const at = bytes.indexOf('“') + 1; // inside the 3-byte quotation mark
    const cut = bytes.subarray(0, at);
    expect(errorOf(decodeArchiveFile(cut))).toMatch(new RegExp(`^truncated JSON at byte ${at} \\(end of data\\)`));
    // ...but a complete document followed by a cut character is an encoding error.
    const trailing = Buffer.concat([buf('[]'), Buffer.from([0xe2, 0x80])]);
    expect(errorOf(decodeArchiveFile(trailing))).toBe(
      'invalid UTF-8 at byte 2: the file ends in the middle of a character (bytes e2 80); file skipped',
    );
  });

  it('reports malformed JSON with byte, line and column', () => {
    const pretty = buf('{\n  "Records": [\n    {"a": "é"},\n    {"b": tru}\n  ]\n}\n');
    const message = errorOf(decodeArchiveFile(pretty));
    const byte = pretty.indexOf('tru}') + 3;
    expect(message).toMatch(
      new RegExp(`^malformed JSON at byte ${byte} \\(line 4, column 14\\): Unexpected token '}' near `),
    );
    expect(message).not.toContain('\n');
    expect(errorOf(decodeArchiveFile(pretty, LARGE))).toMatch(new RegExp(`^malformed JSON at byte ${byte}: `));
    expect(errorOf(decodeArchiveFile(buf('{"Records":[{"a":1},,{"b":2}]}')))).toMatch(
      /^malformed JSON at byte 20 \(line 1, column 21\)/,
    );
    expect(errorOf(decodeArchiveFile(buf('{"Records":[{"a":1}]} trailing')))).toMatch(
      /^malformed JSON at byte 22 \(line 1, column 23\): Unexpected non-whitespace character after JSON near /,
    );
    expect(errorOf(decodeArchiveFile(buf('{"Records":[{"a":1}]} trailing'), LARGE))).toBe(
      'malformed JSON at byte 22: expected the end of the document, found "t"; file skipped',
    );
    expect(errorOf(decodeArchiveFile(buf('{"Records":[{"a":1}] trailing'), LARGE))).toBe(
      `malformed JSON at byte 21: expected ',' or '}' after a property value, found "t"; file skipped`,
    );
  });

  it('reports NDJSON errors by line', () => {
    const lines = [JSON.stringify(makeRecord(1)), '{"eventName": "x",}', JSON.stringify(makeRecord(3))];
    const message = errorOf(decodeArchiveFile(buf(lines.join('\n')), { ndjson: true }));
    expect(message).toMatch(/^malformed JSON on line 2 at byte \d+ \(column 19\): /);
    const truncated = buf(lines[0] + '\n' + (lines[2] as string).slice(0, 50));
    expect(errorOf(decodeArchiveFile(truncated, { ndjson: true }))).toMatch(
      new RegExp(`^truncated JSON on line 2 at byte ${truncated.length} \\(end of data\\)`),
    );
    expect(errorOf(decodeArchiveFile(buf('{"a":1}\n[1,2]\n'), { ndjson: true }))).toBe(
      'line 2 is an array, not a record object (NDJSON holds one record per line); file skipped',
    );
  });

  it('refuses invalid UTF-8 instead of replacing it', () => {
    const bytes = buf(text);
    const at = bytes.indexOf('s3.amazonaws.com');
    bytes[at] = 0xff;
    expect(errorOf(decodeArchiveFile(bytes))).toBe(
      `invalid UTF-8 at byte ${at} (bytes ff 33 2e 61); the file must be UTF-8 encoded; file skipped`,
    );
    expect(errorOf(decodeArchiveFile(gzipSync(bytes)))).toMatch(new RegExp(`^invalid UTF-8 at byte ${at} `));
    expect(errorOf(decodeArchiveFile(bytes, LARGE))).toMatch(new RegExp(`^invalid UTF-8 at byte ${at} `));
    expect(errorOf(decodeArchiveFile(bytes, { ndjson: true }))).toMatch(new RegExp(`^invalid UTF-8 at byte ${at} `));
    // Overlong encodings and surrogates are invalid too.
    expect(errorOf(decodeArchiveFile(Buffer.concat([buf('["'), Buffer.from([0xc0, 0xaf]), buf('"]')])))).toMatch(
      /^invalid UTF-8 at byte 2 /,
    );
    expect(errorOf(decodeArchiveFile(Buffer.concat([buf('["'), Buffer.from([0xed, 0xa0, 0x80]), buf('"]')])))).toMatch(
      /^invalid UTF-8 at byte 2 /,
    );
  });

  it('refuses shapes that are not CloudTrail', () => {
    const expected = 'not a CloudTrail log file: expected {"Records": [...]} or an array of records';
    expect(errorOf(decodeArchiveFile(buf('{"name":"x","version":"1"}')))).toBe(
      `${expected} (found an object with keys "name", "version"); file skipped`,
    );
    expect(errorOf(decodeArchiveFile(buf('{}')))).toBe(`${expected} (found an empty object); file skipped`);
    expect(errorOf(decodeArchiveFile(buf('"Records"')))).toBe(`${expected} (found a string); file skipped`);
    expect(errorOf(decodeArchiveFile(buf('null')))).toBe(`${expected} (found null); file skipped`);
    expect(errorOf(decodeArchiveFile(buf(JSON.stringify(makeRecord(1)))))).toMatch(
      /^not a CloudTrail log file: .*\(found an object with keys "eventVersion", "userIdentity", .*, \.\.\.\); file skipped$/,
    );
    expect(errorOf(decodeArchiveFile(buf('{"Records":{"a":1}}')))).toBe(
      '"Records" is an object with keys "a", not an array of records; file skipped',
    );
    expect(errorOf(decodeArchiveFile(buf('{"Events":[{"EventId":"1"}]}')))).toMatch(
      /^Events\[0\] has no "CloudTrailEvent" string/,
    );
    expect(errorOf(decodeArchiveFile(buf('{"Events":[{"EventId":"1","CloudTrailEvent":"{oops"}]}')))).toMatch(
      /^Events\[0\]\.CloudTrailEvent is not valid JSON: /,
    );
    expect(errorOf(decodeArchiveFile(Buffer.alloc(0)))).toBe('empty file; file skipped');
    expect(errorOf(decodeArchiveFile(gzipSync(Buffer.alloc(0))))).toBe('the gzip holds an empty file; file skipped');
    expect(errorOf(decodeArchiveFile(buf(' \n\t ')))).toBe('the file holds only whitespace; file skipped');
  });
});

describe('helpers', () => {
  it('locateJsonSyntaxError agrees with JSON.parse', () => {
    const valid = ['{}', '[]', ' [1, -0.5e+3, "a\\u00e9\\n", true, false, null, {"k": [{}]}] ', '"x"', '0'];
    for (const text of valid) expect(locateJsonSyntaxError(text), text).toBeUndefined();
    const invalid: [string, number, boolean][] = [
      ['[1,2,x]', 5, false],
      ['{"a":1,}', 7, false],
      ['[01]', 2, false],
      ['{"a" 1}', 5, false],
      ['["\\q"]', 3, false],
      ['["a\tb"]', 3, false],
      ['[1] [2]', 4, false],
      ['{"Records":[{"a":1}', 19, true],
      ['[tru', 4, true],
      ['["abc', 5, true],
      ['[-', 2, true],
      ['', 0, true],
    ];
    for (const [text, position, truncated] of invalid) {
      expect(() => JSON.parse(text), text).toThrow();
      expect(locateJsonSyntaxError(text), text).toEqual({ position, truncated });
    }
  });

  it('firstInvalidUtf8 finds the first bad sequence', () => {
    expect(firstInvalidUtf8(buf('héllo ✓ 😀'))).toBe(-1);
    expect(firstInvalidUtf8(Buffer.from([0x41, 0x80]))).toBe(1);
    expect(firstInvalidUtf8(Buffer.from([0x41, 0xf0, 0x9f, 0x98]))).toBe(1);
    expect(firstInvalidUtf8(Buffer.from([0xf4, 0x90, 0x80, 0x80]))).toBe(0);
  });
});
