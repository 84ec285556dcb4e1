/**
 * The Channel / Target extension point (DESIGN §3): one interface that webhooks, email and chat
 * webhooks implement. A channel makes ONE delivery attempt and says whether a failure is worth
 * retrying; retries, backoff, persistence and dead letters belong to the dispatcher, so every
 * channel gets the same at-least-once behaviour and none of them can block ingest.
 */

/** What rules and alarm actions hand to a channel. `id` is stable across retries and replays. */
export interface NotificationMessage {
  id: string;
  /** A one-line summary (email subject, chat fallback text); derived from the body when absent. */
  subject?: string;
  /** A JSON value (an EventBridge envelope, an alarm state change, an InputTransformer result) or text. */
  body: object | string;
  /** Free-form string attributes (rule name, alarm name, …), carried to the receiver where it can take them. */
  attributes?: Record<string, string>;
}

export interface DeliveryContext {
  /** 1 for the first attempt. */
  attempt: number;
}

export type DeliveryResult =
  | { ok: true; status?: number; detail?: string }
  | {
      ok: false;
      /** False when trying again cannot help (a 400, a rejected recipient, a bad configuration). */
      retryable: boolean;
      /** HTTP status or SMTP reply code, when the receiver answered. */
      status?: number;
      /** What went wrong, precise enough to act on; never contains secrets. */
      error: string;
      /** The receiver asked us to wait at least this long (HTTP Retry-After). */
      retryAfterMs?: number;
    };

export type ChannelKind = 'webhook' | 'email' | 'chat';

export interface Channel {
  readonly arn: string;
  readonly kind: ChannelKind;
  /** One attempt. Resolves (never rejects) with the outcome. */
  deliver(message: NotificationMessage, context?: DeliveryContext): Promise<DeliveryResult>;
  /** Releases sockets and pools; idempotent. */
  close(): Promise<void>;
}

/** Turns an unexpected throw from a channel into a retryable failure, so a bug cannot wedge a worker. */
export async function safeDeliver(
  channel: Channel,
  message: NotificationMessage,
  context: DeliveryContext,
): Promise<DeliveryResult> {
  try {
    return await channel.deliver(message, context);
  } catch (err) {
    const text = err instanceof Error ? err.message : String(err);
    return { ok: false, retryable: true, error: `${channel.kind} channel ${channel.arn} threw: ${text}` };
  }
}

/** The body as the text a receiver gets: JSON for values, the string itself for text. */
export function bodyText(body: object | string): string {
  return typeof body === 'string' ? body : JSON.stringify(body);
}
