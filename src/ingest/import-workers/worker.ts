/**
 * The body of one import worker thread: prepares the files the main thread sends (see
 * `prepareArchiveFile`) and answers each with its result. Loaded through `worker-entry.js`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { prepareArchiveFile, transferablesOf, type PrepareContext } from './prepare.js';
import type { WorkerReply, WorkerRequest } from './protocol.js';

const port = parentPort;
if (!port) throw new Error('import-workers/worker.ts runs only as a worker thread (new Worker(worker-entry.js))');
const ctx = (workerData as { ctx: PrepareContext }).ctx;

port.on('message', (message: WorkerRequest) => {
  let reply: WorkerReply;
  try {
    reply = { id: message.id, result: prepareArchiveFile(message.request, ctx) };
  } catch (error) {
    // Out of memory and the like: still only this file's failure.
    const text = error instanceof Error ? error.message : String(error);
    reply = { id: message.id, result: { kind: 'error', message: `cannot decode: ${text}; file skipped` } };
  }
  port.postMessage(reply, reply.result.kind === 'packed' ? transferablesOf(reply.result) : []);
});
