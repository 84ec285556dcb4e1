/**
 * A bucket on any S3-compatible service (AWS S3, MinIO, Ceph, moto, s3rver) through
 * `@aws-sdk/client-s3`.
 *
 * Settings: `endpoint`, `region` and `forcePathStyle` as given; otherwise the SDK's own defaults
 * (it reads `AWS_ENDPOINT_URL_S3` / `AWS_ENDPOINT_URL`, `AWS_REGION` and the shared config).
 * When an endpoint is given without a region and the environment names none, the region is
 * `us-east-1`, which every S3-compatible server accepts. Credentials come from the SDK's default
 * chain (environment, shared files, SSO, web identity, container and instance roles) unless a
 * provider is passed.
 *
 * User metadata travels as `x-amz-meta-<name>` headers; `serverSideEncryption` and `sseKmsKeyId`
 * as `x-amz-server-side-encryption` and `x-amz-server-side-encryption-aws-kms-key-id`. Each put
 * sends `Content-MD5`, so the service refuses a body damaged in transit. A single PutObject is
 * atomic in S3 (an object is visible whole or not at all); log files stay far below the 5 GB
 * single-put limit (log-file.ts caps them at 50 MB).
 *
 * Listing yields only keys that satisfy the portable key rules (object-rules.ts), the keys the
 * directory sink could hold and `get` accepts: a real bucket's `folder/` markers are left out.
 */
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  type PutObjectCommandInput,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { checkBucketName } from '../bucket-name.js';
import { checkListPrefix, checkObjectKey, checkPutOptions, objectKeyProblem } from '../object-rules.js';
import {
  SinkError,
  SinkInputError,
  type ListOptions,
  type ObjectInfo,
  type PutOptions,
  type PutResult,
  type ServerSideEncryption,
  type Sink,
  type StoredObject,
} from '../sink.js';

export interface S3SinkOptions {
  bucket: string;
  /** E.g. `http://127.0.0.1:9000`; default: the SDK's (AWS, or `AWS_ENDPOINT_URL_S3`). */
  endpoint?: string;
  region?: string;
  /** `http://host/bucket/key` instead of `http://bucket.host/key`; most self-hosted servers want it. */
  forcePathStyle?: boolean;
  /** Default: the SDK's default credential chain. */
  credentials?: S3ClientConfig['credentials'];
  /** A ready client; the sink then leaves it open on close. The settings above are ignored. */
  client?: S3Client;
  /** Keys per ListObjectsV2 call, 1 to 1000 (default 1000, S3's maximum). */
  pageSize?: number;
}

function stripQuotes(etag: string | undefined): string {
  return (etag ?? '').replace(/^"|"$/g, '');
}

function isServerSideEncryption(value: string | undefined): value is ServerSideEncryption {
  return value === 'AES256' || value === 'aws:kms';
}

function isNotFound(error: unknown, ...names: string[]): boolean {
  if (!(error instanceof S3ServiceException)) return false;
  return names.includes(error.name) || error.$metadata.httpStatusCode === 404;
}

export class S3Sink implements Sink {
  readonly bucket: string;
  readonly location: string;
  private readonly client: S3Client;
  private readonly ownsClient: boolean;
  private readonly pageSize: number;
  private closed = false;

  constructor(options: S3SinkOptions) {
    checkBucketName(options.bucket);
    this.bucket = options.bucket;
    const pageSize = options.pageSize ?? 1000;
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 1000) {
      throw new SinkInputError('InvalidArgument', `pageSize must be an integer from 1 to 1000, not ${pageSize}`);
    }
    this.pageSize = pageSize;
    if (options.client !== undefined) {
      this.client = options.client;
      this.ownsClient = false;
    } else {
      const config: S3ClientConfig = {};
      if (options.endpoint !== undefined) config.endpoint = options.endpoint;
      if (options.forcePathStyle !== undefined) config.forcePathStyle = options.forcePathStyle;
      const envRegion = process.env['AWS_REGION'] ?? process.env['AWS_DEFAULT_REGION'];
      const region = options.region ?? (options.endpoint !== undefined && !envRegion ? 'us-east-1' : undefined);
      if (region !== undefined) config.region = region;
      if (options.credentials !== undefined) config.credentials = options.credentials;
      this.client = new S3Client(config);
      this.ownsClient = true;
    }
    this.location = `s3://${this.bucket}${options.endpoint !== undefined ? ` at ${options.endpoint}` : ''}`;
  }

  private ensureOpen(operation: string): void {
    if (this.closed) throw new SinkError(`S3 sink for ${this.location} is closed; cannot ${operation}`);
  }

  private fail(operation: string, key: string, error: unknown): SinkError {
    if (error instanceof SinkError || error instanceof SinkInputError) return error as SinkError;
    let detail: string;
    if (error instanceof S3ServiceException) {
      detail =
        error.name === 'NoSuchBucket'
          ? `the bucket does not exist (NoSuchBucket)`
          : `${error.name} (HTTP ${error.$metadata.httpStatusCode ?? '?'}): ${error.message}`;
    } else {
      const e = error as Error & { code?: string };
      detail = e.message || e.code || String(error);
    }
    return new SinkError(`${this.location}: cannot ${operation} ${JSON.stringify(key)}: ${detail}`, { cause: error });
  }

  async put(key: string, body: Buffer, options: PutOptions = {}): Promise<PutResult> {
    this.ensureOpen('put');
    checkObjectKey(key);
    checkPutOptions(options, key);
    const input: PutObjectCommandInput = {
      Bucket: this.bucket,
      Key: key,
      Body: body,
      ContentLength: body.length,
      ContentMD5: createHash('md5').update(body).digest('base64'),
    };
    if (options.contentType !== undefined) input.ContentType = options.contentType;
    if (options.contentEncoding !== undefined) input.ContentEncoding = options.contentEncoding;
    if (options.metadata !== undefined) input.Metadata = { ...options.metadata };
    if (options.serverSideEncryption !== undefined) input.ServerSideEncryption = options.serverSideEncryption;
    if (options.sseKmsKeyId !== undefined) input.SSEKMSKeyId = options.sseKmsKeyId;
    try {
      const result = await this.client.send(new PutObjectCommand(input));
      return { key, etag: stripQuotes(result.ETag), size: body.length };
    } catch (error) {
      throw this.fail('put', key, error);
    }
  }

  async get(key: string): Promise<StoredObject | undefined> {
    this.ensureOpen('get');
    checkObjectKey(key);
    try {
      const result = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      const bytes = (await result.Body?.transformToByteArray()) ?? new Uint8Array();
      const body = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      const info = this.infoOf(key, { ...result, ContentLength: body.length });
      return { ...info, body };
    } catch (error) {
      if (isNotFound(error, 'NoSuchKey') && !(error instanceof S3ServiceException && error.name === 'NoSuchBucket')) {
        return undefined;
      }
      throw this.fail('get', key, error);
    }
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    this.ensureOpen('head');
    checkObjectKey(key);
    try {
      const result = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return this.infoOf(key, result);
    } catch (error) {
      // HEAD responses have no body, so a missing bucket is a bare 404 too; list or put tell them apart.
      if (isNotFound(error, 'NotFound', 'NoSuchKey')) return undefined;
      throw this.fail('head', key, error);
    }
  }

  private infoOf(
    key: string,
    r: {
      ContentLength?: number;
      ETag?: string;
      LastModified?: Date;
      ContentType?: string;
      ContentEncoding?: string;
      Metadata?: Record<string, string>;
      ServerSideEncryption?: string;
      SSEKMSKeyId?: string;
    },
  ): ObjectInfo {
    const info: ObjectInfo = {
      key,
      size: r.ContentLength ?? 0,
      etag: stripQuotes(r.ETag),
      lastModified: r.LastModified ?? new Date(0),
      metadata: { ...(r.Metadata ?? {}) },
    };
    if (r.ContentType !== undefined) info.contentType = r.ContentType;
    if (r.ContentEncoding !== undefined) info.contentEncoding = r.ContentEncoding;
    if (isServerSideEncryption(r.ServerSideEncryption)) info.serverSideEncryption = r.ServerSideEncryption;
    if (r.SSEKMSKeyId !== undefined) info.sseKmsKeyId = r.SSEKMSKeyId;
    return info;
  }

  async *list(prefix: string, options: ListOptions = {}): AsyncGenerator<string> {
    this.ensureOpen('list');
    checkListPrefix(prefix, options);
    let continuationToken: string | undefined;
    do {
      let page;
      try {
        page = await this.client.send(
          new ListObjectsV2Command({
            Bucket: this.bucket,
            MaxKeys: this.pageSize,
            ...(prefix !== '' ? { Prefix: prefix } : {}),
            ...(continuationToken !== undefined
              ? { ContinuationToken: continuationToken }
              : options.startAfter !== undefined
                ? { StartAfter: options.startAfter }
                : {}),
          }),
        );
      } catch (error) {
        throw this.fail('list', prefix, error);
      }
      for (const object of page.Contents ?? []) {
        const key = object.Key;
        if (key !== undefined && objectKeyProblem(key) === undefined) yield key;
      }
      continuationToken = page.IsTruncated === true ? page.NextContinuationToken : undefined;
      if (page.IsTruncated === true && continuationToken === undefined) {
        throw new SinkError(
          `${this.location}: list ${JSON.stringify(prefix)}: a truncated page came without a continuation token`,
        );
      }
    } while (continuationToken !== undefined);
  }

  async delete(key: string): Promise<void> {
    this.ensureOpen('delete');
    checkObjectKey(key);
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
    } catch (error) {
      if (isNotFound(error, 'NoSuchKey') && !(error instanceof S3ServiceException && error.name === 'NoSuchBucket')) {
        return;
      }
      throw this.fail('delete', key, error);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.ownsClient) this.client.destroy();
  }
}
