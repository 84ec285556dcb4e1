/**
 * The program of a page-check thread (see page-checkers.ts): reads a page's candidate records
 * from the log's segment files, parses each one, keeps those that really answer the lookup
 * (matchesLookup, the SQL filters' meaning) and are not older than the last retention cut-off,
 * and answers with their JSON text, eventTime, summary and the text as a JSON string literal
 * (the escaping LookupEvents' CloudTrailEvent needs) — never the parsed record, which would
 * cost the main thread as much to receive as to parse.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import type { CloudTrailRecord } from '../../event/types.js';
import { summaryOf } from '../../event/summary.js';
import type { LookupQuery } from '../event-store.js';
import { matchesLookup } from '../lookup-match.js';
import {
  segmentPath,
  type CheckReply,
  type CheckRequest,
  type CheckedRecord,
  type ReleaseRequest,
} from './page-check-protocol.js';

/** Open segment files by owner and path; a bounded number, the oldest closed first. */
const MAX_OPEN_FILES = 256;
const files = new Map<string, { owner: number; fd: number }>();

function fdOf(owner: number, path: string): number {
  const key = `${owner}\n${path}`;
  const open = files.get(key);
  if (open !== undefined) return open.fd;
  if (files.size >= MAX_OPEN_FILES) {
    const [oldest, old] = files.entries().next().value as [string, { fd: number }];
    files.delete(oldest);
    closeSync(old.fd);
  }
  const fd = openSync(path, 'r');
  files.set(key, { owner, fd });
  return fd;
}

function release(owner: number): void {
  for (const [key, open] of files) {
    if (open.owner !== owner) continue;
    files.delete(key);
    closeSync(open.fd);
  }
}

function readRecord(owner: number, path: string, offset: number, length: number): string {
  const buf = Buffer.allocUnsafe(length);
  const fd = fdOf(owner, path);
  let got = 0;
  while (got < length) {
    const n = readSync(fd, buf, got, length - got, offset + got);
    if (n === 0) throw new Error(`${path} ends before offset ${offset + length}`);
    got += n;
  }
  return buf.toString('utf8');
}

function check(m: CheckRequest): CheckedRecord[] {
  const q = m.query as LookupQuery;
  const hits: CheckedRecord[] = [];
  const n = m.specs.length / 3;
  for (let i = 0; i < n && hits.length < m.limit; i++) {
    const path = segmentPath(m.dir, m.specs[i * 3]!);
    const json = readRecord(m.owner, path, m.specs[i * 3 + 1]!, m.specs[i * 3 + 2]!);
    const record = JSON.parse(json) as CloudTrailRecord;
    const timeMs = Date.parse(record.eventTime);
    // Retention deletes rows, not segment bytes: an event older than the last cut is gone.
    if (m.prunedBefore !== null && timeMs < m.prunedBefore) continue;
    if (matchesLookup(record, timeMs, q)) {
      hits.push({ index: i, timeMs, json, summary: summaryOf(record), quotedStart: 0, quotedEnd: 0 });
    }
  }
  return hits;
}

/** The hits' texts as JSON string literals, in one buffer; each hit learns where its own lies. */
function quote(hits: CheckedRecord[]): ArrayBuffer {
  const literals = hits.map((h) => JSON.stringify(h.json));
  const bytes = Buffer.allocUnsafeSlow(literals.reduce((n, l) => n + Buffer.byteLength(l), 0));
  let at = 0;
  hits.forEach((h, i) => {
    h.quotedStart = at;
    at += bytes.write(literals[i]!, at);
    h.quotedEnd = at;
  });
  // allocUnsafeSlow: the buffer owns its whole ArrayBuffer, so it can be transferred.
  return bytes.buffer as ArrayBuffer;
}

parentPort!.on('message', (m: CheckRequest | ReleaseRequest) => {
  if ('release' in m) return release(m.release);
  let reply: CheckReply;
  try {
    const hits = check(m);
    reply = { id: m.id, hits, quoted: quote(hits) };
  } catch (err) {
    parentPort!.postMessage({ id: m.id, error: err instanceof Error ? err.message : String(err) } satisfies CheckReply);
    return;
  }
  parentPort!.postMessage(reply, [reply.quoted]);
});
