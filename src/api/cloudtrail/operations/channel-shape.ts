import type { Channel } from '../../../ingest/channels.js';
import { parseChannelArn } from '../../../ingest/channels.js';
import { ApiError } from '../../errors.js';
import type { AppContext, Caller } from '../../context.js';

/** The `Channel` parameter: an ARN, a channel id, or (for the default channel) its name. */
export async function resolveChannel(ref: string, ctx: AppContext, caller: Caller): Promise<Channel> {
  if (ref.startsWith('arn:') && !parseChannelArn(ref)) {
    throw new ApiError('ChannelARNInvalidException', `The specified channel ARN ${ref} is not a valid channel ARN.`);
  }
  const channel = await ctx.channels.find(caller.accountId, ref);
  if (!channel) throw new ApiError('ChannelNotFoundException', `The channel ${ref} was not found.`);
  return channel;
}

export function channelDestinations(): { Type: string; Location: string }[] {
  // Every channel feeds the account's event store: the embedded event history.
  return [{ Type: 'EVENT_DATA_STORE', Location: 'opentrail' }];
}
