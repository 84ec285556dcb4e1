/** The notify module's public surface: what rules, monitors, the API and the CLI import. */
export type { Channel, ChannelKind, DeliveryContext, DeliveryResult, NotificationMessage } from './channel.js';
export {
  apiDestinationArn,
  channelArn,
  connectionArn,
  isDeliverableArn,
  parseNotifyArn,
  type NotifyArn,
} from './arns.js';
export type { Clock } from './clock.js';
export { systemClock } from './clock.js';
export {
  AUTHORIZATION_TYPES,
  HTTP_METHODS,
  InvalidChannelConfigError,
  type AuthorizationType,
  type ChannelConfig,
  type ChannelConfigInput,
  type ChannelDefinition,
  type ChatConfig,
  type Connection,
  type ConnectionAuthParameters,
  type CreateChannelInput,
  type CreateConnectionInput,
  type EmailConfig,
  type HttpMethod,
  type WebhookConfig,
} from './config.js';
export {
  ChannelRepository,
  ConnectionInUseError,
  NotifyResourceExistsError,
  NotifyResourceNotFoundError,
  redactChannel,
  redactConnection,
} from './repository.js';
export { ChannelRegistry, openChannel, type ChannelResolver } from './channel-registry.js';
export {
  DeadLetterAlreadyReplayedError,
  DeadLetterNotFoundError,
  Dispatcher,
  type DeadLetter,
  type DeadLetterReason,
  type DispatcherCounters,
  type DispatcherOptions,
  type EnqueueResult,
  type NotificationRequest,
  type ShutdownReport,
} from './dispatcher.js';
export { DEFAULT_RETRY_POLICY, resolveRetryPolicy, type RetryPolicy } from './retry-policy.js';
export { summarize, type Summary } from './format.js';
export { WebhookChannel, isRetryableWebhookStatus } from './webhook/webhook-channel.js';
export {
  SIGNATURE_HEADER,
  computeSignature,
  signatureHeaderValue,
  verifySignature,
  type SignatureCheck,
} from './webhook/signature.js';
export { EmailChannel } from './email/email-channel.js';
export { ChatChannel } from './chat/chat-channel.js';
export { slackPayload } from './chat/slack-payload.js';
