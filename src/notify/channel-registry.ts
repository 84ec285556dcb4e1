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

interface CachedChannel {
  channel: Channel;
  /** What the channel was built from; an unchanged definition keeps the live channel. */
  fingerprint: string;
  loadedAt: number;
}

/**
 * Resolves ARNs to live channels through the repository, keeping each channel (and so its rate
 * limiter and SMTP pool) and checking its definition again every `ttlMs`; a deleted or changed
 * channel is noticed within about that time, or at once when the caller calls `invalidate`.
 *
 * A check runs once per ARN however many deliveries ask meanwhile, and they are served the
 * channel they had while it runs: when every attempt past the TTL read the definition itself,
 * 256 deliveries in flight made 512 queries (and reader connections) on the database every
 * 5 s, and the webhooks of those seconds waited behind them (the ingest→webhook p99). A channel
 * whose definition did not change is kept, not rebuilt.
 */
export class ChannelRegistry {
  private readonly cache = new Map<string, CachedChannel>();
  private readonly loading = new Map<string, Promise<Channel | { missing: string }>>();

  constructor(
    private readonly repository: ChannelRepository,
    private readonly clock: Clock = systemClock,
    private readonly ttlMs = 5000,
  ) {}

  readonly resolve: ChannelResolver = (arn) => {
    const hit = this.cache.get(arn);
    if (!hit) return this.load(arn);
    if (this.clock.now() - hit.loadedAt >= this.ttlMs) {
      // Checked in the background; a failed check keeps the channel and is tried again next time.
      void this.load(arn).catch(() => undefined);
    }
    return Promise.resolve(hit.channel);
  };

  /** Reads the definition (once at a time per ARN) and updates the cache. */
  private load(arn: string): Promise<Channel | { missing: string }> {
    const running = this.loading.get(arn);
    if (running) return running;
    const load = this.read(arn).finally(() => this.loading.delete(arn));
    this.loading.set(arn, load);
    return load;
  }

  private async read(arn: string): Promise<Channel | { missing: string }> {
    const def = await this.repository.findByArn(arn);
    const wanted = def?.config.kind === 'webhook' ? def.config.connectionArn : undefined;
    const connection = def && wanted ? await this.repository.getConnection(def.accountId, wanted) : undefined;
    const old = this.cache.get(arn);
    if (!def || (wanted && !connection)) {
      this.cache.delete(arn);
      await old?.channel.close();
      return {
        missing: def
          ? `API destination ${arn} names connection ${wanted}, which does not exist`
          : `no notification channel ${arn}`,
      };
    }
    const fingerprint = JSON.stringify([def, connection ?? null]);
    if (old && old.fingerprint === fingerprint) {
      old.loadedAt = this.clock.now();
      return old.channel;
    }
    const channel = openChannel(def, connection, this.clock);
    this.cache.set(arn, { channel, fingerprint, loadedAt: this.clock.now() });
    await old?.channel.close();
    return channel;
  }

  /** Resolves once the definition checks running now have finished. */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.loading.values()]);
  }

  async invalidate(arn: string): Promise<void> {
    const hit = this.cache.get(arn);
    this.cache.delete(arn);
    await hit?.channel.close();
  }

  async close(): Promise<void> {
    await this.settled();
    const all = [...this.cache.values()];
    this.cache.clear();
    await Promise.all(all.map((h) => h.channel.close()));
  }
}
