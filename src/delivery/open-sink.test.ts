import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DirectorySink } from './directory/directory-sink.js';
import { openSink } from './open-sink.js';
import { S3Sink } from './s3/s3-sink.js';
import { SinkInputError } from './sink.js';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'opentrail-open-sink-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

it('opens a bucket folder under the root by default', async () => {
  const sink = openSink({ type: 'directory', root }, 'trail-bucket');
  expect(sink).toBeInstanceOf(DirectorySink);
  expect(sink.location).toBe(join(root, 'trail-bucket'));
  await sink.put('k', Buffer.from('x'));
  expect((await sink.get('k'))?.body.toString()).toBe('x');
  await sink.close();
});

it('opens an S3 bucket on the configured endpoint', async () => {
  const sink = openSink({ type: 's3', endpoint: 'http://127.0.0.1:9000', forcePathStyle: true }, 'trail-bucket');
  expect(sink).toBeInstanceOf(S3Sink);
  expect(sink.location).toBe('s3://trail-bucket at http://127.0.0.1:9000');
  await sink.close();
});

it('checks the bucket name whichever the kind', () => {
  expect(() => openSink({ type: 'directory', root }, '../outside')).toThrow(SinkInputError);
  expect(() => openSink({ type: 's3' }, 'Not_A_Bucket')).toThrow(SinkInputError);
});
