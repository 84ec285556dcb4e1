/**
 * The read side of a bucket, as much of it as validation needs. Delivery's sinks (directory, S3)
 * can satisfy it directly; validation never writes.
 */

export interface StoredObject {
  body: Buffer;
  /** S3 user metadata, keys without the `x-amz-meta-` prefix (e.g. `signature`). */
  metadata: Record<string, string>;
}

export interface BucketReader {
  /** The object, or undefined when no object has this key (S3's NoSuchKey). Other failures throw. */
  get(key: string): Promise<StoredObject | undefined>;
  /** Every key that starts with `prefix`, in S3's (lexicographic) order. */
  list(prefix: string): AsyncIterable<string>;
}

/** Finds the reader for a bucket by name; digests can point into other buckets. */
export type BucketResolver = (bucket: string) => BucketReader;
