import type { DecodeResult } from '../archive/index.js';
import type { PackedFile, PrepareRequest } from './prepare.js';

/** Main thread → worker: one file to prepare. */
export interface WorkerRequest {
  id: number;
  request: PrepareRequest;
}

/** Worker → main thread: that file's records, normalised and packed, or why it could not be decoded. */
export interface WorkerReply {
  id: number;
  result: DecodeResult<never> | PackedFile;
}
