/**
 * The network addresses of a rule's target endpoints, for loop protection: a receiver that
 * calls our API back does so from its own host, so its calls carry one of these as source IP.
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { ChannelRepository } from '../notify/index.js';
import { normalizeAddress } from './loop-guard.js';

/** The endpoint URL a channel ARN delivers to (webhooks and chat), or undefined (email, unknown). */
export type EndpointOf = (arn: string) => Promise<string | undefined>;

export function channelEndpoints(repository: ChannelRepository): EndpointOf {
  return async (arn) => {
    const def = await repository.findByArn(arn);
    if (!def) return undefined;
    if (def.config.kind === 'webhook') return def.config.invocationEndpoint;
    if (def.config.kind === 'chat') return def.config.webhookUrl;
    return undefined;
  };
}

export class TargetAddresses {
  private readonly hosts = new Map<string, { addresses: string[]; atMs: number }>();

  constructor(
    private readonly endpointOf: EndpointOf,
    private readonly ttlMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Every address of every endpoint among `arns`; unresolvable hosts contribute nothing. */
  async of(arns: readonly string[]): Promise<Set<string>> {
    const out = new Set<string>();
    for (const arn of arns) {
      let url: URL;
      try {
        const endpoint = await this.endpointOf(arn);
        if (!endpoint) continue;
        url = new URL(endpoint);
      } catch {
        continue;
      }
      const host = url.hostname.replace(/^\[|\]$/g, '');
      for (const a of await this.resolve(host)) out.add(a);
    }
    return out;
  }

  private async resolve(host: string): Promise<string[]> {
    if (isIP(host)) return [normalizeAddress(host)];
    const hit = this.hosts.get(host);
    if (hit && this.now() - hit.atMs < this.ttlMs) return hit.addresses;
    let addresses: string[];
    try {
      addresses = (await lookup(host, { all: true })).map((a) => normalizeAddress(a.address));
    } catch {
      addresses = [];
    }
    this.hosts.set(host, { addresses, atMs: this.now() });
    return addresses;
  }
}
