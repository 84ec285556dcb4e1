import { requiredString } from '../../params.js';
import type { Operation } from '../operation.js';
import { channelDestinations, resolveChannel } from './channel-shape.js';

export const getChannel: Operation = {
  name: 'GetChannel',
  readOnly: true,
  async handle(input, { ctx, caller }) {
    const ref = requiredString(input, 'Channel', { min: 3, max: 256 });
    const c = await resolveChannel(ref, ctx, caller);
    return {
      ChannelArn: c.channelArn,
      Name: c.name,
      Source: c.source,
      SourceConfig: { ApplyToAllRegions: false, AdvancedEventSelectors: [] },
      Destinations: channelDestinations(),
      IngestionStatus: {},
    };
  },
};
