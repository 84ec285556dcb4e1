/**
 * The metadata file beside each object of a directory bucket: `<key>.metadata.json`, holding what
 * S3's HeadObject would return, with the same field names, so anyone reading the folder by hand
 * recognises it:
 *
 *   {"ETag":"\"<md5 hex>\"","ContentLength":123,"LastModified":"2024-08-01T00:13:00.000Z",
 *    "ContentType":"application/json","ContentEncoding":"gzip","ServerSideEncryption":"AES256",
 *    "Metadata":{"signature":"…","signature-algorithm":"SHA256withRSA"},"FileMtimeMs":1722471180000}
 *
 * `FileMtimeMs` is the object file's modification time when the sink wrote it. When the file has
 * been changed by something other than the sink (its size or mtime differ), the recorded ETag no
 * longer describes it and the sink recomputes the MD5 from the file.
 *
 * Also read (never written): a flat object of strings without `ETag`, `{"signature":"…"}`, as
 * hand-made buckets carry it: user metadata only, names lowercased as S3 does.
 */
import type { ServerSideEncryption } from '../sink.js';

export interface Sidecar {
  etag: string;
  size: number;
  lastModified: Date;
  fileMtimeMs: number;
  contentType?: string;
  contentEncoding?: string;
  metadata: Record<string, string>;
  serverSideEncryption?: ServerSideEncryption;
  sseKmsKeyId?: string;
}

export function serializeSidecar(sidecar: Sidecar): string {
  const doc: Record<string, unknown> = {
    ETag: `"${sidecar.etag}"`,
    ContentLength: sidecar.size,
    LastModified: sidecar.lastModified.toISOString(),
  };
  if (sidecar.contentType !== undefined) doc['ContentType'] = sidecar.contentType;
  if (sidecar.contentEncoding !== undefined) doc['ContentEncoding'] = sidecar.contentEncoding;
  if (sidecar.serverSideEncryption !== undefined) doc['ServerSideEncryption'] = sidecar.serverSideEncryption;
  if (sidecar.sseKmsKeyId !== undefined) doc['SSEKMSKeyId'] = sidecar.sseKmsKeyId;
  doc['Metadata'] = sidecar.metadata;
  doc['FileMtimeMs'] = sidecar.fileMtimeMs;
  return JSON.stringify(doc);
}

/** Parses a metadata file; throws an Error saying which field is wrong. */
export function parseSidecar(text: string): Sidecar {
  const doc: unknown = JSON.parse(text);
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new Error('expected a JSON object');
  const d = doc as Record<string, unknown>;
  if (!('ETag' in d) && Object.values(d).every((v) => typeof v === 'string')) {
    const metadata = Object.fromEntries(Object.entries(d).map(([k, v]) => [k.toLowerCase(), v as string]));
    // Nothing recorded about the body: size -1 never matches, so the sink takes ETag and time from the file.
    return { etag: '', size: -1, lastModified: new Date(0), fileMtimeMs: Number.NaN, metadata };
  }
  const str = (name: string): string | undefined => {
    const v = d[name];
    if (v === undefined) return undefined;
    if (typeof v !== 'string') throw new Error(`${name} must be a string`);
    return v;
  };
  const etag = /^"([0-9a-f]{32})"$/.exec(str('ETag') ?? '')?.[1];
  if (etag === undefined) throw new Error('ETag must be a quoted 32-digit lowercase hex MD5');
  const size = d['ContentLength'];
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) {
    throw new Error('ContentLength must be a non-negative integer');
  }
  const lastModified = new Date(str('LastModified') ?? '');
  if (Number.isNaN(lastModified.getTime())) throw new Error('LastModified must be an ISO-8601 time');
  const fileMtimeMs = d['FileMtimeMs'];
  if (typeof fileMtimeMs !== 'number' || !Number.isFinite(fileMtimeMs)) throw new Error('FileMtimeMs must be a number');
  const rawMetadata = d['Metadata'] ?? {};
  if (typeof rawMetadata !== 'object' || rawMetadata === null || Array.isArray(rawMetadata)) {
    throw new Error('Metadata must be an object');
  }
  const metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(rawMetadata)) {
    if (typeof value !== 'string') throw new Error(`Metadata.${name} must be a string`);
    metadata[name] = value;
  }
  const sse = str('ServerSideEncryption');
  if (sse !== undefined && sse !== 'AES256' && sse !== 'aws:kms') {
    throw new Error('ServerSideEncryption must be "AES256" or "aws:kms"');
  }
  const sidecar: Sidecar = { etag, size, lastModified, fileMtimeMs, metadata };
  const contentType = str('ContentType');
  if (contentType !== undefined) sidecar.contentType = contentType;
  const contentEncoding = str('ContentEncoding');
  if (contentEncoding !== undefined) sidecar.contentEncoding = contentEncoding;
  if (sse !== undefined) sidecar.serverSideEncryption = sse;
  const kms = str('SSEKMSKeyId');
  if (kms !== undefined) sidecar.sseKmsKeyId = kms;
  return sidecar;
}
