/**
 * References by name in the config file. An API destination's or connection's ARN ends in a
 * UUID chosen when it is created, so a file cannot spell it in advance; where a declaration
 * takes such an ARN (ConnectionArn, a target's Arn, an alarm's actions) it may instead say
 * `ref:connection/<name>`, `ref:api-destination/<name>` or `ref:channel/<name>`, resolved in
 * the same account when the declaration is applied. Before anything exists (the check before
 * applying), a reference stands for an ARN of the right form, so validators see a valid ARN.
 */
import { apiDestinationArn, channelArn, connectionArn, type ChannelRepository } from '../../notify/index.js';
import { DeclarationError } from './declaration-error.js';

const REF = /^ref:(connection|api-destination|channel)\/(.*)$/;
const PLACEHOLDER_UUID = '00000000-0000-0000-0000-000000000000';

export type RefKind = 'connection' | 'api-destination' | 'channel';

export function parseRef(value: unknown): { kind: RefKind; name: string } | undefined {
  if (typeof value !== 'string') return undefined;
  const m = REF.exec(value);
  return m ? { kind: m[1] as RefKind, name: m[2]! } : undefined;
}

/** Turns references into ARNs: placeholders (to check) or the stored resources' ARNs (to apply). */
export interface RefResolver {
  arn(value: unknown, path: string): Promise<unknown>;
}

export function placeholderRefs(region: string, accountId: string): RefResolver {
  return {
    async arn(value) {
      const ref = parseRef(value);
      if (!ref) return value;
      if (ref.kind === 'connection') return connectionArn(region, accountId, ref.name, PLACEHOLDER_UUID);
      if (ref.kind === 'api-destination') return apiDestinationArn(region, accountId, ref.name, PLACEHOLDER_UUID);
      return channelArn(region, accountId, ref.name);
    },
  };
}

export function storedRefs(notify: ChannelRepository, accountId: string): RefResolver {
  return {
    async arn(value, path) {
      const ref = parseRef(value);
      if (!ref) return value;
      if (ref.kind === 'connection') {
        const c = await notify.getConnection(accountId, ref.name);
        if (!c) throw new DeclarationError(path, `no connection named "${ref.name}" in account ${accountId}`);
        return c.connectionArn;
      }
      const def = await notify.getChannel(accountId, ref.name);
      if (!def || (ref.kind === 'api-destination' && def.config.kind !== 'webhook')) {
        throw new DeclarationError(
          path,
          `no ${ref.kind === 'channel' ? 'notification channel' : 'API destination'} named "${ref.name}" in account ${accountId}`,
        );
      }
      return def.arn;
    },
  };
}

/** A list of ARNs (alarm actions) with each reference resolved; anything else is returned as is. */
export async function resolveArnList(refs: RefResolver, value: unknown, path: string): Promise<unknown> {
  if (!Array.isArray(value)) return value;
  const out: unknown[] = [];
  for (const [i, v] of value.entries()) out.push(await refs.arn(v, `${path}[${i}]`));
  return out;
}
