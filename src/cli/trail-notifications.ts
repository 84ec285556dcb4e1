/**
 * Where a trail's delivery notifications go: the notification channel (src/notify) that its SNS
 * topic names. `arn:aws:sns:REGION:ACCOUNT:NAME` is the channel called NAME in ACCOUNT (channel
 * names are unique per account across kinds: a webhook, email or chat channel can stand in for
 * the topic); the message is CloudTrail's SNS `Message`, sent as the body, as alarms send
 * CloudWatch's (detect-services.ts).
 */
import type { Dispatcher, ChannelRepository } from '../notify/index.js';
import type { LogFileNotice, LogFileNotifier } from '../trails/delivery/index.js';

const TOPIC_ARN = /^arn:[a-z-]+:sns:[a-z0-9-]+:(\d{12}):([A-Za-z0-9_-]{1,256})$/;

export interface TrailNotifierOptions {
  channels: ChannelRepository;
  /** The dispatcher, once it runs (serve starts it before delivery). */
  dispatcher: () => Dispatcher | undefined;
}

export function trailNotifier(o: TrailNotifierOptions): LogFileNotifier {
  return async (notice: LogFileNotice) => {
    const m = TOPIC_ARN.exec(notice.topicArn);
    if (!m) throw new Error(`SnsTopicARN ${notice.topicArn} is not an SNS topic ARN (arn:aws:sns:REGION:ACCOUNT:NAME)`);
    const [, accountId, name] = m as unknown as [string, string, string];
    if (accountId !== notice.trail.accountId) {
      throw new Error(
        `SNS topic ${notice.topicArn} belongs to account ${accountId}; a trail of ${notice.trail.accountId} can only use its own account's notification channels`,
      );
    }
    const channel = await o.channels.getChannel(accountId, name);
    if (!channel) {
      throw new Error(
        `SNS topic ${notice.topicArn}: account ${accountId} has no notification channel named ${name} (create one with that name to receive log file notifications)`,
      );
    }
    const dispatcher = o.dispatcher();
    if (!dispatcher) throw new Error('the notification dispatcher is not running');
    const r = dispatcher.enqueue({
      channelArn: channel.arn,
      accountId,
      message: {
        id: notice.messageId,
        subject: `CloudTrail delivered ${notice.keys.length} log file${notice.keys.length === 1 ? '' : 's'} to ${notice.bucket}`,
        body: notice.message,
        attributes: { trailArn: notice.trail.trailArn, topicArn: notice.topicArn },
      },
    });
    if (r.status === 'dropped') throw new Error(`log file notification to ${channel.arn} dropped: ${r.reason}`);
  };
}
