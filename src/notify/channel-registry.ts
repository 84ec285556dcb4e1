import type { Channel } from './channel.js';
import { ChatChannel } from './chat/chat-channel.js';
import type { Clock } from './clock.js';
import { systemClock } from './clock.js';
import type { ChannelDefinition, Connection } from './config.js';
import { EmailChannel } from './email/email-channel.js';
import type { ChannelRepository } from './repository.js';
import { WebhookChannel } from './webhook/webhook-channel.js';

/** Builds the Channel a stored definition describes; webhooks need their connection. */
export function openChannel(
  def: ChannelDefinition,
  connection: Connection | undefined,
  clock: Clock = systemClock,
): Channel {
  const c = def.config;
  switch (c.kind) {
    case 'webhook':
      if (!connection)
        throw new Error(`API destination ${def.arn} names connection ${c.connectionArn}, which does not exist`);
      return new WebhookChannel(def.arn, c, connection, clock);
    case 'email':
      return new EmailChannel(def.arn, c);
    case 'chat':
      return new ChatChannel(def.arn, c);
  }
}

/** Finds the Channel for an ARN, or says why there is none. */
export type ChannelResolver = (arn: string) => Promise<Channel | { missing: string }>;

/**
 * Resolves ARNs to live channels through the repository, keeping each channel (and so its rate
 * limiter and SMTP pool) for `ttlMs`; a deleted or changed channel is noticed within that time,
 * or at once when the caller calls `invalidate`.
 */
export class ChannelRegistry {
  private readonly cache = new Map<string, { channel: Channel; loadedAt: number }>();

  constructor(
    private readonly repository: ChannelRepository,
    private readonly clock: Clock = systemClock,
    private readonly ttlMs = 5000,
  ) {}

  readonly resolve: ChannelResolver = async (arn) => {
    const hit = this.cache.get(arn);
    if (hit && this.clock.now() - hit.loadedAt < this.ttlMs) return hit.channel;
    const def = await this.repository.findByArn(arn);
    if (hit) {
      this.cache.delete(arn);
      await hit.channel.close();
    }
    if (!def) return { missing: `no notification channel ${arn}` };
    let connection: Connection | undefined;
    if (def.config.kind === 'webhook') {
      connection = await this.repository.getConnection(def.accountId, def.config.connectionArn);
      if (!connection)
        return { missing: `API destination ${arn} names connection ${def.config.connectionArn}, which does not exist` };
    }
    const channel = openChannel(def, connection, this.clock);
    this.cache.set(arn, { channel, loadedAt: this.clock.now() });
    return channel;
  };

  async invalidate(arn: string): Promise<void> {
    const hit = this.cache.get(arn);
    this.cache.delete(arn);
    await hit?.channel.close();
  }

  async close(): Promise<void> {
    const all = [...this.cache.values()];
    this.cache.clear();
    await Promise.all(all.map((h) => h.channel.close()));
  }
}
