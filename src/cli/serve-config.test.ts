import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { removeDir, tempDir } from '../../test/helpers/embedded.js';
import { ConfigFileError } from '../config/config-file.js';
import { serveOptionsFrom } from './serve-config.js';

/** commander's values for `serve` with its defaults, as main.ts hands them over. */
function defaults(dataDir: string): Record<string, unknown> {
  return {
    dataDir,
    host: '127.0.0.1',
    port: 4566,
    region: 'us-east-1',
    pruneInterval: 3_600_000,
    logLevel: 'info',
    flushInterval: 60_000,
    digestInterval: 3_600_000,
    keyRate: 100,
    keyBurst: 200,
  };
}

let dir: string | undefined;
afterEach(() => removeDir(dir));

describe('serve options from flags and the config file', () => {
  it('without a file: the flags', () => {
    dir = tempDir();
    expect(serveOptionsFrom(defaults(dir), () => false)).toEqual({
      dataDir: dir,
      host: '127.0.0.1',
      port: 4566,
      region: 'us-east-1',
      retentionMs: undefined,
      pruneIntervalMs: 3_600_000,
      logLevel: 'info',
      flushIntervalMs: 60_000,
      digestIntervalMs: 3_600_000,
      s3Endpoint: undefined,
      s3ForcePathStyle: false,
      keyRatePerSecond: 100,
      keyBurst: 200,
    });
  });

  it('the file wins over defaults; flags given on the command line win over the file', () => {
    dir = tempDir();
    writeFileSync(
      join(dir, 'opentrail.json'),
      JSON.stringify({ server: { port: 8080, flushInterval: '5s', retention: '30d', s3ForcePathStyle: true } }),
    );
    const flags = { ...defaults(dir), flushInterval: 2000 };
    const o = serveOptionsFrom(flags, (flag) => flag === 'flushInterval');
    expect(o).toMatchObject({
      port: 8080,
      flushIntervalMs: 2000,
      retentionMs: 30 * 86_400_000,
      s3ForcePathStyle: true,
    });
    expect(o.config?.file).toBe(join(dir, 'opentrail.json'));
  });

  it('--config names the file instead of <data-dir>/opentrail.json; its errors stop the start', () => {
    const d = (dir = tempDir());
    writeFileSync(join(d, 'opentrail.json'), JSON.stringify({ server: { port: 1 } }));
    const other = join(d, 'other.json');
    writeFileSync(other, JSON.stringify({ server: { port: 'eighty' } }));
    expect(() => serveOptionsFrom({ ...defaults(d), config: other }, () => false)).toThrow(ConfigFileError);
    expect(() => serveOptionsFrom({ ...defaults(d), config: other }, () => false)).toThrow(`${other}: server.port: `);
    // The data directory's file is not read when --config is given (its port 1 is not used).
    writeFileSync(other, JSON.stringify({ server: { host: '0.0.0.0' } }));
    expect(serveOptionsFrom({ ...defaults(d), config: other }, () => false)).toMatchObject({
      host: '0.0.0.0',
      port: 4566,
    });
  });
});
