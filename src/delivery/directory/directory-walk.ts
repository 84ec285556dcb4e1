/**
 * Listing a directory bucket in S3's order. S3 sorts keys by their UTF-8 bytes; a depth-first
 * walk gives the same order only if each folder's entries are sorted as the keys they hold, i.e.
 * a sub-folder `a` sorts as `a/` (after `a-b`, since "-" < "/"). Folders that cannot hold a key
 * matching the prefix, or holding only keys at or before `startAfter`, are not opened.
 */
import type { Dirent } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { METADATA_SUFFIX, TEMP_PREFIX, compareKeys, objectKeyProblem } from '../object-rules.js';

interface Entry {
  name: string;
  isDir: boolean;
  /** The entry's key (files) or key prefix with its trailing "/" (folders). */
  sortKey: string;
}

async function readEntries(dir: string): Promise<Dirent[]> {
  try {
    return await readdir(dir, { withFileTypes: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // A folder that is not there (or is a file) holds no keys.
    if (code === 'ENOENT' || code === 'ENOTDIR') return [];
    throw error;
  }
}

/**
 * Keys under `folder` (the bucket folder) starting with `prefix` and after `startAfter`.
 * Metadata files, puts in progress, symbolic links and names no sink would accept are not keys.
 */
export async function* walkKeys(folder: string, prefix: string, startAfter?: string): AsyncGenerator<string> {
  // Start in the deepest folder the prefix names completely: `AWSLogs/1/CloudTrail/us-e` → `AWSLogs/1/CloudTrail/`.
  const base = prefix.slice(0, prefix.lastIndexOf('/') + 1);
  yield* walk(join(folder, ...base.split('/').filter((s) => s !== '')), base, prefix, startAfter);
}

async function* walk(dir: string, base: string, prefix: string, startAfter?: string): AsyncGenerator<string> {
  const entries: Entry[] = [];
  for (const dirent of await readEntries(dir)) {
    const name = dirent.name;
    if (dirent.isDirectory()) {
      entries.push({ name, isDir: true, sortKey: `${base}${name}/` });
    } else if (dirent.isFile() && !name.endsWith(METADATA_SUFFIX) && !name.startsWith(TEMP_PREFIX)) {
      entries.push({ name, isDir: false, sortKey: `${base}${name}` });
    }
  }
  entries.sort((a, b) => compareKeys(a.sortKey, b.sortKey));
  for (const entry of entries) {
    const key = entry.sortKey;
    if (entry.isDir) {
      if (!key.startsWith(prefix) && !prefix.startsWith(key)) continue;
      if (startAfter !== undefined && !startAfter.startsWith(key) && compareKeys(key, startAfter) < 0) continue;
      yield* walk(join(dir, entry.name), key, prefix, startAfter);
    } else {
      if (!key.startsWith(prefix)) continue;
      if (startAfter !== undefined && compareKeys(key, startAfter) <= 0) continue;
      if (objectKeyProblem(key) !== undefined) continue;
      yield key;
    }
  }
}
