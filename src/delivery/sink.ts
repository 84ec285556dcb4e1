/**
 * Where trail log files and digests go (DESIGN §3): one bucket, addressed by S3 keys. The
 * implementations are `directory/` (the embedded default: a folder laid out exactly like the
 * bucket, with S3-style metadata beside each object) and `s3/` (any S3-compatible service).
 * `sink-conformance.ts` holds the tests every implementation must pass.
 *
 * Keys and prefixes follow the same rules in every implementation (`object-rules.ts`): a key that
 * one sink accepts, every sink accepts, so a directory bucket can be copied to S3 and back.
 */

export type ServerSideEncryption = 'AES256' | 'aws:kms';

export interface PutOptions {
  contentType?: string;
  contentEncoding?: string;
  /**
   * User metadata, sent to S3 as `x-amz-meta-<name>` headers. Names are lowercase (S3 lowercases
   * them anyway, so `Signature` and `signature` would collide), values printable ASCII.
   */
  metadata?: Record<string, string>;
  /** Passed through to S3 (`x-amz-server-side-encryption`); the directory sink records it. */
  serverSideEncryption?: ServerSideEncryption;
  /** Only with `serverSideEncryption: 'aws:kms'` (`x-amz-server-side-encryption-aws-kms-key-id`). */
  sseKmsKeyId?: string;
}

export interface PutResult {
  key: string;
  /**
   * The ETag without its quotes: the lowercase hex MD5 of the body for single-part uploads (AWS
   * itself reports something else for SSE-KMS objects, so never rely on it as a checksum there).
   */
  etag: string;
  size: number;
}

/** What HeadObject says about an object. */
export interface ObjectInfo {
  key: string;
  size: number;
  /** The ETag without its quotes (see PutResult.etag). */
  etag: string;
  lastModified: Date;
  contentType?: string;
  contentEncoding?: string;
  /** User metadata (names lowercase). Empty when the object has none. */
  metadata: Record<string, string>;
  serverSideEncryption?: ServerSideEncryption;
  sseKmsKeyId?: string;
}

export interface StoredObject extends ObjectInfo {
  body: Buffer;
}

export interface ListOptions {
  /** Only keys strictly after this one (S3 ListObjectsV2 `StartAfter`). */
  startAfter?: string;
}

export interface Sink {
  /** The bucket this sink writes to. */
  readonly bucket: string;
  /** Where the bucket lives, for messages: `s3://bucket` (with the endpoint) or the folder. */
  readonly location: string;
  /**
   * Stores an object. Atomic: readers see the previous object or the new one, never part of one.
   * Idempotent: putting the same key again replaces the object (same content → same object).
   */
  put(key: string, body: Buffer, options?: PutOptions): Promise<PutResult>;
  /** The object with its metadata, or undefined when there is no such key. */
  get(key: string): Promise<StoredObject | undefined>;
  /** The object's metadata without its body, or undefined when there is no such key. */
  head(key: string): Promise<ObjectInfo | undefined>;
  /**
   * Every key that starts with `prefix` ('' for all), in ascending order of their UTF-8 bytes
   * (the order S3 ListObjectsV2 returns), page by page as the implementation fetches them.
   */
  list(prefix: string, options?: ListOptions): AsyncIterable<string>;
  /** Removes an object; removing a missing key is not an error (as in S3). */
  delete(key: string): Promise<void>;
  /** Releases connections. Idempotent; the sink must not be used afterwards. */
  close(): Promise<void>;
}

export type SinkInputErrorCode = 'InvalidBucketName' | 'InvalidObjectKey' | 'InvalidPrefix' | 'InvalidArgument';

/** A bucket name, key, prefix, metadata entry or option that breaks the rules: the caller's mistake. */
export class SinkInputError extends Error {
  override readonly name = 'SinkInputError';
  constructor(
    readonly code: SinkInputErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** The store behind a sink failed (I/O error, S3 error, unreachable endpoint); retrying may help. */
export class SinkError extends Error {
  override readonly name = 'SinkError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
