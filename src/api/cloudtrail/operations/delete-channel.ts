import { DEFAULT_CHANNEL_NAME } from '../../../ingest/channels.js';
import { ApiError } from '../../errors.js';
import { requiredString } from '../../params.js';
import type { Operation } from '../operation.js';
import { resolveChannel } from './channel-shape.js';

export const deleteChannel: Operation = {
  name: 'DeleteChannel',
  readOnly: false,
  async handle(input, { ctx, caller }) {
    const ref = requiredString(input, 'Channel', { min: 3, max: 256 });
    const c = await resolveChannel(ref, ctx, caller);
    if (c.name === DEFAULT_CHANNEL_NAME) {
      throw new ApiError(
        'InvalidParameterException',
        "The default channel is part of every account and can't be deleted.",
      );
    }
    await ctx.channels.delete(caller.accountId, c.channelArn);
    return {};
  },
};
