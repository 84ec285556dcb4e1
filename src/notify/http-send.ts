import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
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

/**
 * Kept-alive connections per origin, shared by every channel: a webhook receiving hundreds of
 * notifications a second gets them over a few sockets instead of a handshake each.
 */
const AGENT_OPTIONS = { keepAlive: true, maxSockets: 256, scheduling: 'fifo' as const };
const httpAgent = new HttpAgent(AGENT_OPTIONS);
const httpsAgent = new HttpsAgent(AGENT_OPTIONS);

interface RawResponse {
  status: number;
  retryAfter: string | undefined;
  text: string;
}

/**
 * node:http rather than fetch: under ingest, fetch (undici and its WHATWG streams) cost ~0.4 ms
 * of the event loop per notification (profiled), which bounded deliveries to a few hundred a
 * second and let alerts queue for seconds. Only the start of a body is kept: it is read to free
 * the connection and to say why a failure failed.
 */
function request(req: HttpSendRequest): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const url = new URL(req.url);
    const send = url.protocol === 'https:' ? httpsRequest : url.protocol === 'http:' ? httpRequest : undefined;
    if (!send) return reject(Object.assign(new Error(`unsupported protocol ${url.protocol}`), { code: 'EPROTO' }));
    const body = req.body === undefined ? undefined : Buffer.from(req.body, 'utf8');
    const r = send(url, {
      method: req.method,
      headers: { ...req.headers, ...(body ? { 'content-length': String(body.length) } : {}) },
      agent: url.protocol === 'https:' ? httpsAgent : httpAgent,
    });
    // A deadline for the whole exchange, as fetch's AbortSignal.timeout was (a socket timeout
    // would only notice silence).
    const timer = setTimeout(
      () => r.destroy(Object.assign(new Error('timed out'), { name: 'TimeoutError' })),
      req.timeoutMs,
    );
    r.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    r.on('response', (res) => {
      const chunks: Buffer[] = [];
      let kept = 0;
      res.on('data', (c: Buffer) => {
        if (kept < MAX_ERROR_BODY * 4) {
          chunks.push(c);
          kept += c.length;
        }
      });
      res.on('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      res.on('end', () => {
        clearTimeout(timer);
        const retryAfter = res.headers['retry-after'];
        resolve({
          status: res.statusCode ?? 0,
          retryAfter: Array.isArray(retryAfter) ? retryAfter[0] : retryAfter,
          text: Buffer.concat(chunks).toString('utf8'),
        });
      });
    });
    r.end(body);
  });
}

export async function sendHttp(req: HttpSendRequest): Promise<DeliveryResult> {
  let res: RawResponse;
  try {
    res = await request(req);
  } catch (err) {
    return { ok: false, retryable: true, error: `${req.label}: ${describeRequestError(err, req)}` };
  }
  if (res.status >= 200 && res.status < 300) return { ok: true, status: res.status };
  const text = res.text;
  const snippet = text.length > MAX_ERROR_BODY ? `${text.slice(0, MAX_ERROR_BODY)}…` : text;
  const retryAfterMs = parseRetryAfter(res.retryAfter ?? null, Date.now());
  return {
    ok: false,
    retryable: req.isRetryableStatus(res.status),
    status: res.status,
    error: `${req.label}: ${req.method} ${redactUrl(req.url, req.secretPath)} answered HTTP ${res.status}${snippet ? `: ${snippet}` : ''}`,
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  };
}

function describeRequestError(err: unknown, req: HttpSendRequest): string {
  const where = `${req.method} ${redactUrl(req.url, req.secretPath)}`;
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) {
    return `${where} timed out after ${req.timeoutMs} ms`;
  }
  const code = (err as { code?: string } | undefined)?.code;
  const detail = code ?? (err instanceof Error ? err.message : String(err));
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
