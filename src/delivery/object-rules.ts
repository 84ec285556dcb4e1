/**
 * The rules every sink applies to keys, list prefixes, user metadata and put options, so that a
 * key one sink accepts every sink accepts. They are S3's rules narrowed to what also works as a
 * path below a folder on any filesystem, without ever leaving that folder:
 *
 * - a key is 1 to 1024 UTF-8 bytes of well-formed Unicode (S3's limit);
 * - `/` separates segments; no leading `/`, no empty segment (`a//b`, trailing `/` folder
 *   markers), no `.` or `..` segment, no backslash (a separator on Windows), no control
 *   characters (NUL ends a path; the others cannot travel in S3's XML listings);
 * - a segment is at most 240 bytes (filesystems allow 255; the directory sink appends
 *   `.metadata.json` to the last one);
 * - names the directory sink keeps for itself are refused: a segment ending in `.metadata.json`
 *   (the metadata beside an object) or starting with `.opentrail-tmp-` (a put in progress).
 */
import { SinkInputError, type ListOptions, type PutOptions } from './sink.js';

export const MAX_KEY_BYTES = 1024;
export const MAX_SEGMENT_BYTES = 240;
/** S3: "the user-defined metadata is limited to 2 KB", counted as the bytes of names and values. */
export const MAX_USER_METADATA_BYTES = 2048;
export const METADATA_SUFFIX = '.metadata.json';
export const TEMP_PREFIX = '.opentrail-tmp-';

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const METADATA_NAME = /^[a-z0-9][a-z0-9_.-]{0,127}$/;
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

function describeCharacter(text: string): string {
  const match = CONTROL.exec(text);
  const code = match?.[0].charCodeAt(0) ?? 0;
  return `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
}

/** Problems shared by keys and prefixes: length, encoding, characters, segments. */
function textProblem(text: string, what: string, allowPartialEnd: boolean): string | undefined {
  if (typeof text !== 'string') return `${what} must be a string`;
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_KEY_BYTES) return `${what} is ${bytes} bytes of UTF-8; the limit is ${MAX_KEY_BYTES}`;
  if (LONE_SURROGATE.test(text)) return `${what} is not well-formed Unicode (it holds a lone surrogate)`;
  if (CONTROL.test(text)) return `${what} holds the control character ${describeCharacter(text)}`;
  if (text.includes('\\')) return `${what} holds a backslash; use "/" to separate folders`;
  if (text.startsWith('/')) return `${what} starts with "/"; keys are relative to the bucket`;
  const segments = text.split('/');
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i]!;
    const last = i === segments.length - 1;
    if (segment === '') {
      if (last && allowPartialEnd) continue;
      return last ? `${what} ends with "/" (a folder marker, not an object)` : `${what} holds an empty segment ("//")`;
    }
    if (segment === '.' || segment === '..') return `${what} holds a "${segment}" segment`;
    const segmentBytes = Buffer.byteLength(segment, 'utf8');
    if (segmentBytes > MAX_SEGMENT_BYTES) {
      return `${what} has a ${segmentBytes}-byte segment; the limit is ${MAX_SEGMENT_BYTES} bytes between slashes`;
    }
    if (segment.endsWith(METADATA_SUFFIX) && !(last && allowPartialEnd)) {
      return `${what} has a segment ending in "${METADATA_SUFFIX}", which is reserved for object metadata`;
    }
    if (segment.startsWith(TEMP_PREFIX)) {
      return `${what} has a segment starting with "${TEMP_PREFIX}", which is reserved for puts in progress`;
    }
  }
  return undefined;
}

/** Why `key` is not an acceptable object key, or undefined when it is. */
export function objectKeyProblem(key: string): string | undefined {
  if (key === '') return 'the key is empty';
  return textProblem(key, 'the key', false);
}

export function checkObjectKey(key: string): void {
  const problem = objectKeyProblem(key);
  if (problem !== undefined) throw new SinkInputError('InvalidObjectKey', `object key ${quote(key)}: ${problem}`);
}

/** A list prefix may be '' and may end in `/` or in part of a segment. */
export function checkListPrefix(prefix: string, options: ListOptions = {}): void {
  const problem = prefix === '' ? undefined : textProblem(prefix, 'the prefix', true);
  if (problem !== undefined) throw new SinkInputError('InvalidPrefix', `list prefix ${quote(prefix)}: ${problem}`);
  const after = options.startAfter;
  if (after !== undefined) {
    const afterProblem =
      typeof after !== 'string'
        ? 'it must be a string'
        : Buffer.byteLength(after, 'utf8') > MAX_KEY_BYTES
          ? `it is longer than ${MAX_KEY_BYTES} bytes`
          : LONE_SURROGATE.test(after)
            ? 'it is not well-formed Unicode'
            : CONTROL.test(after)
              ? `it holds the control character ${describeCharacter(after)}`
              : undefined;
    if (afterProblem !== undefined) {
      throw new SinkInputError('InvalidArgument', `startAfter ${quote(after)}: ${afterProblem}`);
    }
  }
}

/** Checks user metadata, content headers and encryption settings of a put. */
export function checkPutOptions(options: PutOptions, key: string): void {
  const where = `put ${quote(key)}`;
  const fail = (message: string): never => {
    throw new SinkInputError('InvalidArgument', `${where}: ${message}`);
  };
  let metadataBytes = 0;
  for (const [name, value] of Object.entries(options.metadata ?? {})) {
    if (!METADATA_NAME.test(name)) {
      fail(
        `metadata name ${quote(name)} must be 1 to 128 lowercase letters, digits, "-", "_" or "." (S3 lowercases names; sent as x-amz-meta-<name>)`,
      );
    }
    if (typeof value !== 'string' || !PRINTABLE_ASCII.test(value)) {
      fail(`metadata ${quote(name)} must be printable ASCII (it travels as an HTTP header)`);
    }
    if (value !== value.trim()) fail(`metadata ${quote(name)} must not start or end with spaces (S3 trims them)`);
    metadataBytes += name.length + value.length;
  }
  if (metadataBytes > MAX_USER_METADATA_BYTES) {
    fail(`user metadata is ${metadataBytes} bytes; S3 allows ${MAX_USER_METADATA_BYTES}`);
  }
  for (const header of ['contentType', 'contentEncoding'] as const) {
    const value = options[header];
    if (value !== undefined && (typeof value !== 'string' || value === '' || !PRINTABLE_ASCII.test(value))) {
      fail(`${header} must be a non-empty printable ASCII string`);
    }
  }
  const sse = options.serverSideEncryption;
  if (sse !== undefined && sse !== 'AES256' && sse !== 'aws:kms') {
    fail(`serverSideEncryption must be "AES256" or "aws:kms", not ${quote(String(sse))}`);
  }
  if (options.sseKmsKeyId !== undefined) {
    if (sse !== 'aws:kms') fail('sseKmsKeyId needs serverSideEncryption "aws:kms"');
    if (typeof options.sseKmsKeyId !== 'string' || !/^[\x21-\x7e]{1,2048}$/.test(options.sseKmsKeyId)) {
      fail('sseKmsKeyId must be a KMS key ID, ARN or alias (printable ASCII, no spaces)');
    }
  }
}

/** JSON-quoted and shortened, so hostile keys print safely in messages. */
function quote(text: string): string {
  const shown = typeof text === 'string' && text.length > 120 ? `${text.slice(0, 120)}…` : text;
  return JSON.stringify(shown);
}

/** Orders keys by their UTF-8 bytes, as S3 lists them (differs from `<` for astral characters). */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
