import { ApiError } from '../../errors.js';
import { optionalInteger, optionalString } from '../../params.js';
import type { Operation } from '../operation.js';

export const listChannels: Operation = {
  name: 'ListChannels',
  readOnly: true,
  async handle(input, { ctx, caller }) {
    const max = optionalInteger(input, 'MaxResults', 1, 1000) ?? 1000;
    const token = optionalString(input, 'NextToken', { min: 4, max: 1000 });
    const all = await ctx.channels.list(caller.accountId);
    let start = 0;
    if (token !== undefined) {
      start = Number(
        Buffer.from(token, 'base64url')
          .toString('utf8')
          .replace(/^channels:/, ''),
      );
      if (!Number.isInteger(start) || start < 0 || start > all.length) {
        throw new ApiError('InvalidNextTokenException', 'The NextToken is not valid.');
      }
    }
    const page = all.slice(start, start + max);
    const next = start + max < all.length ? Buffer.from(`channels:${start + max}`).toString('base64url') : undefined;
    return {
      Channels: page.map((c) => ({ ChannelArn: c.channelArn, Name: c.name })),
      ...(next ? { NextToken: next } : {}),
    };
  },
};
