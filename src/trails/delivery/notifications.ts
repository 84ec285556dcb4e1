/**
 * Delivery notifications (spec §2): a trail with an SNS topic announces its delivered log files
 * with CloudTrail's SNS message, `{"s3Bucket":"BUCKET","s3ObjectKey":["AWSLogs/…json.gz", …]}`
 * (several keys in one message, as AWS may batch them). Where the message goes is not delivery's
 * business: the scheduler hands each written batch to a `LogFileNotifier` (serve wires it to the
 * notify dispatcher and the channel the topic names).
 */
import { createHash } from 'node:crypto';
import type { Trail } from '../model.js';

/** What CloudTrail publishes to the trail's topic: the SNS `Message`. */
export interface LogFileNotificationMessage {
  s3Bucket: string;
  s3ObjectKey: string[];
}

/** One written batch's files, announced to the trail's topic. */
export interface LogFileNotice {
  trail: Trail;
  /** The trail's SnsTopicARN. */
  topicArn: string;
  bucket: string;
  keys: string[];
  /**
   * The same for the same files: a batch written again after a crash is announced again under
   * this id, so receivers can drop the second copy (the webhook's X-OpenTrail-Delivery-Id).
   */
  messageId: string;
  message: LogFileNotificationMessage;
}

/** Sends a notice on its way; a rejection is recorded as the trail's LatestNotificationError. */
export type LogFileNotifier = (notice: LogFileNotice) => Promise<void>;

/** The notice of a batch's files, or undefined when the trail has no topic or there are no files. */
export function logFileNotice(trail: Trail, bucket: string, keys: readonly string[]): LogFileNotice | undefined {
  if (trail.snsTopicArn === undefined || keys.length === 0) return undefined;
  const h = createHash('sha256')
    .update(`${trail.trailArn}\n${bucket}\n${keys.join('\n')}`)
    .digest('hex');
  // A UUID-shaped id (version 5 layout) derived from the files, as SNS message ids are UUIDs.
  const messageId = `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
  return {
    trail,
    topicArn: trail.snsTopicArn,
    bucket,
    keys: [...keys],
    messageId,
    message: { s3Bucket: bucket, s3ObjectKey: [...keys] },
  };
}
