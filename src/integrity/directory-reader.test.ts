import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DirectorySink } from '../delivery/directory/directory-sink.js';
import { bucketFolder, DirectoryBucketReader, directoryBuckets } from './directory-reader.js';
import { writeObject } from './testdata/chain.js';

const root = mkdtempSync(join(tmpdir(), 'ot-dirreader-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
writeObject(root, 'b1', 'AWSLogs/1/CloudTrail-Digest/r/2024/01/02/x.json.gz', Buffer.from('d2'), { signature: 'ab' });
writeObject(root, 'b1', 'AWSLogs/1/CloudTrail-Digest/r/2024/01/01/x.json.gz', Buffer.from('d1'));
writeObject(root, 'b1', 'AWSLogs/1/CloudTrail/r/2024/01/01/log.json.gz', Buffer.from('l'));
writeObject(root, 'b2', 'k', Buffer.from('other'));

const collect = async (it: AsyncIterable<string>) => {
  const out: string[] = [];
  for await (const k of it) out.push(k);
  return out;
};

describe('DirectoryBucketReader', () => {
  const r = new DirectoryBucketReader(join(root, 'b1'));

  it('lists keys under a prefix in S3 order, without metadata sidecars', async () => {
    expect(await collect(r.list('AWSLogs/1/CloudTrail-Digest/r'))).toEqual([
      'AWSLogs/1/CloudTrail-Digest/r/2024/01/01/x.json.gz',
      'AWSLogs/1/CloudTrail-Digest/r/2024/01/02/x.json.gz',
    ]);
    // A prefix need not end at a folder boundary.
    expect(await collect(r.list('AWSLogs/1/CloudTrail'))).toHaveLength(3);
    expect(await collect(r.list('nothing/here'))).toEqual([]);
  });

  it('gets body and metadata; a missing object or an escaping key is not found', async () => {
    expect(await r.get('AWSLogs/1/CloudTrail-Digest/r/2024/01/02/x.json.gz')).toEqual({
      body: Buffer.from('d2'),
      metadata: { signature: 'ab' },
    });
    expect((await r.get('AWSLogs/1/CloudTrail-Digest/r/2024/01/01/x.json.gz'))?.metadata).toEqual({});
    expect(await r.get('AWSLogs/none')).toBeUndefined();
    expect(await r.get('../b2/k')).toBeUndefined();
    expect(await r.get('AWSLogs/1/CloudTrail-Digest/r/2024/01/02/x.json.gz.metadata.json')).toBeUndefined();
  });

  it('resolves other buckets as sibling folders and refuses names that are not bucket names', async () => {
    const { bucket, resolver } = bucketFolder(join(root, 'b1'));
    expect(bucket).toBe('b1');
    expect((await resolver('b2').get('k'))?.body.toString()).toBe('other');
    expect(() => directoryBuckets(root)('..')).toThrow(/not a valid bucket name/);
    expect(() => directoryBuckets(root)('a/b')).toThrow(/not a valid bucket name/);
  });

  it('reads the user metadata of objects DirectorySink wrote (HeadObject form, under "Metadata")', async () => {
    const sink = new DirectorySink({ root, bucket: 'bucket-3', durable: false });
    const key = 'AWSLogs/1/CloudTrail-Digest/r/2024/01/03/y.json.gz';
    await sink.put(key, Buffer.from('d3'), {
      contentType: 'application/json',
      metadata: { signature: 'cd', 'signature-algorithm': 'SHA256withRSA' },
    });
    await sink.close();
    expect(await new DirectoryBucketReader(join(root, 'bucket-3')).get(key)).toEqual({
      body: Buffer.from('d3'),
      metadata: { signature: 'cd', 'signature-algorithm': 'SHA256withRSA' },
    });
  });
});
