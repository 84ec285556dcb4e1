/**
 * validate-logs speed: a signed chain of hourly digests over generated log files in a bucket
 * folder, validated end to end (list, verify every digest, gunzip and hash every log file), in MB/s
 * of uncompressed log data; against node:crypto's raw SHA-256 over the same uncompressed bytes in
 * the same run (the floor no validator can beat), and gunzip + SHA-256 on one thread.
 * BENCH_INTEGRITY_MB (default 64) scales the data.
 */
import { createHash, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { bucketFolder } from '../src/integrity/directory-reader.js';
import { publicKeyDer, publicKeyFingerprint } from '../src/integrity/public-key.js';
import { buildChain } from '../src/integrity/testdata/chain.js';
import { validateLogs } from '../src/integrity/validate.js';

export interface IntegrityBench {
  digests: number;
  logFiles: number;
  uncompressedBytes: number;
  compressedBytes: number;
  validateSeconds: number;
  validateMBps: number;
  sha256MBps: number;
  gunzipSha256MBps: number;
  /** validate-logs MB/s divided by raw SHA-256 MB/s. */
  ratio: number;
}

const MB = 1e6;

export async function runIntegrityBench(options: { megabytes?: number } = {}): Promise<IntegrityBench> {
  const megabytes = options.megabytes ?? Number(process.env.BENCH_INTEGRITY_MB ?? 64);
  const root = mkdtempSync(join(tmpdir(), 'ot-bench-integrity-'));
  try {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const der = publicKeyDer(privateKey);
    const fingerprint = publicKeyFingerprint(der);
    // ~1 MB files (about 2,000 records of ~500 bytes), four per hourly digest.
    const filesPerPeriod = 4;
    const periods = Math.max(1, Math.ceil(megabytes / filesPerPeriod));
    const firstEndMs = Date.UTC(2024, 5, 1, 1, 0, 31);
    const chain = buildChain({
      root,
      bucket: 'bench-bucket',
      accountId: '111122223333',
      region: 'us-east-1',
      trailName: 'bench',
      privateKey,
      fingerprint,
      firstEndMs,
      periods,
      filesPerPeriod,
      records: 2000,
    });
    const compressed = chain.logs.map((l) => readFileSync(join(root, 'bench-bucket', l.key)));
    const uncompressed = compressed.map((c) => gunzipSync(c));
    const uncompressedBytes = uncompressed.reduce((n, b) => n + b.length, 0);
    const compressedBytes = compressed.reduce((n, b) => n + b.length, 0);

    const { bucket, resolver } = bucketFolder(join(root, 'bench-bucket'));
    const t0 = process.hrtime.bigint();
    const summary = await validateLogs({
      trailArn: 'arn:aws:cloudtrail:us-east-1:111122223333:trail/bench',
      startMs: firstEndMs - 3_600_000,
      endMs: firstEndMs + periods * 3_600_000,
      bucket,
      buckets: resolver,
      publicKeys: async () => [{ Fingerprint: fingerprint, Value: der.toString('base64') }],
      write: () => undefined,
    });
    const validateSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
    if (summary.exitCode !== 0 || summary.validLogs !== chain.logs.length || summary.logBytes !== uncompressedBytes)
      throw new Error(`benchmark chain did not validate: ${JSON.stringify(summary)}`);

    const t1 = process.hrtime.bigint();
    for (const b of uncompressed) createHash('sha256').update(b).digest('hex');
    const shaSeconds = Number(process.hrtime.bigint() - t1) / 1e9;

    const t2 = process.hrtime.bigint();
    for (const c of compressed) createHash('sha256').update(gunzipSync(c)).digest('hex');
    const gunzipShaSeconds = Number(process.hrtime.bigint() - t2) / 1e9;

    const validateMBps = uncompressedBytes / MB / validateSeconds;
    const sha256MBps = uncompressedBytes / MB / shaSeconds;
    return {
      digests: chain.digests.length,
      logFiles: chain.logs.length,
      uncompressedBytes,
      compressedBytes,
      validateSeconds,
      validateMBps,
      sha256MBps,
      gunzipSha256MBps: uncompressedBytes / MB / gunzipShaSeconds,
      ratio: validateMBps / sha256MBps,
    };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  runIntegrityBench().then((r) => process.stdout.write(JSON.stringify(r, null, 2) + '\n'));
}
