import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOSTILE_KEYS, describeSinkConformance } from '../sink-conformance.js';
import { SinkError } from '../sink.js';
import { DirectorySink } from './directory-sink.js';
import { bodyOf, keyOf } from './testdata/crash-objects.js';

let root: string;
let counter = 0;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'opentrail-dirsink-'));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describeSinkConformance('DirectorySink', {
  newSink: async () => new DirectorySink({ root: join(root, 'conformance'), bucket: `bucket-${++counter}` }),
  sinkFor: (bucket) => new DirectorySink({ root: join(root, 'conformance'), bucket }),
});

/** Every file below `dir`, relative to it. */
async function filesBelow(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries
    .filter((e) => !e.isDirectory())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort();
}

const md5 = (text: string) => createHash('md5').update(text).digest('hex');
const KEY =
  'AWSLogs/111122223333/CloudTrail/us-east-1/2024/08/01/111122223333_CloudTrail_us-east-1_20240801T0013Z_c6867cf9b1b936c2.json.gz';

describe('DirectorySink on disk', () => {
  it('lays the bucket out like S3: the object at <root>/<bucket>/<key>, HeadObject-style metadata beside it', async () => {
    const base = join(root, 'layout');
    const sink = new DirectorySink({ root: base, bucket: 'trail-bucket' });
    await sink.put(KEY, Buffer.from('gz'), {
      contentType: 'application/json',
      contentEncoding: 'gzip',
      metadata: { signature: 'ab', 'signature-algorithm': 'SHA256withRSA' },
      serverSideEncryption: 'aws:kms',
      sseKmsKeyId: 'alias/trail',
    });
    expect(sink.folder).toBe(join(base, 'trail-bucket'));
    expect(await filesBelow(base)).toEqual([`trail-bucket/${KEY}`, `trail-bucket/${KEY}.metadata.json`]);
    expect(await readFile(join(base, 'trail-bucket', KEY), 'utf8')).toBe('gz');
    const sidecar = JSON.parse(await readFile(join(base, 'trail-bucket', `${KEY}.metadata.json`), 'utf8'));
    expect(sidecar).toEqual({
      ETag: `"${md5('gz')}"`,
      ContentLength: 2,
      LastModified: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      ContentType: 'application/json',
      ContentEncoding: 'gzip',
      ServerSideEncryption: 'aws:kms',
      SSEKMSKeyId: 'alias/trail',
      Metadata: { signature: 'ab', 'signature-algorithm': 'SHA256withRSA' },
      FileMtimeMs: expect.any(Number),
    });
    // The metadata file is not an object of the bucket.
    expect(await collectKeys(sink, '')).toEqual([KEY]);
    await expect(sink.get(`${KEY}.metadata.json`)).rejects.toThrow('reserved for object metadata');
  });

  it('keeps hostile keys and bucket names inside the root: nothing is written anywhere', async () => {
    const base = join(root, 'hostile');
    await mkdir(base, { recursive: true });
    const sink = new DirectorySink({ root: join(base, 'buckets'), bucket: 'victim' });
    for (const key of HOSTILE_KEYS) await sink.put(key, Buffer.from('evil')).catch(() => {});
    for (const bucket of ['..', '../..', 'a/../..', '/tmp', '.']) {
      expect(() => new DirectorySink({ root: join(base, 'buckets'), bucket })).toThrow(/bucket name .* is not valid/);
    }
    expect(await filesBelow(base)).toEqual([]);
  });

  it('refuses to follow a symbolic link planted in the bucket to somewhere outside it', async () => {
    const base = join(root, 'symlink');
    const outside = join(base, 'outside');
    await mkdir(outside, { recursive: true });
    await writeFile(join(outside, 'secret'), 'do not read');
    const sink = new DirectorySink({ root: join(base, 'buckets'), bucket: 'b-1' });
    await sink.put('ok', Buffer.from('x'));
    await symlink(outside, join(sink.folder, 'link'));
    await symlink(join(outside, 'secret'), join(sink.folder, 'file-link'));
    await expect(sink.put('link/planted', Buffer.from('evil'))).rejects.toThrow(
      /leads through a symbolic link to .*outside, outside the bucket folder/,
    );
    await expect(sink.get('link/secret')).rejects.toThrow(/outside the bucket folder/);
    expect(await sink.get('file-link')).toBeUndefined();
    expect(await filesBelow(outside)).toEqual(['secret']);
    // Links are not objects and are not followed when listing.
    expect(await collectKeys(sink, '')).toEqual(['ok']);
  });

  it('reads files put there by hand: no metadata, ETag from the bytes', async () => {
    const sink = new DirectorySink({ root: join(root, 'by-hand'), bucket: 'copied' });
    await mkdir(join(sink.folder, 'AWSLogs'), { recursive: true });
    await writeFile(join(sink.folder, 'AWSLogs', 'f.json'), '{"Records":[]}');
    expect(await sink.get('AWSLogs/f.json')).toMatchObject({
      size: 14,
      etag: md5('{"Records":[]}'),
      metadata: {},
    });
    expect((await sink.head('AWSLogs/f.json'))?.contentType).toBeUndefined();
  });

  it('reads flat metadata files of hand-made buckets ({"signature":"…"}): user metadata only', async () => {
    const sink = new DirectorySink({ root: join(root, 'flat'), bucket: 'flat-metadata' });
    await mkdir(sink.folder, { recursive: true });
    await writeFile(join(sink.folder, 'digest.json.gz'), 'digest');
    await writeFile(
      join(sink.folder, 'digest.json.gz.metadata.json'),
      '{"signature":"ab12","Signature-Algorithm":"SHA256withRSA"}',
    );
    expect(await sink.get('digest.json.gz')).toMatchObject({
      etag: md5('digest'),
      size: 6,
      metadata: { signature: 'ab12', 'signature-algorithm': 'SHA256withRSA' },
    });
    expect((await sink.head('digest.json.gz'))?.etag).toBe(md5('digest'));
  });

  it('notices a body changed behind its back (same size): a fresh ETag, the metadata kept', async () => {
    const sink = new DirectorySink({ root: join(root, 'tamper'), bucket: 'tampered' });
    await sink.put('digest.json.gz', Buffer.from('original'), { metadata: { signature: 'cafe' } });
    await new Promise((resolve) => setTimeout(resolve, 20)); // a different mtime on coarse clocks
    await writeFile(join(sink.folder, 'digest.json.gz'), 'tampered');
    expect(await sink.head('digest.json.gz')).toMatchObject({ etag: md5('tampered'), metadata: { signature: 'cafe' } });
    expect((await sink.get('digest.json.gz'))?.body.toString()).toBe('tampered');
  });

  it('hides what a crash leaves behind: temporary files and metadata without a body', async () => {
    const sink = new DirectorySink({ root: join(root, 'crash'), bucket: 'crashed' });
    await sink.put('AWSLogs/kept', Buffer.from('kept'));
    await writeFile(join(sink.folder, 'AWSLogs', '.opentrail-tmp-0011223344556677'), 'half a fi');
    await writeFile(join(sink.folder, 'AWSLogs', 'orphan.metadata.json'), '{}');
    expect(await collectKeys(sink, '')).toEqual(['AWSLogs/kept']);
    expect(await sink.get('AWSLogs/orphan')).toBeUndefined();
    // The next put of that key replaces the orphaned metadata.
    await sink.put('AWSLogs/orphan', Buffer.from('now'), { metadata: { m: '1' } });
    expect(await sink.get('AWSLogs/orphan')).toMatchObject({ metadata: { m: '1' }, size: 3 });
  });

  it('explains that a key cannot be both an object and a folder', async () => {
    const sink = new DirectorySink({ root: join(root, 'conflict'), bucket: 'conflict' });
    await sink.put('a', Buffer.from('object'));
    await expect(sink.put('a/b', Buffer.from('x'))).rejects.toThrow(
      'cannot put "a/b": one of its folders is an object; a directory bucket cannot hold both "a" and "a/b"',
    );
    await sink.put('c/d', Buffer.from('x'));
    await expect(sink.put('c', Buffer.from('x'))).rejects.toThrow(
      'a directory bucket cannot hold both the object "c" and objects under "c/"',
    );
    expect(await collectKeys(sink, '')).toEqual(['a', 'c/d']);
  });

  it('reports a damaged metadata file by name', async () => {
    const sink = new DirectorySink({ root: join(root, 'damaged'), bucket: 'damaged' });
    await sink.put('k', Buffer.from('x'));
    await writeFile(join(sink.folder, 'k.metadata.json'), '{"ETag":"nope"}');
    const error = await sink.get('k').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SinkError);
    expect((error as Error).message).toMatch(/metadata file of "k" \(.*k\.metadata\.json\) is damaged: ETag must be/);
  });

  it('reads a real CloudTrail bucket tree (the digest fixture) in S3 order', async () => {
    const sink = new DirectorySink({
      root: resolve(
        import.meta.dirname,
        '../../../../shared/fixtures/cloudtrail-digest-basics/scenarios/01_valid_chain/bucket',
      ),
      bucket: 'heldout-ct-bucket',
    });
    const keys = await collectKeys(sink, 'AWSLogs/123456789012/');
    expect(keys).toHaveLength(9);
    expect(keys[0]).toBe(
      'AWSLogs/123456789012/CloudTrail-Digest/us-east-1/2024/08/01/123456789012_CloudTrail-Digest_us-east-1_heldout-trail_us-east-1_20240801T010531Z.json.gz',
    );
    expect(keys[3]).toBe(
      'AWSLogs/123456789012/CloudTrail/us-east-1/2024/08/01/123456789012_CloudTrail_us-east-1_20240801T0013Z_c6867cf9b1b936c2.json.gz',
    );
    expect([...keys].sort()).toEqual(keys);
    const digest = await sink.get(keys[0]!);
    expect(digest?.body.subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
    const after = await collectKeys(sink, 'AWSLogs/123456789012/CloudTrail-Digest/', keys[1]);
    expect(after).toEqual([keys[2]]);
  });
});

describe('DirectorySink across a SIGKILL', () => {
  it('shows only whole objects with their own metadata, and keeps every acknowledged put', async () => {
    const base = join(root, 'sigkill');
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(import.meta.dirname, 'testdata', 'put-until-killed.ts'), base, 'crash-bucket'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const acked = new Set<number>();
    let output = '';
    const exited = new Promise<NodeJS.Signals | null>((done) => child.once('exit', (_code, signal) => done(signal)));
    await new Promise<void>((killed, failed) => {
      child.stderr.on('data', (d: Buffer) => (output += d.toString()));
      child.stdout.on('data', (d: Buffer) => {
        for (const m of d.toString().matchAll(/acked (\d+)/g)) acked.add(Number(m[1]));
        // Kill in the middle of the stream of puts, with several in flight.
        if (acked.size >= 60 && child.exitCode === null) {
          child.kill('SIGKILL');
          killed();
        }
      });
      child.once('exit', (code) => {
        if (acked.size < 60) failed(new Error(`the writer exited (${code}) before 60 puts:\n${output}`));
      });
    });
    expect(await exited).toBe('SIGKILL');

    const sink = new DirectorySink({ root: base, bucket: 'crash-bucket' });
    const keys = await collectKeys(sink, '');
    for (const n of acked) expect(keys, `acknowledged put ${n}`).toContain(keyOf(n));
    for (const key of keys) {
      const n = Number(/object-(\d+)/.exec(key)?.[1]);
      const object = await sink.get(key);
      expect(object?.body.equals(bodyOf(n)), `${key} is whole`).toBe(true);
      expect(object?.metadata, key).toEqual({ n: String(n) });
      expect(object?.etag, key).toBe(createHash('md5').update(bodyOf(n)).digest('hex'));
      expect(object?.contentEncoding, key).toBe('gzip');
    }
  });
});

async function collectKeys(sink: DirectorySink, prefix: string, startAfter?: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const key of sink.list(prefix, startAfter !== undefined ? { startAfter } : {})) keys.push(key);
  return keys;
}
