import type { Channel, DeliveryContext, DeliveryResult, NotificationMessage } from '../channel.js';
import { bodyText } from '../channel.js';
import type { Clock } from '../clock.js';
import { systemClock } from '../clock.js';
import type { Connection, WebhookConfig } from '../config.js';
import { sendHttp } from '../http-send.js';
import { RateLimiter } from './rate-limiter.js';
import { SIGNATURE_HEADER, signatureHeaderValue } from './signature.js';

export const USER_AGENT = 'OpenTrail-Notify/1 (API destination)';
export const DELIVERY_ID_HEADER = 'X-OpenTrail-Delivery-Id';
export const ATTEMPT_HEADER = 'X-OpenTrail-Attempt';

/**
 * EventBridge retries an API destination on 401, 407, 409, 429 and 5xx and on network errors
 * and timeouts; other statuses (1xx, 3xx, the rest of 4xx) are final.
 */
export function isRetryableWebhookStatus(status: number): boolean {
  return status === 401 || status === 407 || status === 409 || status === 429 || status >= 500;
}

const METHODS_WITHOUT_BODY = new Set(['GET', 'HEAD']);

/** An EventBridge API destination with its connection: one signed HTTP request per attempt. */
export class WebhookChannel implements Channel {
  readonly kind = 'webhook' as const;
  private readonly limiter: RateLimiter;

  constructor(
    readonly arn: string,
    private readonly destination: WebhookConfig,
    private readonly connection: Connection,
    private readonly clock: Clock = systemClock,
  ) {
    this.limiter = new RateLimiter(destination.invocationRateLimitPerSecond, clock);
  }

  async deliver(message: NotificationMessage, context: DeliveryContext = { attempt: 1 }): Promise<DeliveryResult> {
    const request = this.buildRequest(message, context);
    await this.limiter.acquire();
    return sendHttp({
      ...request,
      timeoutMs: this.destination.timeoutMs,
      isRetryableStatus: isRetryableWebhookStatus,
      label: `webhook ${this.arn}`,
    });
  }

  /** The request an attempt sends; exposed for tests and for showing a user what will be sent. */
  buildRequest(
    message: NotificationMessage,
    context: DeliveryContext,
  ): { url: string; method: string; headers: Record<string, string>; body?: string } {
    const { httpMethod } = this.destination;
    const params = this.connection.authParameters.InvocationHttpParameters ?? {};
    const url = new URL(this.destination.invocationEndpoint);
    for (const q of params.QueryStringParameters ?? []) url.searchParams.append(q.Key, q.Value);

    const hasBody = !METHODS_WITHOUT_BODY.has(httpMethod);
    const body = hasBody ? bodyText(withBodyParameters(message.body, params.BodyParameters ?? [])) : '';
    const headers: Record<string, string> = {};
    // Connection header parameters first, so nothing they say can override auth or signature.
    for (const h of params.HeaderParameters ?? []) headers[h.Key.toLowerCase()] = h.Value;
    if (hasBody) headers['content-type'] = contentType(message.body);
    headers['user-agent'] = USER_AGENT;
    Object.assign(headers, authHeaders(this.connection));
    const t = Math.floor(this.clock.now() / 1000);
    headers[SIGNATURE_HEADER.toLowerCase()] = signatureHeaderValue(this.connection.signingSecret, t, body);
    headers[DELIVERY_ID_HEADER.toLowerCase()] = message.id;
    headers[ATTEMPT_HEADER.toLowerCase()] = String(context.attempt);
    return { url: url.toString(), method: httpMethod, headers, ...(hasBody ? { body } : {}) };
  }

  async close(): Promise<void> {
    // Sockets are pooled per origin by http-send.ts for every channel; nothing of ours to release.
  }
}

function authHeaders(connection: Connection): Record<string, string> {
  const p = connection.authParameters;
  switch (connection.authorizationType) {
    case 'API_KEY': {
      const k = p.ApiKeyAuthParameters;
      if (!k) throw new Error(`connection ${connection.connectionArn} is API_KEY but has no ApiKeyAuthParameters`);
      return { [k.ApiKeyName.toLowerCase()]: k.ApiKeyValue };
    }
    case 'BASIC': {
      const b = p.BasicAuthParameters;
      if (!b) throw new Error(`connection ${connection.connectionArn} is BASIC but has no BasicAuthParameters`);
      return { authorization: `Basic ${Buffer.from(`${b.Username}:${b.Password}`, 'utf8').toString('base64')}` };
    }
    case 'NONE':
      return {};
  }
}

/** Connection body parameters join a JSON object body; they never replace what the message says. */
function withBodyParameters(body: object | string, extra: readonly { Key: string; Value: string }[]): object | string {
  if (extra.length === 0 || typeof body === 'string' || Array.isArray(body)) return body;
  const merged: Record<string, unknown> = {};
  for (const p of extra) merged[p.Key] = p.Value;
  return Object.assign(merged, body);
}

/** EventBridge sends JSON; a text body (an InputTransformer string template) is sent as text unless it is JSON. */
function contentType(body: object | string): string {
  if (typeof body !== 'string') return 'application/json; charset=utf-8';
  try {
    JSON.parse(body);
    return 'application/json; charset=utf-8';
  } catch {
    return 'text/plain; charset=utf-8';
  }
}
