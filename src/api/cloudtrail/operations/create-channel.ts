import { ChannelExistsError, ChannelLimitError } from '../../../ingest/channels.js';
import { ApiError } from '../../errors.js';
import { optionalString, requiredString } from '../../params.js';
import type { Operation } from '../operation.js';
import { channelDestinations } from './channel-shape.js';

export const createChannel: Operation = {
  name: 'CreateChannel',
  readOnly: false,
  async handle(input, { ctx, caller }) {
    const name = requiredString(input, 'Name', { min: 3, max: 128, pattern: /^[a-zA-Z0-9._/\-:]+$/ });
    const source = requiredString(input, 'Source', { min: 1, max: 256, pattern: /.*/ });
    optionalString(input, 'Description');
    try {
      const c = await ctx.channels.create(caller.accountId, name, source);
      return {
        ChannelArn: c.channelArn,
        Name: c.name,
        Source: c.source,
        Destinations: Array.isArray(input.Destinations) ? input.Destinations : channelDestinations(),
        Tags: Array.isArray(input.Tags) ? input.Tags : [],
      };
    } catch (err) {
      if (err instanceof ChannelExistsError) throw new ApiError('ChannelAlreadyExistsException', err.message);
      if (err instanceof ChannelLimitError) throw new ApiError('ChannelMaxLimitExceededException', err.message);
      throw err;
    }
  },
};
