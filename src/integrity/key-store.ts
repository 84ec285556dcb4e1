/**
 * Digest signing keys: one RSA-2048 key pair in use per region, rotated, with every public key
 * ever used still listed so old digests stay verifiable. Kept in the data directory:
 *
 *   <dataDir>/signing-keys/<region>/<fingerprint>.pem   private key, PKCS#8 PEM, mode 0600
 *   <dataDir>/signing-keys/<region>/keys.json           index: fingerprint and validity per key, mode 0600
 *
 * Private keys exist only as KeyObjects in memory (whose inspection shows no key material) and in
 * those files; nothing here logs or returns them as text.
 */
import { createPrivateKey, generateKeyPair, type KeyObject } from 'node:crypto';
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { publicKeyDer, publicKeyFingerprint, type PublicKeyEntry } from './public-key.js';

const generateKeyPairAsync = promisify(generateKeyPair);

/** AWS's published keys span 30 days; a key is replaced once its validity has ended. */
export const DEFAULT_KEY_VALIDITY_MS = 30 * 24 * 3600 * 1000;
const REGION = /^[a-z0-9-]{1,64}$/;
const INDEX_FILE = 'keys.json';

export interface SigningKey {
  region: string;
  fingerprint: string;
  privateKey: KeyObject;
  /** PKCS#1 DER of the public half (what ListPublicKeys serves). */
  publicKeyDer: Buffer;
  validityStartMs: number;
  validityEndMs: number;
}

interface IndexEntry {
  fingerprint: string;
  validityStart: string;
  validityEnd: string;
}

export interface SigningKeyStoreOptions {
  /** Clock, for tests. */
  now?: () => number;
  validityMs?: number;
}

export class SigningKeyStore {
  private readonly now: () => number;
  private readonly validityMs: number;
  /** Loaded regions, oldest key first. */
  private readonly regions = new Map<string, SigningKey[]>();
  /** Serialises changes per region within this process. */
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(
    private readonly dataDir: string,
    options: SigningKeyStoreOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.validityMs = options.validityMs ?? DEFAULT_KEY_VALIDITY_MS;
    if (!(this.validityMs > 0)) throw new RangeError(`validityMs must be positive, got ${this.validityMs}`);
  }

  /** The key to sign with now in `region`: created on first use, replaced once its validity ended. */
  current(region: string): Promise<SigningKey> {
    return this.serialised(region, async () => {
      const keys = await this.load(region);
      const latest = keys[keys.length - 1];
      if (latest && this.now() < latest.validityEndMs) return latest;
      return this.createKey(region, keys);
    });
  }

  /** Ends the current key's validity now and starts a new key; the old public key stays listed. */
  rotate(region: string): Promise<SigningKey> {
    return this.serialised(region, async () => this.createKey(region, await this.load(region)));
  }

  /** The key with this fingerprint in `region`, current or retired. */
  async byFingerprint(region: string, fingerprint: string): Promise<SigningKey | undefined> {
    return (await this.serialised(region, () => this.load(region))).find((k) => k.fingerprint === fingerprint);
  }

  /**
   * The `ListPublicKeys` list (spec §3.4): keys whose validity overlaps [start, end]; both default
   * to now, which gives the current key.
   */
  async listPublicKeys(region: string, startMs?: number, endMs?: number): Promise<PublicKeyEntry[]> {
    const now = this.now();
    const start = startMs ?? now;
    const end = endMs ?? now;
    if (start > end)
      throw new RangeError(
        `start time ${new Date(start).toISOString()} is after end time ${new Date(end).toISOString()}`,
      );
    const keys = await this.serialised(region, () => this.load(region));
    return keys
      .filter((k) => k.validityStartMs <= end && k.validityEndMs >= start)
      .map((k) => ({
        Value: k.publicKeyDer.toString('base64'),
        ValidityStartTime: new Date(k.validityStartMs),
        ValidityEndTime: new Date(k.validityEndMs),
        Fingerprint: k.fingerprint,
      }));
  }

  private regionDir(region: string): string {
    if (!REGION.test(region)) throw new TypeError(`not a region name: ${JSON.stringify(region)}`);
    return join(this.dataDir, 'signing-keys', region);
  }

  private serialised<T>(region: string, fn: () => Promise<T>): Promise<T> {
    const run = (this.queues.get(region) ?? Promise.resolve()).then(fn, fn);
    this.queues.set(
      region,
      run.catch(() => undefined),
    );
    return run;
  }

  private async load(region: string): Promise<SigningKey[]> {
    const cached = this.regions.get(region);
    if (cached) return cached;
    const dir = this.regionDir(region);
    let index: IndexEntry[];
    try {
      index = (JSON.parse(await readFile(join(dir, INDEX_FILE), 'utf8')) as { keys: IndexEntry[] }).keys;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      index = [];
    }
    const keys: SigningKey[] = [];
    for (const e of index) {
      const pemPath = join(dir, `${e.fingerprint}.pem`);
      const privateKey = createPrivateKey(await readFile(pemPath));
      const der = publicKeyDer(privateKey);
      if (publicKeyFingerprint(der) !== e.fingerprint)
        throw new Error(`signing key ${pemPath} does not match its fingerprint ${e.fingerprint} in ${INDEX_FILE}`);
      keys.push({
        region,
        fingerprint: e.fingerprint,
        privateKey,
        publicKeyDer: der,
        validityStartMs: Date.parse(e.validityStart),
        validityEndMs: Date.parse(e.validityEnd),
      });
    }
    this.regions.set(region, keys);
    return keys;
  }

  private async createKey(region: string, keys: SigningKey[]): Promise<SigningKey> {
    const dir = this.regionDir(region);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const { privateKey } = await generateKeyPairAsync('rsa', { modulusLength: 2048, publicExponent: 0x10001 });
    const der = publicKeyDer(privateKey);
    const fingerprint = publicKeyFingerprint(der);
    const pemPath = join(dir, `${fingerprint}.pem`);
    await writeFile(pemPath, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
    await chmod(pemPath, 0o600);
    const now = this.now();
    const next = keys.map((k) => (k.validityEndMs > now ? { ...k, validityEndMs: now } : k));
    const key: SigningKey = {
      region,
      fingerprint,
      privateKey,
      publicKeyDer: der,
      validityStartMs: now,
      validityEndMs: now + this.validityMs,
    };
    next.push(key);
    // Write the index whole and rename it into place, so a crash leaves the old or the new one.
    const index: IndexEntry[] = next.map((k) => ({
      fingerprint: k.fingerprint,
      validityStart: new Date(k.validityStartMs).toISOString(),
      validityEnd: new Date(k.validityEndMs).toISOString(),
    }));
    const tmp = join(dir, `${INDEX_FILE}.tmp`);
    await writeFile(tmp, JSON.stringify({ keys: index }, null, 2) + '\n', { mode: 0o600 });
    await rename(tmp, join(dir, INDEX_FILE));
    this.regions.set(region, next);
    return key;
  }
}
