/**
 * The tests every Sink implementation passes (DESIGN §3): one suite, parameterised by a harness
 * that makes sinks of the implementation under test. `directory/directory-sink.test.ts` and
 * `s3/s3-sink.test.ts` run it. A harness may skip a group only by giving the reason, which then
 * appears in the test's name.
 */
import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SinkError, SinkInputError, type Sink } from './sink.js';

export interface SinkHarness {
  /** A sink on a new, empty bucket of its own. */
  newSink(): Promise<Sink>;
  /** A sink for `bucket` (constructed only: used to check that bad names are refused). */
  sinkFor(bucket: string): Sink;
  /** Why a group cannot run on this implementation; absent = it runs. */
  skip?: {
    /**
     * Listings come in UTF-8 byte order. When skipped, the ordering test is skipped and the other
     * listing tests compare the keys without their order.
     */
    listingOrder?: string;
    /** HeadObject/GetObject report the encryption a put asked for. */
    serverSideEncryption?: string;
    /** Listing more keys than one ListObjectsV2 page holds (the harness sets a small page size). */
    multiPageListing?: string;
  };
}

const md5 = (body: Buffer) => createHash('md5').update(body).digest('hex');

async function collect(keys: AsyncIterable<string>): Promise<string[]> {
  const all: string[] = [];
  for await (const key of keys) all.push(key);
  return all;
}

async function putAll(sink: Sink, keys: readonly string[]): Promise<void> {
  for (let i = 0; i < keys.length; i += 16) {
    await Promise.all(keys.slice(i, i + 16).map((key) => sink.put(key, Buffer.from(`body of ${key}`))));
  }
}

function titled(title: string, skipReason: string | undefined): string {
  return skipReason === undefined ? title : `${title} (skipped: ${skipReason})`;
}

/** Keys whose S3 order differs from naive orders: "-" < "." < "/" < "0", U+E000 < U+1F600 in UTF-8 bytes. */
const ORDER_KEYS = [
  'a-b',
  'a.txt',
  'a/b',
  'a/c/d',
  'a0',
  'b',
  'z/\u00e9t\u00e9.json',
  'z/\ue000',
  'z/\u{1f600}',
] as const;

const LAYOUT_KEYS = [
  'AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2024/08/01/111122223333_CloudTrail-Digest_us-east-1_t_us-east-1_20240801T010531Z.json.gz',
  'AWSLogs/111122223333/CloudTrail/us-east-1/2024/08/01/111122223333_CloudTrail_us-east-1_20240801T0013Z_c6867cf9b1b936c2.json.gz',
  'AWSLogs/111122223333/CloudTrail/us-east-1/2024/08/01/111122223333_CloudTrail_us-east-1_20240801T0033Z_6e27858f0c4d8877.json.gz',
  'AWSLogs/111122223333/CloudTrail/us-east-1/2024/08/02/111122223333_CloudTrail_us-east-1_20240802T0013Z_Mu0KsOhtH1ar15ZZ.json.gz',
  'AWSLogs/111122223333/CloudTrail/us-west-2/2024/08/01/111122223333_CloudTrail_us-west-2_20240801T0013Z_9nYN7gp2eWAJHIfT.json.gz',
  'AWSLogs/o-aa111bb222/444455556666/CloudTrail/eu-west-1/2024/08/01/444455556666_CloudTrail_eu-west-1_20240801T0013Z_Ab12Cd34Ef56Gh78.json.gz',
] as const;

export const HOSTILE_KEYS: readonly string[] = [
  '',
  '../escape',
  '../../etc/passwd',
  'a/../../escape',
  'a/..',
  '..',
  '.',
  './a',
  'a/./b',
  '/etc/passwd',
  '//server/share',
  'a\\b',
  '..\\..\\escape',
  'C:\\Windows\\x',
  'nul\u0000byte',
  'a/\u0000',
  'line\nbreak',
  'bell\u0007',
  'del\u007f',
  'a//b',
  'folder/',
  'lone\ud800surrogate',
  `${'k'.repeat(1025)}`,
  `a/${'s'.repeat(241)}`,
  'x.metadata.json',
  'a/x.metadata.json/b',
  '.opentrail-tmp-0123',
  'a/.opentrail-tmp-x/b',
];

const HOSTILE_PREFIXES: readonly string[] = ['../', '..', 'a/../', '/etc/', 'a\\', 'nul\u0000', 'a//', 'a/./'];

const BAD_BUCKETS: readonly string[] = [
  '',
  'ab',
  'x'.repeat(64),
  '..',
  '../escape',
  'a/b',
  'a\\b',
  'Uppercase',
  'under_score',
  '-leading',
  'trailing-',
  'two..dots',
  '192.168.0.1',
  'xn--punycode',
  'sthree-bucket',
  'bucket-s3alias',
  'bucket--ol-s3',
  'bucket.mrap',
  'nul\u0000bucket',
];

export function describeSinkConformance(name: string, harness: SinkHarness): void {
  const unordered = harness.skip?.listingOrder !== undefined;
  /** Lists and compares with the expected keys (in order, unless the harness skips ordering). */
  const expectListing = async (keys: AsyncIterable<string>, expected: readonly string[]) => {
    const actual = await collect(keys);
    if (unordered) expect([...actual].sort(byUtf8)).toEqual([...expected].sort(byUtf8));
    else expect(actual).toEqual(expected);
  };
  describe(`Sink conformance: ${name}`, () => {
    it('stores an object with its metadata and returns it byte for byte', async () => {
      const sink = await harness.newSink();
      const body = randomBytes(70_000);
      const key = LAYOUT_KEYS[1];
      const put = await sink.put(key, body, {
        contentType: 'application/json',
        contentEncoding: 'gzip',
        metadata: { signature: 'ab12', 'signature-algorithm': 'SHA256withRSA' },
      });
      expect(put).toEqual({ key, etag: md5(body), size: body.length });
      const got = await sink.get(key);
      expect(got?.body.equals(body)).toBe(true);
      expect(got).toMatchObject({
        key,
        size: body.length,
        etag: md5(body),
        contentType: 'application/json',
        contentEncoding: 'gzip',
        metadata: { signature: 'ab12', 'signature-algorithm': 'SHA256withRSA' },
      });
      expect(got?.lastModified).toBeInstanceOf(Date);
      expect(Number.isNaN(got?.lastModified.getTime())).toBe(false);
      const head = await sink.head(key);
      expect(head).toEqual(withoutBody(got!));
      await sink.close();
    });

    it('round-trips an empty body and keys with characters URLs treat specially', async () => {
      const sink = await harness.newSink();
      const keys = [
        'empty',
        'with space/and+plus',
        'pct%20eq=amp&q?hash#',
        'caf\u00e9/\u65e5\u672c/\u{1f600}',
        'quote\'"<>',
      ];
      for (const key of keys) await sink.put(key, key === 'empty' ? Buffer.alloc(0) : Buffer.from(key));
      const empty = await sink.get('empty');
      expect(empty).toMatchObject({ size: 0, etag: 'd41d8cd98f00b204e9800998ecf8427e', metadata: {} });
      expect(empty?.body.length).toBe(0);
      for (const key of keys.slice(1)) expect((await sink.get(key))?.body.toString(), key).toBe(key);
      await expectListing(sink.list(''), [...keys].sort(byUtf8));
      await sink.close();
    });

    it('returns undefined for missing keys, and deleting one is not an error', async () => {
      const sink = await harness.newSink();
      expect(await sink.get('AWSLogs/nothing-here.json.gz')).toBeUndefined();
      expect(await sink.head('AWSLogs/nothing-here.json.gz')).toBeUndefined();
      await sink.put('AWSLogs/file', Buffer.from('x'));
      // A key below an object, and a prefix of a key, are not objects either.
      expect(await sink.get('AWSLogs/file/below')).toBeUndefined();
      expect(await sink.head('AWSLogs')).toBeUndefined();
      await expect(sink.delete('AWSLogs/nothing-here.json.gz')).resolves.toBeUndefined();
      await expectListing(sink.list(''), ['AWSLogs/file']);
      await sink.close();
    });

    it('replaces an object on a second put: new body, new metadata, old metadata gone', async () => {
      const sink = await harness.newSink();
      await sink.put('k', Buffer.from('first'), { metadata: { a: '1', b: '2' }, contentType: 'text/plain' });
      await sink.put('k', Buffer.from('second, longer'), { metadata: { a: '3' } });
      const got = await sink.get('k');
      expect(got?.body.toString()).toBe('second, longer');
      expect(got?.metadata).toEqual({ a: '3' });
      expect(got?.etag).toBe(md5(Buffer.from('second, longer')));
      expect((await sink.head('k'))?.size).toBe('second, longer'.length);
      await sink.close();
    });

    it('is idempotent: the same put twice leaves one identical object', async () => {
      const sink = await harness.newSink();
      const body = Buffer.from('{"Records":[]}');
      const first = await sink.put(LAYOUT_KEYS[2], body, { metadata: { m: 'v' } });
      const second = await sink.put(LAYOUT_KEYS[2], body, { metadata: { m: 'v' } });
      expect(second).toEqual(first);
      await expectListing(sink.list(''), [LAYOUT_KEYS[2]]);
      expect((await sink.get(LAYOUT_KEYS[2]))?.metadata).toEqual({ m: 'v' });
      await sink.close();
    });

    it(titled('lists keys in UTF-8 byte order, as S3 does', harness.skip?.listingOrder), async (ctx) => {
      if (unordered) ctx.skip();
      const sink = await harness.newSink();
      await putAll(sink, [...ORDER_KEYS].reverse());
      expect(await collect(sink.list(''))).toEqual([...ORDER_KEYS]);
      await sink.close();
    });

    it('lists by prefix: whole folders, part of a segment, nothing', async () => {
      const sink = await harness.newSink();
      await putAll(sink, LAYOUT_KEYS);
      await putAll(sink, ['AWSLogsOld/x', 'other']);
      const sorted = [...LAYOUT_KEYS].sort(byUtf8);
      await expectListing(sink.list('AWSLogs/'), sorted);
      await expectListing(sink.list('AWSLogs'), [...sorted, 'AWSLogsOld/x']);
      await expectListing(
        sink.list('AWSLogs/111122223333/CloudTrail/'),
        sorted.filter((k) => k.startsWith('AWSLogs/111122223333/CloudTrail/')),
      );
      await expectListing(
        sink.list('AWSLogs/111122223333/CloudTrail/us-e'),
        sorted.filter((k) => k.includes('/CloudTrail/us-east-1/')),
      );
      expect(
        await collect(
          sink.list(
            'AWSLogs/111122223333/CloudTrail/us-east-1/2024/08/01/111122223333_CloudTrail_us-east-1_20240801T00',
          ),
        ),
      ).toEqual([LAYOUT_KEYS[1], LAYOUT_KEYS[2]]);
      await expectListing(sink.list(LAYOUT_KEYS[1]), [LAYOUT_KEYS[1]]);
      await expectListing(sink.list('AWSLogs/999999999999/'), []);
      await expectListing(sink.list('nothing/at/all/'), []);
      await sink.close();
    });

    it('lists after a start key (StartAfter), alone and with a prefix', async () => {
      const sink = await harness.newSink();
      await putAll(sink, ORDER_KEYS);
      const all = [...ORDER_KEYS];
      await expectListing(sink.list('', { startAfter: 'a.txt' }), all.slice(2));
      // A start key that is not itself a key, between a folder's keys.
      await expectListing(sink.list('', { startAfter: 'a/bb' }), all.slice(3));
      await expectListing(sink.list('', { startAfter: 'a/' }), all.slice(2));
      await expectListing(sink.list('a/', { startAfter: 'a/b' }), ['a/c/d']);
      // A start key before the prefix lists the whole prefix; one after it lists nothing.
      await expectListing(sink.list('z/', { startAfter: 'a' }), all.slice(6));
      await expectListing(sink.list('a/', { startAfter: 'b' }), []);
      await expectListing(sink.list('', { startAfter: '\u{10ffff}' }), []);
      await sink.close();
    });

    it(
      titled('lists across several pages without losing or repeating a key', harness.skip?.multiPageListing),
      async (ctx) => {
        if (harness.skip?.multiPageListing !== undefined) ctx.skip();
        const sink = await harness.newSink();
        const keys = Array.from({ length: 45 }, (_, i) => `p/${String(i).padStart(3, '0')}`);
        await putAll(sink, keys);
        await sink.put('q', Buffer.from('outside the prefix'));
        await expectListing(sink.list('p/'), keys);
        await expectListing(sink.list('p/', { startAfter: 'p/019' }), keys.slice(20));
        await expectListing(sink.list(''), [...keys, 'q']);
        await sink.close();
      },
    );

    it('deletes an object: gone from get, head and list; its neighbours stay', async () => {
      const sink = await harness.newSink();
      await putAll(sink, LAYOUT_KEYS);
      await sink.delete(LAYOUT_KEYS[2]);
      expect(await sink.get(LAYOUT_KEYS[2])).toBeUndefined();
      expect(await sink.head(LAYOUT_KEYS[2])).toBeUndefined();
      await expectListing(sink.list('AWSLogs/'), [...LAYOUT_KEYS].filter((k) => k !== LAYOUT_KEYS[2]).sort(byUtf8));
      expect((await sink.get(LAYOUT_KEYS[1]))?.body.toString()).toBe(`body of ${LAYOUT_KEYS[1]}`);
      // The key can be written again after a delete.
      await sink.put(LAYOUT_KEYS[2], Buffer.from('again'));
      expect((await sink.get(LAYOUT_KEYS[2]))?.body.toString()).toBe('again');
      await sink.close();
    });

    it('takes concurrent puts of different keys', async () => {
      const sink = await harness.newSink();
      const keys = Array.from({ length: 40 }, (_, i) => `c/${i % 4}/${String(i).padStart(2, '0')}.json.gz`);
      await Promise.all(keys.map((key) => sink.put(key, Buffer.from(key))));
      await expectListing(sink.list('c/'), [...keys].sort(byUtf8));
      await sink.close();
    });

    it('refuses hostile and non-portable keys on every operation, writing nothing', async () => {
      const sink = await harness.newSink();
      for (const key of HOSTILE_KEYS) {
        const label = JSON.stringify(key.slice(0, 40));
        await expect(sink.put(key, Buffer.from('evil')), label).rejects.toMatchObject({
          name: 'SinkInputError',
          code: 'InvalidObjectKey',
        });
        await expect(sink.get(key), label).rejects.toBeInstanceOf(SinkInputError);
        await expect(sink.head(key), label).rejects.toBeInstanceOf(SinkInputError);
        await expect(sink.delete(key), label).rejects.toBeInstanceOf(SinkInputError);
      }
      await expect(sink.put('../escape', Buffer.from('x'))).rejects.toThrow(
        'object key "../escape": the key holds a ".." segment',
      );
      await expect(sink.put('a\\b', Buffer.from('x'))).rejects.toThrow('holds a backslash');
      await expect(sink.put('nul\u0000byte', Buffer.from('x'))).rejects.toThrow('control character U+0000');
      for (const prefix of HOSTILE_PREFIXES) {
        await expect(collect(sink.list(prefix)), JSON.stringify(prefix)).rejects.toMatchObject({
          code: 'InvalidPrefix',
        });
      }
      await expect(collect(sink.list('', { startAfter: 'a\u0000' }))).rejects.toMatchObject({
        code: 'InvalidArgument',
      });
      await expectListing(sink.list(''), []);
      await sink.close();
    });

    it('refuses metadata and options S3 would mangle or reject', async () => {
      const sink = await harness.newSink();
      const bad: [Parameters<Sink['put']>[2], string][] = [
        [{ metadata: { Signature: 'x' } }, 'metadata name "Signature" must be 1 to 128 lowercase'],
        [{ metadata: { 'with space': 'x' } }, 'metadata name "with space"'],
        [{ metadata: { ok: 'caf\u00e9' } }, 'metadata "ok" must be printable ASCII'],
        [{ metadata: { ok: 'line\nbreak' } }, 'metadata "ok" must be printable ASCII'],
        [{ metadata: { ok: ' padded' } }, 'must not start or end with spaces'],
        [{ metadata: { big: 'x'.repeat(2046) } }, 'user metadata is 2049 bytes; S3 allows 2048'],
        [{ serverSideEncryption: 'DES' as never }, 'serverSideEncryption must be "AES256" or "aws:kms"'],
        [{ serverSideEncryption: 'AES256', sseKmsKeyId: 'k' }, 'sseKmsKeyId needs serverSideEncryption "aws:kms"'],
        [{ contentType: 'text/plain\r\nX-Injected: 1' }, 'contentType must be a non-empty printable ASCII string'],
      ];
      for (const [options, message] of bad) {
        await expect(sink.put('k', Buffer.from('x'), options), message).rejects.toThrow(message);
      }
      await expectListing(sink.list(''), []);
      await sink.close();
    });

    it('refuses bucket names that break S3 rules (and could leave the bucket folder)', () => {
      for (const bucket of BAD_BUCKETS) {
        expect(() => harness.sinkFor(bucket), JSON.stringify(bucket)).toThrow(SinkInputError);
      }
      expect(() => harness.sinkFor('../escape')).toThrow(
        'bucket name "../escape" is not valid: it may hold only lowercase letters, digits, dots and hyphens',
      );
      expect(() => harness.sinkFor('192.168.0.1')).toThrow('must not look like an IP address');
    });

    it(titled('passes server-side encryption settings through', harness.skip?.serverSideEncryption), async (ctx) => {
      if (harness.skip?.serverSideEncryption !== undefined) ctx.skip();
      const sink = await harness.newSink();
      await sink.put('aes', Buffer.from('a'), { serverSideEncryption: 'AES256' });
      const kmsKey = 'arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
      await sink.put('kms', Buffer.from('k'), { serverSideEncryption: 'aws:kms', sseKmsKeyId: kmsKey });
      await sink.put('plain', Buffer.from('p'));
      expect(await sink.head('aes')).toMatchObject({ serverSideEncryption: 'AES256' });
      expect(await sink.get('kms')).toMatchObject({ serverSideEncryption: 'aws:kms', sseKmsKeyId: kmsKey });
      expect((await sink.head('plain'))?.sseKmsKeyId).toBeUndefined();
      await sink.close();
    });

    it('refuses use after close, and closing twice is fine', async () => {
      const sink = await harness.newSink();
      await sink.put('k', Buffer.from('x'));
      await sink.close();
      await sink.close();
      await expect(sink.put('k', Buffer.from('y'))).rejects.toBeInstanceOf(SinkError);
      await expect(sink.get('k')).rejects.toThrow(/is closed; cannot get/);
    });
  });
}

function withoutBody<T extends { body: Buffer }>(object: T): Omit<T, 'body'> {
  const { body: _body, ...rest } = object;
  return rest;
}

function byUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}
