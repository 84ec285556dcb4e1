import type { Channel, DeliveryContext, DeliveryResult, NotificationMessage } from '../channel.js';
import type { ChatConfig } from '../config.js';
import { sendHttp } from '../http-send.js';
import { slackPayload } from './slack-payload.js';

/** Slack answers 429 when rate limited and 5xx when down; its 4xx (invalid_payload, no_service, channel_is_archived) are final. */
export function isRetryableChatStatus(status: number): boolean {
  return status === 429 || status >= 500;
}

/** A Slack-compatible incoming webhook (Slack, Mattermost, Rocket.Chat and others accept this shape). */
export class ChatChannel implements Channel {
  readonly kind = 'chat' as const;

  constructor(
    readonly arn: string,
    private readonly config: ChatConfig,
  ) {}

  async deliver(message: NotificationMessage, _context?: DeliveryContext): Promise<DeliveryResult> {
    return sendHttp({
      url: this.config.webhookUrl,
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8', 'user-agent': 'OpenTrail-Notify/1 (chat)' },
      body: JSON.stringify(slackPayload(message)),
      timeoutMs: this.config.timeoutMs,
      isRetryableStatus: isRetryableChatStatus,
      label: `chat channel ${this.arn}`,
      secretPath: true,
    });
  }

  async close(): Promise<void> {
    // fetch pools its own sockets; nothing of ours to release.
  }
}
