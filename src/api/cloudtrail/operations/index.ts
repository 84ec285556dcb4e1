import type { Operation } from '../operation.js';
import { createChannel } from './create-channel.js';
import { deleteChannel } from './delete-channel.js';
import { getChannel } from './get-channel.js';
import { listChannels } from './list-channels.js';
import { lookupEvents } from './lookup-events.js';
import { addTags } from './add-tags.js';
import { createTrail } from './create-trail.js';
import { deleteTrail } from './delete-trail.js';
import { describeTrails } from './describe-trails.js';
import { getEventSelectors } from './get-event-selectors.js';
import { getTrail } from './get-trail.js';
import { getTrailStatus } from './get-trail-status.js';
import { listPublicKeys } from './list-public-keys.js';
import { listTags } from './list-tags.js';
import { listTrails } from './list-trails.js';
import { putEventSelectors } from './put-event-selectors.js';
import { removeTags } from './remove-tags.js';
import { startLogging } from './start-logging.js';
import { stopLogging } from './stop-logging.js';
import { updateTrail } from './update-trail.js';

/** Every CloudTrail operation this server answers, by name. */
export const CLOUDTRAIL_OPERATIONS: ReadonlyMap<string, Operation> = new Map(
  [
    createChannel,
    getChannel,
    listChannels,
    deleteChannel,
    lookupEvents,
    // Trails
    createTrail,
    updateTrail,
    deleteTrail,
    getTrail,
    describeTrails,
    listTrails,
    getTrailStatus,
    startLogging,
    stopLogging,
    putEventSelectors,
    getEventSelectors,
    addTags,
    removeTags,
    listTags,
    listPublicKeys,
  ].map((op) => [op.name, op]),
);
