/**
 * S3 general-purpose bucket naming rules (Amazon S3 User Guide, "General purpose bucket naming
 * rules"). The directory sink uses the bucket name as a folder name, so these rules are also what
 * keeps a bucket inside its root: no `/`, no `\`, no `..`, nothing but `[a-z0-9.-]`.
 */
import { SinkInputError } from './sink.js';

const SHAPE = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const IP_ADDRESS = /^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;
const RESERVED_PREFIXES = ['xn--', 'sthree-', 'amzn-s3-demo-'] as const;
const RESERVED_SUFFIXES = ['-s3alias', '--ol-s3', '.mrap', '--x-s3', '--table-s3'] as const;

/** Why `name` is not a valid bucket name, or undefined when it is. */
export function bucketNameProblem(name: string): string | undefined {
  if (name.length < 3 || name.length > 63) return `it must be 3 to 63 characters long, not ${name.length}`;
  if (!SHAPE.test(name)) {
    return 'it may hold only lowercase letters, digits, dots and hyphens, and must begin and end with a letter or digit';
  }
  if (name.includes('..')) return 'it must not contain two adjacent dots';
  if (IP_ADDRESS.test(name)) return 'it must not look like an IP address';
  const prefix = RESERVED_PREFIXES.find((p) => name.startsWith(p));
  if (prefix !== undefined) return `it must not start with the reserved prefix "${prefix}"`;
  const suffix = RESERVED_SUFFIXES.find((s) => name.endsWith(s));
  if (suffix !== undefined) return `it must not end with the reserved suffix "${suffix}"`;
  return undefined;
}

/** Throws a SinkInputError naming the rule when `name` is not a valid S3 bucket name. */
export function checkBucketName(name: string): void {
  const problem = typeof name === 'string' ? bucketNameProblem(name) : 'it must be a string';
  if (problem !== undefined) {
    throw new SinkInputError('InvalidBucketName', `bucket name ${JSON.stringify(name)} is not valid: ${problem}`);
  }
}
