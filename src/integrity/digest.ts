/**
 * The digest file body (spec §3.2): one JSON object with AWS's field order, gzipped. The
 * uncompressed bytes are what the signature and the next digest's `previousDigestHashValue` cover,
 * so they are returned alongside the gzip.
 */
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { digestObjectKey, type DigestLocation } from './digest-key.js';
import { isoSeconds } from './times.js';

export const DIGEST_SIGNATURE_ALGORITHM = 'SHA256withRSA';
export const DIGEST_HASH_ALGORITHM = 'SHA-256';

/** One delivered log file a digest covers. */
export interface DigestedLogFile {
  bucket: string;
  key: string;
  /** Lowercase hex SHA-256 of the uncompressed log file. */
  sha256Hex: string;
  oldestEventTimeMs: number;
  newestEventTimeMs: number;
}

/** What the next digest needs to know about the one before it. */
export interface PreviousDigest {
  bucket: string;
  key: string;
  /** Lowercase hex SHA-256 of the previous digest's uncompressed bytes. */
  sha256Hex: string;
  /** The previous digest's hex signature. */
  signature: string;
}

export interface DigestInput extends DigestLocation {
  bucket: string;
  startMs: number;
  endMs: number;
  /** Fingerprint of the key that will sign this digest. */
  publicKeyFingerprint: string;
  logFiles: readonly DigestedLogFile[];
  /** null for a starting digest (first after logging or validation is turned on). */
  previous: PreviousDigest | null;
}

export interface DigestLogFileEntry {
  s3Bucket: string;
  s3Object: string;
  hashValue: string;
  hashAlgorithm: string;
  newestEventTime: string;
  oldestEventTime: string;
}

/** The JSON document, with its properties declared in the order AWS writes them. */
export interface DigestDocument {
  awsAccountId: string;
  digestStartTime: string;
  digestEndTime: string;
  digestS3Bucket: string;
  digestS3Object: string;
  digestPublicKeyFingerprint: string;
  digestSignatureAlgorithm: string;
  newestEventTime: string | null;
  oldestEventTime: string | null;
  previousDigestS3Bucket: string | null;
  previousDigestS3Object: string | null;
  previousDigestHashValue: string | null;
  previousDigestHashAlgorithm: string | null;
  previousDigestSignature: string | null;
  logFiles: DigestLogFileEntry[];
}

export interface BuiltDigest {
  bucket: string;
  key: string;
  document: DigestDocument;
  /** The exact bytes that were gzipped (compact JSON, UTF-8). */
  uncompressed: Buffer;
  sha256Hex: string;
  gzipped: Buffer;
}

const HEX_SHA256 = /^[0-9a-f]{64}$/;

export function buildDigest(input: DigestInput): BuiltDigest {
  if (!(input.endMs > input.startMs))
    throw new RangeError(`digest period must end after it starts: start ${input.startMs}, end ${input.endMs}`);
  for (const f of input.logFiles) {
    if (!HEX_SHA256.test(f.sha256Hex))
      throw new TypeError(`log file ${f.bucket}/${f.key}: sha256Hex must be 64 lowercase hex digits`);
    if (f.oldestEventTimeMs > f.newestEventTimeMs)
      throw new RangeError(`log file ${f.bucket}/${f.key}: oldest event time is after the newest`);
  }
  const key = digestObjectKey(input, input.endMs);
  const files = input.logFiles;
  // Over all events in the listed files; null when the digest covers no files (an empty hour).
  const oldest = files.length ? Math.min(...files.map((f) => f.oldestEventTimeMs)) : undefined;
  const newest = files.length ? Math.max(...files.map((f) => f.newestEventTimeMs)) : undefined;
  const prev = input.previous;
  const document: DigestDocument = {
    awsAccountId: input.accountId,
    digestStartTime: isoSeconds(input.startMs),
    digestEndTime: isoSeconds(input.endMs),
    digestS3Bucket: input.bucket,
    digestS3Object: key,
    digestPublicKeyFingerprint: input.publicKeyFingerprint,
    digestSignatureAlgorithm: DIGEST_SIGNATURE_ALGORITHM,
    newestEventTime: newest === undefined ? null : isoSeconds(newest),
    oldestEventTime: oldest === undefined ? null : isoSeconds(oldest),
    previousDigestS3Bucket: prev ? prev.bucket : null,
    previousDigestS3Object: prev ? prev.key : null,
    previousDigestHashValue: prev ? prev.sha256Hex : null,
    previousDigestHashAlgorithm: prev ? DIGEST_HASH_ALGORITHM : null,
    previousDigestSignature: prev ? prev.signature : null,
    logFiles: files.map((f) => ({
      s3Bucket: f.bucket,
      s3Object: f.key,
      hashValue: f.sha256Hex,
      hashAlgorithm: DIGEST_HASH_ALGORITHM,
      newestEventTime: isoSeconds(f.newestEventTimeMs),
      oldestEventTime: isoSeconds(f.oldestEventTimeMs),
    })),
  };
  const uncompressed = Buffer.from(JSON.stringify(document), 'utf8');
  return {
    bucket: input.bucket,
    key,
    document,
    uncompressed,
    sha256Hex: createHash('sha256').update(uncompressed).digest('hex'),
    gzipped: gzipSync(uncompressed),
  };
}
