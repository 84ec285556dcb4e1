/**
 * S3Sink against real local S3 servers. The conformance suite runs twice: on moto_server (every
 * group; it honours server-side-encryption headers and pages listings) and on s3rver (always
 * available from node_modules; two groups skipped with the reason). Credentials reach the SDK
 * through its default chain (environment variables set here), as in `opentrail serve`.
 */
import { HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeSinkConformance } from '../sink-conformance.js';
import { SinkError, SinkInputError } from '../sink.js';
import { hasMotoServer, startMotoServer, startS3rver, useTestCredentials, type LocalS3 } from './local-s3-servers.js';
import { S3Sink } from './s3-sink.js';

const restoreEnv = useTestCredentials();
afterAll(() => restoreEnv());

function serverHarness(start: () => Promise<LocalS3>, pageSize: number) {
  let server: LocalS3 | undefined;
  let counter = 0;
  beforeAll(async () => {
    server = await start();
  });
  afterAll(async () => {
    await server?.stop();
  });
  const running = (): LocalS3 => {
    if (server === undefined) throw new Error('the local S3 server did not start');
    return server;
  };
  return {
    running,
    newSink: async () => {
      const bucket = `conformance-${++counter}`;
      await running().createBucket(bucket);
      return new S3Sink({ bucket, endpoint: running().endpoint, forcePathStyle: true, pageSize });
    },
    sinkFor: (bucket: string) => new S3Sink({ bucket, endpoint: 'http://127.0.0.1:9', forcePathStyle: true }),
  };
}

const hasMoto = hasMotoServer();
const NO_MOTO = 'moto_server is not on PATH (pip install "moto[server]")';

describe.skipIf(!hasMoto)(`S3Sink on moto_server${hasMoto ? '' : ` (skipped: ${NO_MOTO})`}`, () => {
  // A small page, so every listing in the suite crosses ListObjectsV2 pages.
  const harness = serverHarness(startMotoServer, 7);
  describeSinkConformance('S3Sink on moto_server', harness);
});

describe('S3Sink on s3rver', () => {
  const harness = serverHarness(startS3rver, 1000);
  describeSinkConformance('S3Sink on s3rver', {
    ...harness,
    skip: {
      listingOrder: 's3rver lists in its own folder-walk order ("a/b" before "a-b"), not S3\'s UTF-8 byte order',
      serverSideEncryption: 's3rver drops x-amz-server-side-encryption headers (covered on moto_server)',
      multiPageListing:
        "s3rver's ListObjectsV2 continuation token needs DES, which Node 20's OpenSSL 3 lacks (covered on moto_server)",
    },
  });

  it('sends user metadata as x-amz-meta-* headers and reads other writers’ metadata lowercased', async () => {
    const server = harness.running();
    await server.createBucket('metadata-check');
    const sink = new S3Sink({ bucket: 'metadata-check', endpoint: server.endpoint, forcePathStyle: true });
    await sink.put('digest.json.gz', Buffer.from('d'), {
      metadata: { signature: 'abcdef', 'signature-algorithm': 'SHA256withRSA' },
      contentType: 'application/json',
      contentEncoding: 'gzip',
    });
    // The raw HTTP response: the headers S3 clients (and the AWS CLI) read.
    const response = await fetch(`${server.endpoint}/metadata-check/digest.json.gz`, { method: 'HEAD' });
    expect(response.headers.get('x-amz-meta-signature')).toBe('abcdef');
    expect(response.headers.get('x-amz-meta-signature-algorithm')).toBe('SHA256withRSA');
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(response.headers.get('content-encoding')).toBe('gzip');

    const client = server.client();
    await client.send(
      new PutObjectCommand({
        Bucket: 'metadata-check',
        Key: 'by-another-writer',
        Body: 'x',
        Metadata: { 'Signature-Algorithm': 'SHA256withRSA' },
      }),
    );
    expect((await sink.get('by-another-writer'))?.metadata).toEqual({ 'signature-algorithm': 'SHA256withRSA' });
    const head = await client.send(new HeadObjectCommand({ Bucket: 'metadata-check', Key: 'digest.json.gz' }));
    expect(head.Metadata).toEqual({ signature: 'abcdef', 'signature-algorithm': 'SHA256withRSA' });
    client.destroy();
    await sink.close();
  });

  it('leaves folder markers and keys no sink could get out of listings', async () => {
    const server = harness.running();
    await server.createBucket('markers');
    const client = server.client();
    for (const key of ['AWSLogs/', 'AWSLogs/111122223333/', 'AWSLogs/a\\b', 'AWSLogs/real.json.gz']) {
      await client.send(new PutObjectCommand({ Bucket: 'markers', Key: key, Body: Buffer.alloc(0), ContentLength: 0 }));
    }
    client.destroy();
    const sink = new S3Sink({ bucket: 'markers', endpoint: server.endpoint, forcePathStyle: true });
    const keys: string[] = [];
    for await (const key of sink.list('AWSLogs/')) keys.push(key);
    expect(keys).toEqual(['AWSLogs/real.json.gz']);
    await sink.close();
  });

  it('names the bucket when it does not exist', async () => {
    const server = harness.running();
    const sink = new S3Sink({ bucket: 'no-such-bucket', endpoint: server.endpoint, forcePathStyle: true });
    const message = `s3://no-such-bucket at ${server.endpoint}: cannot put "k": the bucket does not exist (NoSuchBucket)`;
    await expect(sink.put('k', Buffer.from('x'))).rejects.toThrow(message);
    await expect(sink.get('k')).rejects.toThrow('the bucket does not exist (NoSuchBucket)');
    const listing = async () => {
      for await (const _key of sink.list('')) break;
    };
    await expect(listing()).rejects.toThrow(`cannot list "": the bucket does not exist (NoSuchBucket)`);
    await sink.close();
  });

  it('signs with the credentials it is given (s3rver refuses an unknown access key; it does not check V4 signatures)', async () => {
    const server = harness.running();
    await server.createBucket('credentials-check');
    const sink = new S3Sink({
      bucket: 'credentials-check',
      endpoint: server.endpoint,
      forcePathStyle: true,
      credentials: { accessKeyId: 'AKIAUNKNOWN', secretAccessKey: 'secret' },
    });
    await expect(sink.put('k', Buffer.from('x'))).rejects.toThrow(/cannot put "k": InvalidAccessKeyId \(HTTP 403\)/);
    await sink.close();
  });

  it('reports an unreachable endpoint as a SinkError', async () => {
    const sink = new S3Sink({ bucket: 'any-bucket', endpoint: 'http://127.0.0.1:9', forcePathStyle: true });
    const error = await sink.put('k', Buffer.from('x')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SinkError);
    expect((error as Error).message).toMatch(
      /^s3:\/\/any-bucket at http:\/\/127\.0\.0\.1:9: cannot put "k": .*ECONNREFUSED/,
    );
    await sink.close();
  });

  it('checks its page size', () => {
    expect(() => new S3Sink({ bucket: 'any-bucket', pageSize: 0 })).toThrow(SinkInputError);
    expect(() => new S3Sink({ bucket: 'any-bucket', pageSize: 1001 })).toThrow(
      'pageSize must be an integer from 1 to 1000, not 1001',
    );
  });
});
