import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EmbeddedDatabase } from '../store/duckdb/database.js';
import type { Channel } from './channel.js';
import { ChannelRegistry } from './channel-registry.js';
import { ChannelRepository } from './repository.js';
import { ManualClock } from './test-support/manual-clock.js';

const ACCOUNT = '123456789012';
let dir: string;
let db: EmbeddedDatabase;
let repo: ChannelRepository;
let clock: ManualClock;
/** Definition reads the registry made. */
let reads: number;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ot-registry-'));
  db = await EmbeddedDatabase.open(dir);
  repo = await ChannelRepository.open(db, 'us-east-1');
  clock = new ManualClock(Date.UTC(2026, 0, 1));
  reads = 0;
  const findByArn = repo.findByArn.bind(repo);
  repo.findByArn = (arn) => {
    reads++;
    return findByArn(arn);
  };
});
afterEach(async () => {
  await db.close();
  await rm(dir, { recursive: true, force: true });
});

async function hook(endpoint = 'http://127.0.0.1:9/hook'): Promise<string> {
  const conn =
    (await repo.listConnections(ACCOUNT))[0] ??
    (await repo.createConnection(ACCOUNT, { name: 'conn', authorizationType: 'NONE' }));
  const def = await repo.createChannel(ACCOUNT, {
    name: 'hook',
    config: { kind: 'webhook', connectionArn: conn.connectionArn, invocationEndpoint: endpoint },
  });
  return def.arn;
}

const live = (c: Channel | { missing: string }): Channel => {
  if ('missing' in c) throw new Error(c.missing);
  return c;
};

describe('ChannelRegistry', () => {
  it('reads a definition once for any number of deliveries asking at the same time, fresh or past the TTL', async () => {
    const arn = await hook();
    const registry = new ChannelRegistry(repo, clock, 5000);
    const first = await Promise.all(Array.from({ length: 50 }, () => registry.resolve(arn)));
    expect(reads).toBe(1);
    expect(new Set(first).size).toBe(1);
    await clock.advance(6000);
    // Past the TTL: everyone is served the channel they had while one check runs.
    const again = await Promise.all(Array.from({ length: 50 }, () => registry.resolve(arn)));
    expect(new Set(again)).toEqual(new Set(first));
    await registry.settled();
    expect(reads).toBe(2);
    // The definition did not change: the live channel is kept, not rebuilt.
    expect(await registry.resolve(arn)).toBe(first[0]);
    expect(reads).toBe(2);
    await registry.close();
  });

  it('notices a changed or deleted channel at the first check after the TTL', async () => {
    const arn = await hook('http://127.0.0.1:9/old');
    const registry = new ChannelRegistry(repo, clock, 5000);
    const before = live(await registry.resolve(arn));
    await repo.updateChannel(ACCOUNT, {
      name: 'hook',
      config: {
        kind: 'webhook',
        connectionArn: (await repo.listConnections(ACCOUNT))[0]!.connectionArn,
        invocationEndpoint: 'http://127.0.0.1:9/new',
      },
    });
    expect(await registry.resolve(arn)).toBe(before); // within the TTL
    await clock.advance(6000);
    await registry.resolve(arn); // starts the check
    await registry.settled();
    const after = live(await registry.resolve(arn));
    expect(after).not.toBe(before);
    await repo.deleteChannel(ACCOUNT, 'hook');
    await clock.advance(6000);
    await registry.resolve(arn);
    await registry.settled();
    expect(await registry.resolve(arn)).toEqual({ missing: `no notification channel ${arn}` });
    await registry.close();
  });

  it('invalidate drops the channel at once: the next delivery reads the definition', async () => {
    const arn = await hook();
    const registry = new ChannelRegistry(repo, clock, 5000);
    await registry.resolve(arn);
    await repo.deleteChannel(ACCOUNT, 'hook');
    await registry.invalidate(arn);
    expect(await registry.resolve(arn)).toEqual({ missing: `no notification channel ${arn}` });
    expect(reads).toBe(2);
    await registry.close();
  });
});
