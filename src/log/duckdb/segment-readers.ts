import { Worker } from 'node:worker_threads';
import type { RecordLocation } from './record-segments.js';
import type { ReadReply, ReadRequest } from './segment-reader-protocol.js';

const ENTRY = new URL('./segment-reader-entry.js', import.meta.url);

interface Pending {
  lengths: number[];
  resolve: (records: string[]) => void;
  reject: (error: Error) => void;
}

interface Reader {
  worker: Worker;
  pending: Map<number, Pending>;
}

/**
 * Threads that read lookup pages' records from the segment files, so the event loop neither
 * waits for the disk nor spends a system call on each record. Each page is one message: the
 * locations go out as numbers, the bytes come back transferred, not copied, and are decoded
 * here. Reading on the event loop itself (RecordSegments.readNow) costs a few microseconds a
 * record from the page cache, but blocks it for a disk read per record when the records are
 * not cached — ten million events' segments (14 GB) are not, on a small machine (measured:
 * lookups/s fell by two thirds at 10M). Several threads, so cold pages wait for the disk side
 * by side.
 *
 * A thread that fails is not restarted: `failure` is set, its calls in flight are rejected, and
 * the caller reads on its own thread from then on.
 */
export class SegmentReaders {
  private readonly readers: Reader[];
  private nextId = 1;
  private closed = false;
  failure: Error | undefined;

  constructor(dir: string, threads: number) {
    this.readers = Array.from({ length: threads }, () => this.start(dir));
  }

  private start(dir: string): Reader {
    const worker = new Worker(ENTRY, { workerData: { dir } });
    const reader: Reader = { worker, pending: new Map() };
    // Only reads in flight keep the process alive.
    worker.unref();
    worker.on('message', (reply: ReadReply) => {
      const p = reader.pending.get(reply.id);
      reader.pending.delete(reply.id);
      if (reader.pending.size === 0) worker.unref();
      if (!p) return;
      if ('error' in reply) return p.reject(new Error(reply.error));
      const bytes = Buffer.from(reply.bytes);
      const records = new Array<string>(p.lengths.length);
      let at = 0;
      for (let i = 0; i < p.lengths.length; i++) {
        const length = p.lengths[i]!;
        records[i] = bytes.toString('utf8', at, at + length);
        at += length;
      }
      p.resolve(records);
    });
    worker.on('error', (error) => this.fail(reader, error));
    worker.on('exit', (code) => this.fail(reader, new Error(`a record reading thread stopped (exit code ${code})`)));
    return reader;
  }

  private fail(reader: Reader, error: Error): void {
    if (!this.closed) this.failure ??= error;
    for (const p of reader.pending.values()) p.reject(this.failure ?? error);
    reader.pending.clear();
  }

  /** The records at these locations, in their order. */
  read(locations: readonly RecordLocation[]): Promise<string[]> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.closed) return Promise.reject(new Error('the record reading threads are closed'));
    // The thread with the fewest pages in flight.
    let reader = this.readers[0]!;
    for (const r of this.readers) if (r.pending.size < reader.pending.size) reader = r;
    const triples = new Float64Array(locations.length * 3);
    const lengths = new Array<number>(locations.length);
    locations.forEach((l, i) => {
      triples[i * 3] = l.segment;
      triples[i * 3 + 1] = l.offset;
      triples[i * 3 + 2] = l.length;
      lengths[i] = l.length;
    });
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      reader.pending.set(id, { lengths, resolve, reject });
      reader.worker.ref();
      const request: ReadRequest = { id, locations: triples };
      reader.worker.postMessage(request, [triples.buffer]);
    });
  }

  /** Stops the threads; reads in flight are rejected. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(this.readers.map((r) => r.worker.terminate()));
  }
}
