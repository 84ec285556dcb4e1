import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request as a real local receiver got it, body as raw text (what a signature covers). */
export interface ReceivedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export type Reply = { status: number; body?: string; headers?: Record<string, string> } | 'hang';

export interface HttpReceiver {
  url: string;
  received: ReceivedRequest[];
  /** Resolves once `n` requests have arrived. */
  waitFor(n: number): Promise<void>;
  /** Answers every hanging request and stops. */
  close(): Promise<void>;
}

/**
 * A webhook receiver on 127.0.0.1 for tests: `reply` decides each answer from the request and
 * its 1-based number; 'hang' keeps the request open until close().
 */
export async function startHttpReceiver(
  reply: (req: ReceivedRequest, n: number) => Reply = () => ({ status: 200 }),
): Promise<HttpReceiver> {
  const received: ReceivedRequest[] = [];
  const waiters: { n: number; resolve: () => void }[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r: ReceivedRequest = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      received.push(r);
      for (const w of waiters.filter((x) => received.length >= x.n)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
      const answer = reply(r, received.length);
      if (answer === 'hang') return;
      res.writeHead(answer.status, answer.headers ?? {});
      res.end(answer.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    waitFor: (n) => (received.length >= n ? Promise.resolve() : new Promise((resolve) => waiters.push({ n, resolve }))),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
