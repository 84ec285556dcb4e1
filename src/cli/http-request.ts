import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

/** What the server answered. */
export interface HttpAnswer {
  status: number;
  text: string;
}

/**
 * One request from the CLI to an OpenTrail server with exactly the signed headers (fetch would
 * not send the signed Host as given), answered within 30 seconds.
 */
export function cliRequest(
  url: URL,
  request: { method: 'GET' | 'POST'; pathAndQuery: string; headers: Record<string, string>; body?: string },
): Promise<HttpAnswer> {
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  const { body } = request;
  return new Promise((resolve, reject) => {
    const req = send(
      {
        protocol: url.protocol,
        hostname: url.hostname,
        port: url.port,
        method: request.method,
        path: request.pathAndQuery,
        headers: {
          ...request.headers,
          ...(body !== undefined ? { 'content-length': String(Buffer.byteLength(body)) } : {}),
          'user-agent': 'opentrail-cli/0.1.0',
        },
        timeout: 30_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('no answer within 30 seconds')));
    req.on('error', reject);
    req.end(body);
  });
}
