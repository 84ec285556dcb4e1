/**
 * `validate-logs`: the algorithm of the AWS CLI's `aws cloudtrail validate-logs` (awscli
 * `customizations/cloudtrail/validation.py`, v1.45), step for step, so both tools pick the same
 * digests, reach the same verdicts and print the same lines (spec §3.5):
 *
 * - list the trail's digest keys in [start, end + 1 h] (S3 order, `Marker` = key at start − 1 min);
 * - walk from the newest digest back through `previousDigestS3Object`, checking each digest's
 *   format, location, key fingerprint and signature; on a missing or invalid digest, or a
 *   starting digest (a gap), continue with the next older listed key;
 * - for each valid digest, hash every log file it lists;
 * - then the same for backfill digests (`…_backfill.json.gz`);
 * - print the summary; exit status 1 when anything was invalid.
 *
 * Deliberate differences, each stricter than the CLI: gzip data appended after a file's first
 * member is inflated and hashed (the CLI ignores it), and trailing bytes that are not gzip make the
 * file "invalid format"; signatures are checked as SHA-256 only (python-rsa also accepts other
 * hashes named inside the signature).
 */
import { createHash, type KeyObject } from 'node:crypto';
import { createGunzip, gunzipSync } from 'node:zlib';
import {
  digestKeyPattern,
  digestKeyTimestamp,
  digestListPrefix,
  digestObjectKey,
  isBackfillDigestKey,
  type DigestLocation,
} from './digest-key.js';
import type { BucketResolver } from './object-reader.js';
import { loadPkcs1PublicKey } from './public-key.js';
import { digestStringToSign, verifyString } from './signer.js';
import { compactSeconds, isoSeconds, parseCliTime } from './times.js';

/** A ListPublicKeys entry as the validator uses it: `Value` is base64 of PKCS#1 DER. */
export interface ValidationPublicKey {
  Fingerprint: string;
  Value: string;
}

/** ListPublicKeys(StartTime, EndTime): the keys whose validity overlaps the range. */
export type PublicKeyProvider = (startMs: number, endMs: number) => Promise<readonly ValidationPublicKey[]>;

export type OutputStream = 'stdout' | 'stderr';

export interface ValidateLogsOptions {
  trailArn: string;
  /** `--start-time` (already parsed; see parseValidationTime). */
  startMs: number;
  /** `--end-time`; defaults to now. */
  endMs?: number;
  /** The bucket the trail delivers to and its key prefix. */
  bucket: string;
  prefix?: string | undefined;
  /** The account whose logs to validate; defaults to the trail ARN's. */
  accountId?: string | undefined;
  /** `o-…` for organisation trails. */
  organizationId?: string | undefined;
  /** The region whose logs to validate (the CLI's region); defaults to the trail's home region. */
  sourceRegion?: string | undefined;
  verbose?: boolean;
  buckets: BucketResolver;
  publicKeys: PublicKeyProvider;
  /** Receives the report, exactly as the CLI writes it to stdout and stderr. */
  write: (stream: OutputStream, text: string) => void;
  now?: () => number;
  /** Log files hashed at the same time (results are still reported in order). Default 4. */
  concurrency?: number;
}

export interface ValidateLogsSummary {
  /** 0 when everything found was valid, 1 otherwise (fatal errors throw ValidationAbortedError). */
  exitCode: 0 | 1;
  validDigests: number;
  invalidDigests: number;
  validBackfillDigests: number;
  invalidBackfillDigests: number;
  validLogs: number;
  invalidLogs: number;
  /** Uncompressed bytes of the log files hashed. */
  logBytes: number;
}

/**
 * A condition that stops the CLI with exit status 255 (bad arguments, no public keys, storage
 * failures). The CLI prints `\n<message>\n` on stderr.
 */
export class ValidationAbortedError extends Error {}

/** A digest verdict other than "not found": the message is the whole report line. */
class DigestError extends Error {}

class DigestNotFound extends Error {}

const HOUR_MS = 3_600_000;
const TRAIL_ARN = /^arn:.+:cloudtrail:.+:\d{12}:trail\/.+/;

/** Parses `--start-time` / `--end-time` as the CLI does, or aborts with its message. */
export function parseValidationTime(text: string): number {
  const ms = parseCliTime(text);
  if (ms === undefined) throw new ValidationAbortedError(`Unable to parse date value: ${text}`);
  return ms;
}

/** Parses a time found in a digest or key; failures read like the CLI's. */
function parseDigestTime(value: unknown): number {
  const ms = typeof value === 'string' ? parseCliTime(value) : undefined;
  if (ms === undefined) throw new Error(`Unable to parse date value: ${pyStr(value)}`);
  return ms;
}

/** How Python's str() renders a JSON value inside the CLI's messages. */
function pyStr(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}

/** The TypeError Python raises when the CLI stores `_signature` into a digest that is not an object. */
function notAnObjectMessage(value: unknown): string {
  if (Array.isArray(value)) return 'list indices must be integers or slices, not str';
  const type =
    value === null
      ? 'NoneType'
      : typeof value === 'boolean'
        ? 'bool'
        : typeof value === 'number'
          ? Number.isInteger(value)
            ? 'int'
            : 'float'
          : 'str';
  return `'${type}' object does not support item assignment`;
}

interface LoadedDigest {
  data: Record<string, unknown>;
  endMs: number;
}

interface LogFileEntry {
  s3Bucket?: unknown;
  s3Object?: unknown;
  hashValue?: unknown;
}

type LogVerdict = { kind: 'valid'; bytes: number } | { kind: 'changed' | 'missing' | 'format' };

const utf8 = new TextDecoder('utf-8', { fatal: true });

export async function validateLogs(options: ValidateLogsOptions): Promise<ValidateLogsSummary> {
  return new LogValidation(options).run();
}

class LogValidation {
  private readonly start: number;
  private readonly end: number;
  private readonly loc: DigestLocation;
  private readonly verbose: boolean;
  private readonly concurrency: number;
  private readonly keyCache = new Map<string, { standard: string[]; backfill: string[] }>();
  private readonly counts = {
    validDigests: 0,
    invalidDigests: 0,
    validBackfillDigests: 0,
    invalidBackfillDigests: 0,
    validLogs: 0,
    invalidLogs: 0,
    logBytes: 0,
  };
  private lastStatusDoubleSpaced = true;
  private foundStart: number | undefined;
  private foundEnd: number | undefined;

  constructor(private readonly o: ValidateLogsOptions) {
    this.start = o.startMs;
    this.end = o.endMs ?? (o.now ?? Date.now)();
    if (this.start > this.end)
      throw new ValidationAbortedError('Invalid time range specified: start-time must occur before end-time');
    if (!TRAIL_ARN.test(o.trailArn)) throw new ValidationAbortedError(`Invalid trail ARN provided: ${o.trailArn}`);
    const parts = o.trailArn.split(':');
    const homeRegion = parts[3] ?? '';
    this.loc = {
      prefix: o.prefix,
      organizationId: o.organizationId,
      accountId: o.accountId || (parts[4] ?? ''),
      sourceRegion: o.sourceRegion || homeRegion,
      trailName: o.trailArn.split('/').pop() ?? '',
      homeRegion,
    };
    this.verbose = o.verbose ?? false;
    this.concurrency = Math.max(1, o.concurrency ?? 4);
  }

  async run(): Promise<ValidateLogsSummary> {
    this.o.write(
      'stdout',
      `Validating log files for trail ${this.o.trailArn} between ${isoSeconds(this.start)} and ${isoSeconds(this.end)}\n\n`,
    );
    await this.traverse(false);
    await this.traverse(true);
    this.writeSummary();
    const c = this.counts;
    const invalid = c.invalidDigests + c.invalidBackfillDigests + c.invalidLogs;
    return { exitCode: invalid > 0 ? 1 : 0, ...c };
  }

  // ---- output, as CloudTrailValidateLogs._write_status and friends ----

  private status(message: string, isError = false): void {
    if (isError) {
      this.o.write('stderr', this.lastStatusDoubleSpaced ? `${message}\n\n` : `\n${message}\n\n`);
      this.lastStatusDoubleSpaced = true;
    } else if (this.verbose) {
      this.lastStatusDoubleSpaced = false;
      this.o.write('stdout', `${message}\n`);
    }
  }

  private writeSummary(): void {
    const out = (text: string) => this.o.write('stdout', text);
    if (!this.lastStatusDoubleSpaced) out('\n');
    out(`Results requested for ${isoSeconds(this.start)} to ${isoSeconds(this.end)}\n`);
    const c = this.counts;
    const valid = c.validDigests + c.validBackfillDigests;
    const invalid = c.invalidDigests + c.invalidBackfillDigests;
    if (!valid && !invalid) {
      out('No digests found\n');
      return;
    }
    if (this.foundStart === undefined || this.foundEnd === undefined) out('No valid digests found in range\n');
    else out(`Results found for ${isoSeconds(this.foundStart)} to ${isoSeconds(this.foundEnd)}:\n`);
    const ratio = (v: number, i: number, name: string) => {
      const total = v + i;
      if (total > 0) out(`\n${v}/${total} ${name} files valid${i > 0 ? `, ${i}/${total} ${name} files INVALID` : ''}`);
    };
    ratio(c.validDigests, c.invalidDigests, 'digest');
    ratio(c.validBackfillDigests, c.invalidBackfillDigests, 'backfill digest');
    ratio(c.validLogs, c.invalidLogs, 'log');
    out('\n');
  }

  private digestInvalid(message: string, backfill: boolean): void {
    if (backfill) this.counts.invalidBackfillDigests++;
    else this.counts.invalidDigests++;
    this.status(`${backfill ? '(backfill) ' : ''}${message}`, true);
  }

  private digestMissing(bucket: string, key: string, backfill: boolean): void {
    if (backfill) this.counts.invalidBackfillDigests++;
    else this.counts.invalidDigests++;
    this.status(`${backfill ? '(backfill) ' : ''}Digest file\ts3://${bucket}/${key}\tINVALID: not found`, true);
  }

  private gap(nextEnd: number, lastStart: number, backfill: boolean): void {
    this.status(
      `${backfill ? '(backfill) ' : ''}No log files were delivered by CloudTrail between ${isoSeconds(nextEnd)} and ${isoSeconds(lastStart)}`,
      true,
    );
  }

  // ---- digest keys (DigestProvider) ----

  private async digestKeys(bucket: string, prefix: string | undefined, endMs: number, backfill: boolean) {
    const cacheKey = JSON.stringify([bucket, prefix ?? null, this.start, endMs]);
    let cached = this.keyCache.get(cacheKey);
    if (!cached) {
      cached = await this.listDigestKeys(bucket, prefix, endMs);
      this.keyCache.set(cacheKey, cached);
    }
    // The same array on every call: the traversal consumes it, as the CLI's cached list.
    return backfill ? cached.backfill : cached.standard;
  }

  private async listDigestKeys(bucket: string, prefix: string | undefined, endMs: number) {
    const loc = { ...this.loc, prefix };
    const marker = digestObjectKey(loc, this.start - 60_000);
    const targetStart = compactSeconds(this.start);
    // One hour past the end: the digest covering the end is delivered up to an hour later.
    const targetEnd = compactSeconds(endMs + HOUR_MS);
    const pattern = digestKeyPattern(loc);
    const standard: string[] = [];
    const backfill: string[] = [];
    for await (const key of this.o.buckets(bucket).list(digestListPrefix(loc))) {
      if (key <= marker || !pattern.test(key)) continue;
      const stamp = digestKeyTimestamp(key);
      if (stamp > targetEnd) break;
      if (stamp < targetStart) continue;
      (isBackfillDigestKey(key) ? backfill : standard).push(key);
    }
    return { standard, backfill };
  }

  /** The newest remaining key (older than `beforeKey` when given), removed from the list. */
  private static lastDigest(digests: string[], beforeKey?: string): [string | undefined, number | undefined] {
    const keyDate = (k: string) => {
      const ms = parseCliTime(digestKeyTimestamp(k));
      if (ms === undefined) throw new ValidationAbortedError(`Unable to parse date value: ${digestKeyTimestamp(k)}`);
      return ms;
    };
    if (!digests.length) return [undefined, undefined];
    if (beforeKey === undefined) {
      const next = digests.pop()!;
      return [next, keyDate(next)];
    }
    const before = keyDate(beforeKey);
    while (digests.length) {
      const next = digests.pop()!;
      const date = keyDate(next);
      if (date < before) return [next, date];
    }
    return [undefined, undefined];
  }

  // ---- public keys ----

  private async loadPublicKeys(startMs: number, endMs: number): Promise<Map<string, ValidationPublicKey>> {
    const list = await this.o.publicKeys(startMs, endMs);
    if (!list.length)
      throw new ValidationAbortedError(`No public keys found between ${isoSeconds(startMs)} and ${isoSeconds(endMs)}`);
    return new Map(list.map((k) => [k.Fingerprint, k]));
  }

  // ---- the traversal (DigestTraverser) ----

  private async traverse(backfill: boolean): Promise<void> {
    let bucket = this.o.bucket;
    const prefix = this.o.prefix;
    let digests = await this.digestKeys(bucket, prefix, this.end, backfill);
    // Standard digests: keys for the whole range (plus two hours) up front; backfill digests
    // load theirs per digest, around the time they were generated.
    const publicKeys = backfill ? new Map() : await this.loadPublicKeys(this.start, this.end + 2 * HOUR_MS);

    let [key, endMs] = LogValidation.lastDigest(digests);
    let lastStart = endMs ?? 0;
    while (key !== undefined && this.start <= lastStart) {
      const currentKey: string = key;
      const onFailure = (err: unknown) => {
        if (err instanceof ValidationAbortedError) throw err;
        [key, endMs] = LogValidation.lastDigest(digests, currentKey);
        if (err instanceof DigestNotFound) this.digestMissing(bucket, currentKey, backfill);
        else if (err instanceof DigestError) this.digestInvalid(err.message, backfill);
        else
          this.digestInvalid(
            `Digest file\ts3://${bucket}/${currentKey}\tINVALID: ${err instanceof Error ? err.message : String(err)}`,
            backfill,
          );
      };
      let loaded: LoadedDigest;
      try {
        loaded = await this.loadAndValidate(publicKeys, bucket, currentKey, backfill);
        endMs = loaded.endMs;
        lastStart = parseDigestTime(loaded.data.digestStartTime);
      } catch (err) {
        onFailure(err);
        continue;
      }
      // The CLI yields here; what it does with a valid digest is outside the traverser's error handling.
      await this.onValidDigest(loaded.data, backfill);
      try {
        const previousBucket = loaded.data.previousDigestS3Bucket;
        const previousKey = loaded.data.previousDigestS3Object;
        if (
          previousBucket === undefined ||
          previousBucket === null ||
          previousKey === undefined ||
          previousKey === null
        ) {
          // A starting digest: the chain ends here, so carry on with the next older listed key.
          [key, endMs] = LogValidation.lastDigest(digests, currentKey);
          if (key !== undefined) this.gap(endMs!, lastStart, backfill);
        } else {
          key = String(previousKey);
          if (previousBucket !== bucket) {
            bucket = String(previousBucket);
            digests = await this.digestKeys(bucket, prefix, endMs, backfill);
          }
        }
      } catch (err) {
        onFailure(err);
      }
    }
  }

  private async loadAndValidate(
    publicKeys: Map<string, ValidationPublicKey>,
    bucket: string,
    key: string,
    backfill: boolean,
  ): Promise<LoadedDigest> {
    const where = `Digest file\ts3://${bucket}/${key}\tINVALID`;
    const object = await this.storageCall(() => this.o.buckets(bucket).get(key));
    if (!object) throw new DigestNotFound();
    let inflated: Buffer;
    let parsed: unknown;
    try {
      inflated = gunzipSync(object.body);
      parsed = JSON.parse(utf8.decode(inflated));
    } catch {
      throw new DigestError(`${where}: invalid format`);
    }
    const meta = object.metadata;
    if (meta['signature'] === undefined || meta['signature-algorithm'] === undefined)
      throw new DigestError(`${where}: signature verification failed`);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      throw new Error(notAnObjectMessage(parsed));
    const data = parsed as Record<string, unknown>;
    if (backfill && meta['backfill-generation-timestamp'] === undefined)
      throw new DigestError(`${where}: invalid format`);
    for (const required of [
      'digestPublicKeyFingerprint',
      'digestS3Bucket',
      'digestS3Object',
      'previousDigestSignature',
      'digestEndTime',
      'digestStartTime',
    ])
      if (!(required in data)) throw new DigestError(`${where}: invalid format`);
    if (data.digestS3Bucket !== bucket || data.digestS3Object !== key)
      throw new DigestError(`${where}: has been moved from its original location`);

    const fingerprint = data.digestPublicKeyFingerprint;
    if (typeof fingerprint === 'object' && fingerprint !== null)
      throw new Error(`unhashable type: '${Array.isArray(fingerprint) ? 'list' : 'dict'}'`);
    const fp = pyStr(fingerprint);
    if (typeof fingerprint !== 'string' || !publicKeys.has(fingerprint)) {
      if (backfill) {
        const generated = parseDigestTime(meta['backfill-generation-timestamp']);
        const more = await this.loadPublicKeys(generated - HOUR_MS, generated + HOUR_MS).catch((err: unknown) => {
          // Inside the traversal the CLI reports this digest invalid rather than stopping.
          throw err instanceof ValidationAbortedError ? new Error(err.message) : err;
        });
        for (const [k, v] of more) publicKeys.set(k, v);
      }
    }
    const publicKey = typeof fingerprint === 'string' ? publicKeys.get(fingerprint) : undefined;
    if (!publicKey)
      throw new DigestError(`${where}: public key not found in region ${this.loc.homeRegion} for fingerprint ${fp}`);

    this.verifySignature(where, publicKey, fp, data, inflated, meta['signature']);
    return { data, endMs: parseDigestTime(data.digestEndTime) };
  }

  private verifySignature(
    where: string,
    publicKey: ValidationPublicKey,
    fingerprint: string,
    data: Record<string, unknown>,
    inflated: Buffer,
    signatureHex: string,
  ): void {
    let key: KeyObject;
    try {
      key = loadPkcs1PublicKey(Buffer.from(publicKey.Value, 'base64'));
    } catch {
      throw new DigestError(`${where}: Unable to load PKCS #1 key with fingerprint ${fingerprint}`);
    }
    const toSign = digestStringToSign(
      {
        digestEndTime: pyStr(data.digestEndTime),
        digestS3Bucket: pyStr(data.digestS3Bucket),
        digestS3Object: pyStr(data.digestS3Object),
        previousDigestSignature: data.previousDigestSignature === null ? null : pyStr(data.previousDigestSignature),
      },
      inflated,
    );
    // binascii.unhexlify's errors, which the CLI reports as they are.
    if (signatureHex.length % 2) throw new Error('Odd-length string');
    if (!/^[0-9a-fA-F]*$/.test(signatureHex)) throw new Error('Non-hexadecimal digit found');
    const signature = Buffer.from(signatureHex, 'hex');
    if (!verifyString(key, toSign, signature)) throw new DigestError(`${where}: signature verification failed`);
  }

  /** Storage failures other than "no such key" stop the run, as S3 errors do in the CLI. */
  private async storageCall<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw new ValidationAbortedError(err instanceof Error ? err.message : String(err));
    }
  }

  // ---- a valid digest and its log files (CloudTrailValidateLogs._call) ----

  private async onValidDigest(data: Record<string, unknown>, backfill: boolean): Promise<void> {
    const digestStart = parseDigestTime(data.digestStartTime);
    const earliest = Math.max(digestStart, this.start);
    if (this.foundStart === undefined || earliest < this.foundStart) this.foundStart = earliest;
    const latest = Math.min(parseDigestTime(data.digestEndTime), this.end);
    if (this.foundEnd === undefined || latest > this.foundEnd) this.foundEnd = latest;
    if (backfill) this.counts.validBackfillDigests++;
    else this.counts.validDigests++;
    this.status(
      `${backfill ? '(backfill) ' : ''}Digest file\ts3://${pyStr(data.digestS3Bucket)}/${pyStr(data.digestS3Object)}\tvalid`,
    );
    if (!('logFiles' in data)) throw new ValidationAbortedError("'logFiles'");
    const logs = data.logFiles;
    if (!logs || (Array.isArray(logs) && !logs.length)) return;
    if (!Array.isArray(logs))
      throw new ValidationAbortedError(`digest logFiles is not a list: ${JSON.stringify(logs)}`);
    await this.checkLogFiles(logs as LogFileEntry[]);
  }

  /** Hashes up to `concurrency` files at once and reports them in the digest's order. */
  private async checkLogFiles(logs: LogFileEntry[]): Promise<void> {
    const pending: Promise<LogVerdict>[] = [];
    let next = 0;
    const startOne = () => {
      const p = this.hashLog(logs[next++]!);
      p.catch(() => undefined); // awaited below in order; this only keeps it from being "unhandled"
      pending.push(p);
    };
    while (next < logs.length && pending.length < this.concurrency) startOne();
    for (const log of logs) {
      const verdict = await pending.shift()!;
      if (next < logs.length) startOne();
      this.reportLog(log, verdict);
    }
  }

  private reportLog(log: LogFileEntry, verdict: LogVerdict): void {
    if (typeof log !== 'object' || log === null || !('s3Bucket' in log) || !('s3Object' in log))
      throw new ValidationAbortedError(`log file entry without s3Bucket/s3Object: ${JSON.stringify(log)}`);
    const where = `Log file\ts3://${pyStr(log.s3Bucket)}/${pyStr(log.s3Object)}`;
    if (verdict.kind === 'valid') {
      this.counts.validLogs++;
      this.counts.logBytes += verdict.bytes;
      this.status(`${where}\tvalid`);
      return;
    }
    this.counts.invalidLogs++;
    const reason =
      verdict.kind === 'changed'
        ? "hash value doesn't match"
        : verdict.kind === 'missing'
          ? 'not found'
          : 'invalid format';
    this.status(`${where}\tINVALID: ${reason}`, true);
  }

  private async hashLog(log: LogFileEntry): Promise<LogVerdict> {
    if (typeof log !== 'object' || log === null || typeof log.s3Bucket !== 'string' || typeof log.s3Object !== 'string')
      return { kind: 'format' };
    const bucket = log.s3Bucket;
    const key = log.s3Object;
    const object = await this.storageCall(() => this.o.buckets(bucket).get(key));
    if (!object) return { kind: 'missing' };
    let computed: string;
    let bytes = 0;
    try {
      computed = await new Promise<string>((resolve, reject) => {
        const hash = createHash('sha256');
        const gunzip = createGunzip({ chunkSize: 256 * 1024 });
        gunzip.on('data', (chunk: Buffer) => {
          bytes += chunk.length;
          hash.update(chunk);
        });
        gunzip.on('error', reject);
        gunzip.on('end', () => resolve(hash.digest('hex')));
        gunzip.end(object.body);
      });
    } catch {
      return { kind: 'format' };
    }
    if (!('hashValue' in log)) return { kind: 'format' };
    return computed === log.hashValue ? { kind: 'valid', bytes } : { kind: 'changed' };
  }
}
