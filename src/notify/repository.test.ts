import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EmbeddedDatabase } from '../store/duckdb/database.js';
import { parseNotifyArn } from './arns.js';
import { InvalidChannelConfigError } from './config.js';
import {
  ChannelRepository,
  ConnectionInUseError,
  NotifyResourceExistsError,
  NotifyResourceNotFoundError,
  redactChannel,
  redactConnection,
} from './repository.js';

const A = '111111111111';
const B = '222222222222';
let dir: string;
let db: EmbeddedDatabase;
let repo: ChannelRepository;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'opentrail-notify-repo-'));
  db = await EmbeddedDatabase.open(dir);
  repo = await ChannelRepository.open(db, 'eu-west-1');
});
afterEach(async () => {
  await db.close();
  await rm(dir, { recursive: true, force: true });
});

const apiKeyConnection = {
  name: 'pager',
  authorizationType: 'API_KEY' as const,
  authParameters: {
    ApiKeyAuthParameters: { ApiKeyName: 'X-Api-Key', ApiKeyValue: 'k-secret' },
    InvocationHttpParameters: {
      HeaderParameters: [
        { Key: 'X-Token', Value: 'hidden', IsValueSecret: true },
        { Key: 'X-Team', Value: 'sec' },
      ],
    },
  },
};

describe('ChannelRepository', () => {
  it('creates connections and API destinations with EventBridge ARNs, and email/chat channels with ours', async () => {
    const conn = await repo.createConnection(A, apiKeyConnection);
    expect(parseNotifyArn(conn.connectionArn)).toMatchObject({
      type: 'connection',
      region: 'eu-west-1',
      accountId: A,
      name: 'pager',
    });
    expect(conn.signingSecret.length).toBeGreaterThanOrEqual(32);
    const hook = await repo.createChannel(A, {
      name: 'pager-hook',
      config: {
        kind: 'webhook',
        connectionArn: conn.connectionArn,
        invocationEndpoint: 'https://hooks.example.test/in',
      },
    });
    expect(parseNotifyArn(hook.arn)).toMatchObject({ type: 'api-destination', accountId: A, name: 'pager-hook' });
    expect(hook.config).toEqual({
      kind: 'webhook',
      connectionArn: conn.connectionArn,
      invocationEndpoint: 'https://hooks.example.test/in',
      httpMethod: 'POST',
      invocationRateLimitPerSecond: 300,
      timeoutMs: 5000,
    });
    const mail = await repo.createChannel(A, {
      name: 'secops-mail',
      config: {
        kind: 'email',
        smtp: { host: 'smtp.example.test', username: 'u', password: 'p' },
        from: 'a@example.test',
        to: ['b@example.test'],
      },
    });
    expect(mail.arn).toBe(`arn:opentrail:notify:eu-west-1:${A}:channel/secops-mail`);
    const chat = await repo.createChannel(A, {
      name: 'chat',
      config: { kind: 'chat', webhookUrl: 'https://chat.example.test/services/T/B/XYZ' },
    });

    expect((await repo.listChannels(A)).map((c) => c.name)).toEqual(['chat', 'pager-hook', 'secops-mail']);
    expect((await repo.listChannels(A, 'email')).map((c) => c.name)).toEqual(['secops-mail']);
    expect(await repo.getChannel(A, 'pager-hook')).toEqual(hook);
    expect(await repo.getChannel(A, hook.arn)).toEqual(hook);
    expect(await repo.findByArn(chat.arn)).toEqual(chat);
    expect(await repo.getConnection(A, 'pager')).toEqual(conn);
  });

  it('keeps accounts apart: names repeat across accounts, and another account cannot see or delete', async () => {
    const a = await repo.createChannel(A, {
      name: 'chat',
      config: { kind: 'chat', webhookUrl: 'https://chat.example.test/a' },
    });
    const b = await repo.createChannel(B, {
      name: 'chat',
      config: { kind: 'chat', webhookUrl: 'https://chat.example.test/b' },
    });
    expect(a.arn).not.toBe(b.arn);
    expect(await repo.getChannel(B, a.arn)).toBeUndefined();
    await expect(repo.deleteChannel(B, a.arn)).rejects.toThrow(NotifyResourceNotFoundError);
    expect(await repo.listChannels(A)).toEqual([a]);
  });

  it('refuses duplicates, unknown connections, OAuth, and bad fields with precise messages', async () => {
    await repo.createChannel(A, { name: 'chat', config: { kind: 'chat', webhookUrl: 'https://chat.example.test/a' } });
    await expect(
      repo.createChannel(A, { name: 'chat', config: { kind: 'chat', webhookUrl: 'https://chat.example.test/a' } }),
    ).rejects.toThrow(
      new NotifyResourceExistsError(`A notification channel named chat already exists in account ${A}.`),
    );
    const missing = 'arn:aws:events:eu-west-1:111111111111:connection/none/00000000-0000-0000-0000-000000000000';
    await expect(
      repo.createChannel(A, {
        name: 'h',
        config: { kind: 'webhook', connectionArn: missing, invocationEndpoint: 'https://x.test' },
      }),
    ).rejects.toThrow(`config.connectionArn: no connection ${missing} in this account`);
    await expect(
      repo.createConnection(A, { name: 'o', authorizationType: 'OAUTH_CLIENT_CREDENTIALS', authParameters: {} }),
    ).rejects.toThrow(
      new InvalidChannelConfigError(
        `Invalid connection for account ${A}: authorizationType: OAUTH_CLIENT_CREDENTIALS is not supported; use API_KEY, BASIC or NONE`,
      ),
    );
    await expect(repo.createConnection(A, { name: 'k', authorizationType: 'API_KEY' })).rejects.toThrow(
      'authParameters.ApiKeyAuthParameters: required for API_KEY',
    );
    await expect(
      repo.createChannel(A, { name: 'bad name!', config: { kind: 'chat', webhookUrl: 'ftp://x' } }),
    ).rejects.toThrow(
      'name: expected 1-64 characters from A-Z a-z 0-9 . - _; config.webhookUrl: expected an absolute http:// or https:// URL',
    );
  });

  it('deletes channels, and a connection only once no API destination uses it', async () => {
    const conn = await repo.createConnection(A, { name: 'open', authorizationType: 'NONE' });
    const hook = await repo.createChannel(A, {
      name: 'hook',
      config: { kind: 'webhook', connectionArn: conn.connectionArn, invocationEndpoint: 'http://127.0.0.1:1/' },
    });
    await expect(repo.deleteConnection(A, 'open')).rejects.toThrow(
      new ConnectionInUseError('Connection open is used by API destination(s) hook; delete them first.'),
    );
    expect(await repo.deleteChannel(A, hook.arn)).toEqual(hook);
    expect(await repo.getChannel(A, 'hook')).toBeUndefined();
    expect((await repo.deleteConnection(A, conn.connectionArn)).name).toBe('open');
    expect(await repo.listConnections(A)).toEqual([]);
  });

  it('survives a restart', async () => {
    const conn = await repo.createConnection(A, apiKeyConnection);
    await db.close();
    db = await EmbeddedDatabase.open(dir);
    repo = await ChannelRepository.open(db, 'eu-west-1');
    expect(await repo.getConnection(A, 'pager')).toEqual(conn);
  });

  it('redacts secrets for API responses', async () => {
    const conn = await repo.createConnection(A, apiKeyConnection);
    const shown = JSON.stringify(redactConnection(conn));
    expect(shown).not.toContain('k-secret');
    expect(shown).not.toContain('hidden');
    expect(shown).not.toContain(conn.signingSecret);
    expect(shown).toContain('X-Api-Key');
    expect(shown).toContain('"X-Team","Value":"sec"');
    const mail = await repo.createChannel(A, {
      name: 'm',
      config: {
        kind: 'email',
        smtp: { host: 'h', password: 'pw-secret', username: 'u' },
        from: 'a@b.c',
        to: ['d@e.f'],
      },
    });
    expect(JSON.stringify(redactChannel(mail))).not.toContain('pw-secret');
    const chat = await repo.createChannel(A, {
      name: 'c',
      config: { kind: 'chat', webhookUrl: 'https://chat.example.test/services/T/B/XYZ' },
    });
    expect(JSON.stringify(redactChannel(chat))).not.toContain('XYZ');
  });
});
