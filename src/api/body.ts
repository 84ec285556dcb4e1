import { ApiError } from './errors.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Decodes a request body as strict UTF-8 and parses it as JSON; empty means `{}`. */
export function parseJsonBody(body: unknown): unknown {
  const buf = Buffer.isBuffer(body) ? body : Buffer.alloc(0);
  if (buf.length === 0) return {};
  let text: string;
  try {
    text = utf8.decode(buf);
  } catch {
    throw new ApiError('SerializationException', 'The request body is not valid UTF-8.');
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ApiError('SerializationException', `The request body is not valid JSON: ${(err as Error).message}`);
  }
}

/** The body as a JSON object (operations take objects). */
export function parseJsonObject(body: unknown): Record<string, unknown> {
  const v = parseJsonBody(body);
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw new ApiError('SerializationException', 'The request body must be a JSON object.');
  }
  return v as Record<string, unknown>;
}
