import { existsSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { CONTROL_SOCKET } from '../config/defaults.js';

export class ControlError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** A client of a running server's control socket. */
export class ControlClient {
  constructor(readonly socketPath: string) {}

  /** The client for a data directory, when a server answers there. */
  static async connect(dataDir: string): Promise<ControlClient | undefined> {
    const socketPath = join(dataDir, CONTROL_SOCKET);
    if (!existsSync(socketPath)) return undefined;
    const client = new ControlClient(socketPath);
    try {
      await client.call('GET', '/internal/accounts');
      return client;
    } catch {
      // A stale socket from a killed server: nobody answers.
      return undefined;
    }
  }

  call<T>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<T> {
    return new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
      const req = request(
        {
          socketPath: this.socketPath,
          method,
          path,
          headers: payload ? { 'content-type': 'application/json', 'content-length': payload.length } : {},
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: unknown;
            try {
              parsed = text ? JSON.parse(text) : {};
            } catch {
              parsed = { message: text };
            }
            if ((res.statusCode ?? 500) >= 400) {
              reject(new ControlError(res.statusCode ?? 500, (parsed as { message?: string }).message ?? text));
            } else resolve(parsed as T);
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  }
}
