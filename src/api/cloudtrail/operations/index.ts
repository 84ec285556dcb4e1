import type { Operation } from '../operation.js';
import { createChannel } from './create-channel.js';
import { deleteChannel } from './delete-channel.js';
import { getChannel } from './get-channel.js';
import { listChannels } from './list-channels.js';
import { lookupEvents } from './lookup-events.js';

/** Every CloudTrail operation this server answers, by name. */
export const CLOUDTRAIL_OPERATIONS: ReadonlyMap<string, Operation> = new Map(
  [createChannel, getChannel, listChannels, deleteChannel, lookupEvents].map((op) => [op.name, op]),
);
