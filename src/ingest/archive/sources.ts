/**
 * Expanding `opentrail import PATH...` arguments into archive files.
 *
 * - a local file: itself;
 * - a local directory: every file under it, recursively, in a sorted walk (names compared by
 *   UTF-16 code unit at each level), so two runs over the same tree see the same order — in the
 *   `AWSLogs/.../YYYY/MM/DD/` layout that is account, category, region and then time order.
 *   Symbolic links are followed; a directory reached twice in one expansion (a link cycle, or a
 *   link to a folder already walked) is walked once, so no file is read twice;
 * - `s3://bucket[/prefix]`: every object under the prefix (ListObjectsV2, paginated, S3 key order).
 *   See `s3.ts` for credentials, endpoint, path style and region.
 *
 * Problems with an argument (missing path, unreadable directory, broken link, S3 listing failure
 * such as a missing bucket or denied access) are yielded as `{ type: 'error' }` entries and the
 * expansion goes on with the next one; nothing here throws for a bad source.
 */
import type { Dirent, Stats } from 'node:fs';
import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { classifyPath, type ArchiveKind, type ArchiveLayout, type OtherReason } from './layout.js';
import {
  createS3Client,
  describeS3Error,
  getS3Object,
  listS3Objects,
  parseS3Url,
  s3Url,
  type S3SourceOptions,
} from './s3.js';

export interface ArchiveFile {
  /** The local path (as given, joined with the walked names) or `s3://bucket/key`, for messages. */
  location: string;
  /** Bytes as stored (compressed size for gzip files), when known. */
  size?: number;
  kind: ArchiveKind;
  /** Why the file is not read, when kind is `other`. */
  otherReason?: OtherReason;
  /** Read as one record per line (`.jsonl` / `.ndjson` names). */
  ndjson: boolean;
  /** Parsed from the AWSLogs path (else the CloudTrail file name) when present. */
  layout?: ArchiveLayout;
  /** Read the whole file (S3: download the object). Rejects on I/O errors. */
  open(): Promise<Buffer>;
}

export type SourceEntry =
  | { type: 'file'; file: ArchiveFile }
  /** `location` is the argument or the path/URL that could not be listed. */
  | { type: 'error'; location: string; message: string };

export interface SourceOptions {
  /** S3 client settings for `s3://` arguments. */
  s3?: S3SourceOptions;
}

export function isS3Url(arg: string): boolean {
  return /^s3:\/\//i.test(arg);
}

function fileEntry(
  location: string,
  classifyAs: string,
  size: number | undefined,
  open: () => Promise<Buffer>,
): SourceEntry {
  const { kind, otherReason, ndjson, layout } = classifyPath(classifyAs);
  const file: ArchiveFile = { location, kind, ndjson, open };
  if (size !== undefined) file.size = size;
  if (otherReason !== undefined) file.otherReason = otherReason;
  if (layout !== undefined) file.layout = layout;
  return { type: 'file', file };
}

/** One-line description of a file-system error. */
export function describeIoError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    switch (code) {
      case 'ENOENT':
        return 'no such file or directory';
      case 'EACCES':
      case 'EPERM':
        return 'permission denied';
      case 'ENOTDIR':
        return 'a parent of this path is not a directory';
      case 'ELOOP':
        return 'too many levels of symbolic links';
      case 'EISDIR':
        return 'is a directory';
      default:
        return code !== undefined ? `${error.message} (${code})` : error.message;
    }
  }
  return String(error);
}

// ---------------------------------------------------------------------------------------------
// Local files

function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const STAT_BATCH = 64;

function localFile(location: string, size: number): SourceEntry {
  return fileEntry(location, location, size, () => readFile(location));
}

async function* walkLocal(arg: string, seen: Set<string>): AsyncGenerator<SourceEntry> {
  let stats: Stats;
  try {
    stats = await stat(arg);
  } catch (error) {
    yield { type: 'error', location: arg, message: describeIoError(error) };
    return;
  }
  if (stats.isFile()) yield localFile(arg, stats.size);
  else if (stats.isDirectory()) yield* walkDirectory(arg, stats, seen);
  else yield { type: 'error', location: arg, message: 'not a regular file or directory' };
}

async function* walkDirectory(dir: string, dirStats: Stats, seen: Set<string>): AsyncGenerator<SourceEntry> {
  const id = `${dirStats.dev}:${dirStats.ino}`;
  if (seen.has(id)) return; // a link cycle, or a second way into a folder already walked
  seen.add(id);
  let dirents: Dirent[];
  try {
    dirents = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    yield { type: 'error', location: dir, message: `cannot list directory: ${describeIoError(error)}` };
    return;
  }
  dirents.sort((a, b) => compareNames(a.name, b.name));
  // Stat in batches (sizes for the plan, link targets), then walk in order.
  for (let i = 0; i < dirents.length; i += STAT_BATCH) {
    const batch = dirents.slice(i, i + STAT_BATCH);
    const stats = await Promise.all(
      batch.map(async (dirent): Promise<Stats | Error> => {
        try {
          return await stat(join(dir, dirent.name));
        } catch (error) {
          return error instanceof Error ? error : new Error(String(error));
        }
      }),
    );
    for (let k = 0; k < batch.length; k++) {
      const dirent = batch[k] as Dirent;
      const entryStats = stats[k] as Stats | Error;
      const location = join(dir, dirent.name);
      if (entryStats instanceof Error) {
        const broken = dirent.isSymbolicLink() && (entryStats as NodeJS.ErrnoException).code === 'ENOENT';
        yield { type: 'error', location, message: broken ? 'broken symbolic link' : describeIoError(entryStats) };
      } else if (entryStats.isDirectory()) {
        yield* walkDirectory(location, entryStats, seen);
      } else if (entryStats.isFile()) {
        yield localFile(location, entryStats.size);
      } else {
        yield { type: 'error', location, message: 'not a regular file or directory' };
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// S3

async function* walkS3(arg: string, client: () => S3Client): AsyncGenerator<SourceEntry> {
  const location = parseS3Url(arg);
  if (location === undefined) {
    yield { type: 'error', location: arg, message: 'not a valid S3 URL: expected s3://bucket[/prefix]' };
    return;
  }
  const s3 = client();
  try {
    for await (const object of listS3Objects(s3, location)) {
      const url = s3Url(location.bucket, object.key);
      const open = async (): Promise<Buffer> => {
        try {
          return await getS3Object(s3, location.bucket, object.key);
        } catch (error) {
          throw new Error(describeS3Error(error, location.bucket, 'download failed'), { cause: error });
        }
      };
      yield fileEntry(url, object.key, object.size, open);
    }
  } catch (error) {
    yield { type: 'error', location: arg, message: describeS3Error(error, location.bucket, `cannot list ${arg}`) };
  }
}

/**
 * Expand the arguments, in the order given, into archive files and per-argument errors.
 * The S3 client is created on first use and shared by all `s3://` arguments.
 */
export async function* expandSources(
  args: readonly string[],
  options: SourceOptions = {},
): AsyncGenerator<SourceEntry> {
  let s3: S3Client | undefined;
  const client = (): S3Client => (s3 ??= createS3Client(options.s3));
  const seen = new Set<string>();
  for (const arg of args) {
    if (isS3Url(arg)) yield* walkS3(arg, client);
    else yield* walkLocal(arg, seen);
  }
}
