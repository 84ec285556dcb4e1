/**
 * A bucket as a folder (the embedded default, DESIGN §1): object `KEY` of bucket `B` is the file
 * `<root>/B/KEY`, its S3-style metadata the file `<root>/B/KEY.metadata.json` (sidecar.ts).
 *
 * Containment: the bucket name must follow S3's naming rules and keys the portable key rules
 * (object-rules.ts), so neither can name `..`, an absolute path or a backslash; on top of that
 * every resolved path is checked to lie inside the bucket folder, and the real path of its parent
 * folder too, so a symbolic link planted inside the bucket cannot lead a put outside it.
 *
 * Atomicity: a put writes the body and the metadata to temporary files in the target folder,
 * fsyncs them, renames the metadata into place, then the body, then fsyncs the folder. Readers see
 * the old object or the new one, never a partial file. A key appears only when its body file
 * does, so a crash between the two renames leaves either nothing new visible (a new key) or, for
 * an overwrite with different content, the new metadata on the old body until the put is retried.
 *
 * Differences from S3 that a folder cannot avoid: a key cannot be both an object and a folder
 * (`a` and `a/b`); on case-insensitive filesystems keys differing only in case collide.
 */
import { createHash, randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { mkdir, open, readFile, realpath, rename, stat, unlink } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { checkBucketName } from '../bucket-name.js';
import { METADATA_SUFFIX, TEMP_PREFIX, checkListPrefix, checkObjectKey, checkPutOptions } from '../object-rules.js';
import {
  SinkError,
  type ListOptions,
  type ObjectInfo,
  type PutOptions,
  type PutResult,
  type Sink,
  type StoredObject,
} from '../sink.js';
import { parseSidecar, serializeSidecar, type Sidecar } from './sidecar.js';
import { walkKeys } from './directory-walk.js';

export interface DirectorySinkOptions {
  /** The folder holding buckets; the bucket is `<root>/<bucket>/` (created on the first put). */
  root: string;
  bucket: string;
  /**
   * fsync files and folders on put (default true). Turn off only for throw-away data: without
   * it a power loss can leave an acknowledged log file empty.
   */
  durable?: boolean;
}

function errnoOf(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

function md5Hex(body: Buffer): string {
  return createHash('md5').update(body).digest('hex');
}

export class DirectorySink implements Sink {
  readonly bucket: string;
  readonly location: string;
  /** The bucket's folder (absolute). */
  readonly folder: string;
  private readonly durable: boolean;
  private closed = false;

  constructor(options: DirectorySinkOptions) {
    checkBucketName(options.bucket);
    this.bucket = options.bucket;
    this.folder = join(resolve(options.root), options.bucket);
    this.location = this.folder;
    this.durable = options.durable ?? true;
  }

  /** The file holding `key` (after checking the key). */
  pathOf(key: string): string {
    checkObjectKey(key);
    const path = join(this.folder, ...key.split('/'));
    // Defence in depth: the key rules already make this impossible.
    if (!path.startsWith(this.folder + sep)) {
      throw new SinkError(`object key ${JSON.stringify(key)} resolves outside the bucket folder ${this.folder}`);
    }
    return path;
  }

  private ensureOpen(operation: string): void {
    if (this.closed) throw new SinkError(`directory sink ${this.folder} is closed; cannot ${operation}`);
  }

  private fail(operation: string, key: string, error: unknown): SinkError {
    if (error instanceof SinkError) return error;
    const detail = error instanceof Error ? error.message : String(error);
    return new SinkError(`directory bucket ${this.folder}: cannot ${operation} ${JSON.stringify(key)}: ${detail}`, {
      cause: error,
    });
  }

  /** Refuses paths whose folder is (through a symbolic link) somewhere outside the bucket. */
  private async checkRealFolder(dir: string, key: string): Promise<void> {
    const [realDir, realBucket] = await Promise.all([realpath(dir), realpath(this.folder)]);
    if (realDir !== realBucket && !realDir.startsWith(realBucket + sep)) {
      throw new SinkError(
        `object key ${JSON.stringify(key)} leads through a symbolic link to ${realDir}, outside the bucket folder ${realBucket}`,
      );
    }
  }

  async put(key: string, body: Buffer, options: PutOptions = {}): Promise<PutResult> {
    this.ensureOpen('put');
    const path = this.pathOf(key);
    checkPutOptions(options, key);
    const dir = dirname(path);
    try {
      await this.makeFolder(dir, key);
      await this.checkRealFolder(dir, key);
      const existing = await stat(path).catch((error: unknown) => {
        if (errnoOf(error) === 'ENOENT') return undefined;
        throw error;
      });
      if (existing?.isDirectory()) {
        throw new SinkError(
          `cannot put ${JSON.stringify(key)}: a directory bucket cannot hold both the object "${key}" and objects under "${key}/"`,
        );
      }
      const etag = md5Hex(body);
      const tempBody = join(dir, `${TEMP_PREFIX}${randomBytes(8).toString('hex')}`);
      const tempMeta = join(dir, `${TEMP_PREFIX}${randomBytes(8).toString('hex')}`);
      try {
        const fileMtimeMs = await this.writeFile(tempBody, body);
        const sidecar: Sidecar = {
          etag,
          size: body.length,
          lastModified: new Date(),
          fileMtimeMs,
          metadata: { ...(options.metadata ?? {}) },
        };
        if (options.contentType !== undefined) sidecar.contentType = options.contentType;
        if (options.contentEncoding !== undefined) sidecar.contentEncoding = options.contentEncoding;
        if (options.serverSideEncryption !== undefined) sidecar.serverSideEncryption = options.serverSideEncryption;
        if (options.sseKmsKeyId !== undefined) sidecar.sseKmsKeyId = options.sseKmsKeyId;
        await this.writeFile(tempMeta, Buffer.from(serializeSidecar(sidecar), 'utf8'));
        await rename(tempMeta, path + METADATA_SUFFIX);
        await rename(tempBody, path);
      } catch (error) {
        await Promise.all([unlink(tempBody).catch(() => {}), unlink(tempMeta).catch(() => {})]);
        throw error;
      }
      if (this.durable) await this.syncFolder(dir);
      return { key, etag, size: body.length };
    } catch (error) {
      throw this.fail('put', key, error);
    }
  }

  private async makeFolder(dir: string, key: string): Promise<void> {
    try {
      await mkdir(dir, { recursive: true });
    } catch (error) {
      const code = errnoOf(error);
      if (code === 'ENOTDIR' || code === 'EEXIST') {
        throw new SinkError(
          `cannot put ${JSON.stringify(key)}: one of its folders is an object; a directory bucket cannot hold both "a" and "a/b"`,
        );
      }
      throw error;
    }
  }

  /** Writes and (when durable) fsyncs a new file; returns its mtime. */
  private async writeFile(path: string, data: Buffer): Promise<number> {
    const handle = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o644);
    try {
      await handle.writeFile(data);
      if (this.durable) await handle.sync();
      return (await handle.stat()).mtimeMs;
    } finally {
      await handle.close();
    }
  }

  private async syncFolder(dir: string): Promise<void> {
    const handle = await open(dir, constants.O_RDONLY);
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  }

  private async readSidecar(path: string, key: string): Promise<Sidecar | undefined> {
    let text: string;
    try {
      text = await readFile(path + METADATA_SUFFIX, 'utf8');
    } catch (error) {
      // An object copied into the folder by hand has no metadata file: it simply has no metadata.
      if (errnoOf(error) === 'ENOENT') return undefined;
      throw error;
    }
    try {
      return parseSidecar(text);
    } catch (error) {
      throw new SinkError(
        `metadata file of ${JSON.stringify(key)} (${path + METADATA_SUFFIX}) is damaged: ${(error as Error).message}`,
      );
    }
  }

  private infoOf(key: string, size: number, mtimeMs: number, sidecar: Sidecar | undefined, etag: string): ObjectInfo {
    const fresh = sidecar !== undefined && sidecar.size === size && sidecar.fileMtimeMs === mtimeMs;
    const info: ObjectInfo = {
      key,
      size,
      etag,
      lastModified: fresh ? sidecar.lastModified : new Date(mtimeMs),
      metadata: { ...(sidecar?.metadata ?? {}) },
    };
    if (sidecar?.contentType !== undefined) info.contentType = sidecar.contentType;
    if (sidecar?.contentEncoding !== undefined) info.contentEncoding = sidecar.contentEncoding;
    if (sidecar?.serverSideEncryption !== undefined) info.serverSideEncryption = sidecar.serverSideEncryption;
    if (sidecar?.sseKmsKeyId !== undefined) info.sseKmsKeyId = sidecar.sseKmsKeyId;
    return info;
  }

  async get(key: string): Promise<StoredObject | undefined> {
    this.ensureOpen('get');
    const path = this.pathOf(key);
    try {
      const handle = await this.openObject(path, key);
      if (handle === undefined) return undefined;
      let body: Buffer;
      let mtimeMs: number;
      try {
        mtimeMs = (await handle.stat()).mtimeMs;
        body = await handle.readFile();
      } finally {
        await handle.close();
      }
      const sidecar = await this.readSidecar(path, key);
      // The ETag of what was read, so a body changed behind the sink's back is never reported under its old ETag.
      return { ...this.infoOf(key, body.length, mtimeMs, sidecar, md5Hex(body)), body };
    } catch (error) {
      throw this.fail('get', key, error);
    }
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    this.ensureOpen('head');
    const path = this.pathOf(key);
    try {
      const handle = await this.openObject(path, key);
      if (handle === undefined) return undefined;
      try {
        const { size, mtimeMs } = await handle.stat();
        const sidecar = await this.readSidecar(path, key);
        const fresh = sidecar !== undefined && sidecar.size === size && sidecar.fileMtimeMs === mtimeMs;
        const etag = fresh ? sidecar.etag : md5Hex(await handle.readFile());
        return this.infoOf(key, size, mtimeMs, sidecar, etag);
      } finally {
        await handle.close();
      }
    } catch (error) {
      throw this.fail('head', key, error);
    }
  }

  /** Opens an object file for reading without following a link at its last segment; undefined when absent. */
  private async openObject(path: string, key: string) {
    let handle;
    try {
      handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW);
    } catch (error) {
      const code = errnoOf(error);
      // ELOOP: a symbolic link where the object should be; ENOTDIR: a folder in the key is an object.
      if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'ELOOP') return undefined;
      throw error;
    }
    try {
      const info = await handle.stat();
      if (!info.isFile()) {
        await handle.close();
        return undefined;
      }
      await this.checkRealFolder(dirname(path), key);
      return handle;
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  async *list(prefix: string, options: ListOptions = {}): AsyncGenerator<string> {
    this.ensureOpen('list');
    checkListPrefix(prefix, options);
    try {
      yield* walkKeys(this.folder, prefix, options.startAfter);
    } catch (error) {
      throw this.fail('list', prefix, error);
    }
  }

  async delete(key: string): Promise<void> {
    this.ensureOpen('delete');
    const path = this.pathOf(key);
    try {
      const handle = await this.openObject(path, key);
      if (handle === undefined) return;
      await handle.close();
      // The body first: the key disappears at once; a crash before the metadata goes leaves an unseen file.
      await unlink(path);
      await unlink(path + METADATA_SUFFIX).catch((error: unknown) => {
        if (errnoOf(error) !== 'ENOENT') throw error;
      });
    } catch (error) {
      if (errnoOf(error) === 'ENOENT') return;
      throw this.fail('delete', key, error);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
