/**
 * A bucket laid out as a folder: the object `<key>` is the file `<dir>/<key>` and its S3 user
 * metadata is the JSON object in `<dir>/<key>.metadata.json` (absent = no metadata). A key that
 * would leave the folder (`..`, `.`, backslashes) cannot be stored there, so it is never found.
 */
import { readdir, readFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { BucketReader, BucketResolver, StoredObject } from './object-reader.js';

export const METADATA_SUFFIX = '.metadata.json';

export class UnsafeBucketNameError extends Error {}

function isSafeKey(key: string): boolean {
  return (
    key !== '' &&
    !key.includes('\\') &&
    !key.includes('\0') &&
    !key.startsWith('/') &&
    !key.split('/').some((s) => s === '..' || s === '.')
  );
}

function isMissing(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR';
}

/**
 * The user metadata in a metadata file. Two forms: what DirectorySink writes (HeadObject's
 * fields, the user metadata under `"Metadata"`) and the flat `{"signature": "…"}` of hand-made
 * buckets (no `ETag` member, every value a string).
 */
function userMetadata(doc: Record<string, unknown>, where: string): Record<string, string> {
  let entries: Record<string, unknown> = doc;
  if ('ETag' in doc || 'Metadata' in doc) {
    const nested = doc['Metadata'] ?? {};
    if (typeof nested !== 'object' || nested === null || Array.isArray(nested))
      throw new Error(`${where}: "Metadata" must be a JSON object of metadata strings`);
    entries = nested as Record<string, unknown>;
  }
  return Object.fromEntries(Object.entries(entries).map(([k, v]) => [k.toLowerCase(), String(v)]));
}

export class DirectoryBucketReader implements BucketReader {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = resolve(dir);
  }

  async get(key: string): Promise<StoredObject | undefined> {
    if (!isSafeKey(key) || key.endsWith(METADATA_SUFFIX)) return undefined;
    const path = join(this.dir, key);
    let body: Buffer;
    try {
      body = await readFile(path);
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw err;
    }
    let metadata: Record<string, string> = {};
    try {
      const parsed: unknown = JSON.parse(await readFile(path + METADATA_SUFFIX, 'utf8'));
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
        throw new Error(`${path + METADATA_SUFFIX}: expected a JSON object of metadata strings`);
      metadata = userMetadata(parsed as Record<string, unknown>, path + METADATA_SUFFIX);
    } catch (err) {
      if (!isMissing(err)) throw err;
    }
    return { body, metadata };
  }

  async *list(prefix: string): AsyncIterable<string> {
    // Only the folder part of the prefix is walked; S3 prefixes need not end at a "/".
    const folder = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/')) : '';
    if (folder && !isSafeKey(folder)) return;
    const keys: string[] = [];
    await this.walk(folder, prefix, keys);
    keys.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    yield* keys;
  }

  private async walk(folder: string, prefix: string, out: string[]): Promise<void> {
    let entries;
    try {
      entries = await readdir(join(this.dir, folder), { withFileTypes: true });
    } catch (err) {
      if (isMissing(err)) return;
      throw err;
    }
    for (const e of entries) {
      const key = folder ? `${folder}/${e.name}` : e.name;
      if (e.isDirectory()) {
        // Descend only where keys with the prefix can be.
        if (key.startsWith(prefix) || prefix.startsWith(key + '/')) await this.walk(key, prefix, out);
      } else if (e.isFile() && key.startsWith(prefix) && !key.endsWith(METADATA_SUFFIX)) {
        out.push(key);
      }
    }
  }
}

/**
 * Resolves bucket names for a folder of buckets (`<root>/<bucket>/…`, the data directory's
 * `buckets/`). Bucket names are checked against S3's rules so none can escape the root.
 */
export function directoryBuckets(
  root: string,
  overrides: ReadonlyMap<string, BucketReader> = new Map(),
): BucketResolver {
  const readers = new Map<string, BucketReader>(overrides);
  return (bucket) => {
    let r = readers.get(bucket);
    if (r) return r;
    // S3's naming rules (plus legacy upper case and underscores): no separators, never "." or "..".
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]{1,254}$/.test(bucket) || bucket.includes('..'))
      throw new UnsafeBucketNameError(`not a valid bucket name: ${JSON.stringify(bucket)}`);
    readers.set(bucket, (r = new DirectoryBucketReader(join(root, bucket))));
    return r;
  };
}

/**
 * For `--dir <bucket folder>`: that folder is the bucket (named `bucket`, else after the folder),
 * and any other bucket a digest names is a sibling folder.
 */
export function bucketFolder(dir: string, bucket?: string): { bucket: string; resolver: BucketResolver } {
  const abs = resolve(dir);
  const name = bucket ?? basename(abs);
  return { bucket: name, resolver: directoryBuckets(dirname(abs), new Map([[name, new DirectoryBucketReader(abs)]])) };
}
