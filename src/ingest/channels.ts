import { randomUUID } from 'node:crypto';
import type { EmbeddedDatabase } from '../store/duckdb/database.js';

/** A CloudTrail Lake channel: where PutAuditEvents writes, mapped to the account that owns it. */
export interface Channel {
  channelArn: string;
  accountId: string;
  name: string;
  source: string;
  region: string;
  createdAtMs: number;
}

export const DEFAULT_CHANNEL_NAME = 'default';
export const MAX_CHANNELS_PER_ACCOUNT = 25;

const CHANNEL_ARN = /^arn:aws:cloudtrail:([a-z0-9-]+):(\d{12}):channel\/([A-Za-z0-9._-]+)$/;

export function channelArn(region: string, accountId: string, id: string): string {
  return `arn:aws:cloudtrail:${region}:${accountId}:channel/${id}`;
}

export function parseChannelArn(arn: string): { region: string; accountId: string; id: string } | undefined {
  const m = CHANNEL_ARN.exec(arn);
  return m ? { region: m[1]!, accountId: m[2]!, id: m[3]! } : undefined;
}

/** Every account has a channel named `default`; it exists without being created. */
export function defaultChannel(accountId: string, region: string): Channel {
  return {
    channelArn: channelArn(region, accountId, DEFAULT_CHANNEL_NAME),
    accountId,
    name: DEFAULT_CHANNEL_NAME,
    source: 'Custom',
    region,
    createdAtMs: 0,
  };
}

export class ChannelExistsError extends Error {}
export class ChannelLimitError extends Error {}

export class ChannelStore {
  constructor(
    private readonly db: EmbeddedDatabase,
    private readonly region: string,
  ) {}

  /** Finds a channel of `accountId` by ARN or by id/name; the default channel always resolves. */
  async find(accountId: string, ref: string): Promise<Channel | undefined> {
    const parsed = parseChannelArn(ref);
    const id = parsed ? parsed.id : ref;
    if (parsed && parsed.accountId !== accountId) return undefined;
    if (id === DEFAULT_CHANNEL_NAME) return defaultChannel(accountId, parsed?.region ?? this.region);
    const arn = parsed ? ref : channelArn(this.region, accountId, id);
    const r = await this.db.read((c) =>
      c.runAndReadAll(
        `SELECT channel_arn, account_id, name, source, region, epoch_ms(created_at) FROM channels
         WHERE account_id = $account AND (channel_arn = $arn OR name = $id)`,
        { account: accountId, arn, id },
      ),
    );
    const row = r.getRows()[0];
    return row ? rowToChannel(row) : undefined;
  }

  async list(accountId: string): Promise<Channel[]> {
    const r = await this.db.read((c) =>
      c.runAndReadAll(
        `SELECT channel_arn, account_id, name, source, region, epoch_ms(created_at) FROM channels
         WHERE account_id = $account ORDER BY created_at, name`,
        { account: accountId },
      ),
    );
    return [defaultChannel(accountId, this.region), ...r.getRows().map(rowToChannel)];
  }

  async create(accountId: string, name: string, source: string): Promise<Channel> {
    const channel: Channel = {
      channelArn: channelArn(this.region, accountId, randomUUID()),
      accountId,
      name,
      source,
      region: this.region,
      createdAtMs: Date.now(),
    };
    await this.db.write(async (w) => {
      const existing = await w.runAndReadAll(
        'SELECT count(*), count(*) FILTER (WHERE name = $name) FROM channels WHERE account_id = $account',
        { account: accountId, name },
      );
      const [total, sameName] = (existing.getRows()[0] ?? [0, 0]).map(Number);
      if (name === DEFAULT_CHANNEL_NAME || sameName! > 0) {
        throw new ChannelExistsError(`A channel named ${name} already exists in account ${accountId}.`);
      }
      // The implicit default channel counts toward the quota.
      if (total! + 1 >= MAX_CHANNELS_PER_ACCOUNT) {
        throw new ChannelLimitError(`The account ${accountId} already has ${MAX_CHANNELS_PER_ACCOUNT} channels.`);
      }
      await w.run(
        `INSERT INTO channels VALUES ($arn, $account, $name, $source, $region, make_timestamp($created * 1000))`,
        {
          arn: channel.channelArn,
          account: accountId,
          name,
          source,
          region: this.region,
          created: channel.createdAtMs,
        },
      );
    });
    return channel;
  }

  /** Deletes a created channel; returns false when there was none. */
  async delete(accountId: string, channelArnValue: string): Promise<boolean> {
    const r = await this.db.write((w) =>
      w.runAndReadAll('DELETE FROM channels WHERE account_id = $account AND channel_arn = $arn RETURNING name', {
        account: accountId,
        arn: channelArnValue,
      }),
    );
    return r.getRows().length > 0;
  }
}

function rowToChannel(row: unknown[]): Channel {
  return {
    channelArn: row[0] as string,
    accountId: row[1] as string,
    name: row[2] as string,
    source: row[3] as string,
    region: row[4] as string,
    createdAtMs: Number(row[5]),
  };
}
