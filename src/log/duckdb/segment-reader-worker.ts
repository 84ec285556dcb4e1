/** A record-reading thread's message loop (see segment-readers.ts). */
import { openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import type { ReadReply, ReadRequest } from './segment-reader-protocol.js';
import { segmentName } from './segment-names.js';

const dir = (workerData as { dir: string }).dir;
/** Read-only descriptors by segment number; the thread ends with the process or its pool. */
const descriptors = new Map<number, number>();

function descriptorOf(segment: number): number {
  let fd = descriptors.get(segment);
  if (fd === undefined) {
    fd = openSync(join(dir, segmentName(segment)), 'r');
    descriptors.set(segment, fd);
  }
  return fd;
}

function read(locations: Float64Array): ArrayBuffer {
  let total = 0;
  for (let i = 2; i < locations.length; i += 3) total += locations[i]!;
  const bytes = Buffer.allocUnsafeSlow(total);
  let at = 0;
  for (let i = 0; i < locations.length; i += 3) {
    const segment = locations[i]!;
    const offset = locations[i + 1]!;
    const length = locations[i + 2]!;
    const fd = descriptorOf(segment);
    for (let got = 0; got < length;) {
      const n = readSync(fd, bytes, at + got, length - got, offset + got);
      if (n === 0) throw new Error(`record segment ${segment} ends before offset ${offset + length}`);
      got += n;
    }
    at += length;
  }
  return bytes.buffer as ArrayBuffer;
}

parentPort!.on('message', (m: ReadRequest) => {
  let reply: ReadReply;
  try {
    const bytes = read(m.locations);
    reply = { id: m.id, bytes };
    parentPort!.postMessage(reply, [bytes]);
  } catch (err) {
    reply = { id: m.id, error: (err as Error).message };
    parentPort!.postMessage(reply);
  }
});
