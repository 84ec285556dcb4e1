import type { DeliveryResult } from './channel.js';

/**
 * One HTTP request for a webhook or chat channel, turned into a DeliveryResult. Redirects are
 * not followed (an endpoint is configured exactly, and following them would let a receiver
 * point us at another host); network errors and timeouts are retryable; which statuses are
 * retryable is the caller's policy.
 */
export interface HttpSendRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
  isRetryableStatus: (status: number) => boolean;
  /** Names the channel in error messages. */
  label: string;
  /** The URL path is a credential (Slack-style webhook URLs): error messages show only the origin. */
  secretPath?: boolean;
}

const MAX_ERROR_BODY = 300;

export async function sendHttp(req: HttpSendRequest): Promise<DeliveryResult> {
  let res: Response;
  try {
    res = await fetch(req.url, {
      method: req.method,
      headers: req.headers,
      ...(req.body === undefined ? {} : { body: req.body }),
      redirect: 'manual',
      signal: AbortSignal.timeout(req.timeoutMs),
    });
  } catch (err) {
    return { ok: false, retryable: true, error: `${req.label}: ${describeFetchError(err, req)}` };
  }
  // Read the body either way: it frees the connection, and a failure's body says why.
  let text = '';
  try {
    text = await res.text();
  } catch (err) {
    if (res.ok) return { ok: false, retryable: true, error: `${req.label}: ${describeFetchError(err, req)}` };
  }
  if (res.status >= 200 && res.status < 300) return { ok: true, status: res.status };
  const snippet = text.length > MAX_ERROR_BODY ? `${text.slice(0, MAX_ERROR_BODY)}…` : text;
  const retryAfterMs = parseRetryAfter(res.headers.get('retry-after'), Date.now());
  return {
    ok: false,
    retryable: req.isRetryableStatus(res.status),
    status: res.status,
    error: `${req.label}: ${req.method} ${redactUrl(req.url, req.secretPath)} answered HTTP ${res.status}${snippet ? `: ${snippet}` : ''}`,
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  };
}

function describeFetchError(err: unknown, req: HttpSendRequest): string {
  const where = `${req.method} ${redactUrl(req.url, req.secretPath)}`;
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) {
    return `${where} timed out after ${req.timeoutMs} ms`;
  }
  const cause = err instanceof Error ? (err.cause as { code?: string; message?: string } | undefined) : undefined;
  const detail = cause?.code ?? cause?.message ?? (err instanceof Error ? err.message : String(err));
  return `${where} failed: ${detail}`;
}

/** Query strings can carry credentials (connection query parameters); error messages must not. */
export function redactUrl(url: string, secretPath = false): string {
  try {
    const u = new URL(url);
    if (secretPath) return `${u.origin}/…`;
    return `${u.origin}${u.pathname}${u.search ? '?…' : ''}`;
  } catch {
    return '(unparseable URL)';
  }
}

/** Retry-After is either delta-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfter(value: string | null, nowMs: number): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}
