import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { NormalizeResult } from '../../event/normalize.js';
import type { ArchiveDecoder, DecodeResult } from '../archive/index.js';
import { unpackRecords, type PrepareContext, type PrepareRequest } from './prepare.js';
import type { WorkerReply, WorkerRequest } from './protocol.js';

const ENTRY = new URL('./worker-entry.js', import.meta.url);

interface Pending {
  resolve: (result: DecodeResult<NormalizeResult>) => void;
  reject: (error: Error) => void;
}

interface Slot {
  worker: Worker;
  pending: Map<number, Pending>;
}

/**
 * Threads that gunzip, parse and normalise archive files for `opentrail import`, so the main
 * thread only reads files and appends to the log. Files go to the thread with the fewest files
 * in hand; `decode` is an `ArchiveDecoder` for `readArchives`, and results come back per file in
 * whatever order the threads finish (`readArchives` restores source order).
 *
 * A thread that dies (out of memory on a huge file) fails only the files it held: it is
 * replaced, and the import goes on.
 */
export class ImportWorkers {
  private readonly slots: Slot[] = [];
  private nextId = 1;
  private closed = false;

  /** Two cores: one thread beside the main thread, which appends. */
  static defaultCount(): number {
    return Math.max(1, Math.min(4, availableParallelism() - 1));
  }

  constructor(
    private readonly ctx: PrepareContext,
    count: number = ImportWorkers.defaultCount(),
  ) {
    if (!Number.isInteger(count) || count < 1) throw new Error(`import workers: expected a count ≥ 1, got ${count}`);
    for (let i = 0; i < count; i++) this.slots.push(this.spawn());
  }

  get count(): number {
    return this.slots.length;
  }

  private spawn(): Slot {
    const worker = new Worker(ENTRY, { workerData: { ctx: this.ctx } });
    const slot: Slot = { worker, pending: new Map() };
    worker.on('message', (reply: WorkerReply) => {
      const p = slot.pending.get(reply.id);
      slot.pending.delete(reply.id);
      const r = reply.result;
      p?.resolve(r.kind === 'packed' ? { kind: 'records', format: r.format, records: unpackRecords(r.records) } : r);
    });
    const fail = (error: Error) => {
      for (const p of slot.pending.values()) p.reject(error);
      slot.pending.clear();
      const at = this.slots.indexOf(slot);
      if (at >= 0 && !this.closed) this.slots[at] = this.spawn();
    };
    worker.on('error', (error) => fail(error));
    worker.on('exit', (code) => fail(new Error(`the import worker thread stopped (exit code ${code})`)));
    return slot;
  }

  readonly decode: ArchiveDecoder<NormalizeResult> = (bytes, file, options) => {
    if (this.closed) return Promise.reject(new Error('the import workers are closed'));
    const slot = this.slots.reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
    // Transferring moves the bytes without a copy; a Buffer cut from Node's shared pool cannot be
    // moved, so that (small) one is copied.
    const owned =
      bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer
        ? bytes
        : Uint8Array.prototype.slice.call(bytes);
    const request: PrepareRequest = {
      bytes: owned,
      ndjson: file.ndjson,
      pathAccountId: file.layout?.accountId,
      decode: {
        ...(options.wholeParseLimit !== undefined ? { wholeParseLimit: options.wholeParseLimit } : {}),
        ...(options.batchBytes !== undefined ? { batchBytes: options.batchBytes } : {}),
      },
    };
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      slot.pending.set(id, { resolve, reject });
      const message: WorkerRequest = { id, request };
      slot.worker.postMessage(message, [owned.buffer as ArrayBuffer]);
    });
  };

  /** Stops the threads; files still in hand are failed. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }
}
