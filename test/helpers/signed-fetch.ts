import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { request } from 'node:http';
import type { Credentials } from './server.js';

/** A SigV4-signed HTTP request made with the AWS SDK's own signer. */
export async function signedFetch(
  url: string,
  creds: Pick<Credentials, 'accessKeyId' | 'secretAccessKey'>,
  init: { method?: string; body?: string | Buffer; headers?: Record<string, string>; service?: string } = {},
): Promise<{
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: () => unknown;
}> {
  const u = new URL(url);
  const signer = new SignatureV4({
    service: init.service ?? 'opentrail',
    region: 'us-east-1',
    credentials: { accessKeyId: creds.accessKeyId, secretAccessKey: creds.secretAccessKey },
    sha256: Sha256,
  });
  const query: Record<string, string> = {};
  u.searchParams.forEach((v, k) => (query[k] = v));
  const signed = await signer.sign({
    method: init.method ?? 'GET',
    protocol: u.protocol,
    hostname: u.hostname,
    port: Number(u.port),
    path: u.pathname,
    query,
    headers: { host: u.host, ...(init.headers ?? {}) },
    ...(init.body !== undefined ? { body: init.body } : {}),
  });
  // node:http rather than fetch: fetch refuses to send the signed Host header.
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: u.hostname,
        port: u.port,
        path: u.pathname + u.search,
        method: init.method ?? 'GET',
        headers: signed.headers,
        // A fresh connection per call: a pooled one may be closed by the server's keep-alive timeout.
        agent: false,
      },
      (res) => {
        answered = true;
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: () => JSON.parse(text) });
        });
      },
    );
    // A server that refuses a large body answers before reading it, and the rest of our write
    // then fails (EPIPE): the answer is what counts.
    let answered = false;
    req.on('error', (err) => {
      if (!answered) reject(err);
    });
    req.end(init.body);
  });
}
