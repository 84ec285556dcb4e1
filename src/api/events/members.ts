/** Reading EventBridge request members with AWS's validation wording. */
import { ApiError } from '../errors.js';

export function str(input: Record<string, unknown>, member: string, required: true): string;
export function str(input: Record<string, unknown>, member: string, required?: false): string | undefined;
export function str(input: Record<string, unknown>, member: string, required = false): string | undefined {
  const v = input[member];
  if (v === undefined || v === null) {
    if (required)
      throw new ApiError(
        'ValidationException',
        `1 validation error detected: Value null at '${lowerFirst(member)}' failed to satisfy constraint: Member must not be null`,
      );
    return undefined;
  }
  if (typeof v !== 'string') throw new ApiError('SerializationException', `${member} must be a string.`);
  return v;
}

/** An integer member in [min, max] (no upper bound without `max`), in AWS's validation wording. */
export function int(input: Record<string, unknown>, member: string, min: number, max?: number): number | undefined {
  const v = input[member];
  if (v === undefined || v === null) return undefined;
  if (!Number.isInteger(v) || (v as number) < min || (max !== undefined && (v as number) > max)) {
    const constraint = max === undefined ? `greater than or equal to ${min}` : `between ${min} and ${max}`;
    throw new ApiError(
      'ValidationException',
      `1 validation error detected: Value '${String(v)}' at '${lowerFirst(member)}' failed to satisfy constraint: Member must have value ${constraint}`,
    );
  }
  return v as number;
}

export function lowerFirst(s: string): string {
  return s.length ? s[0]!.toLowerCase() + s.slice(1) : s;
}

/** An opaque page token over a sorted list of names: the last name returned. */
export function page<T>(
  items: readonly T[],
  key: (t: T) => string,
  limit: number,
  token: string | undefined,
): { items: T[]; next?: string } {
  let after: string | undefined;
  if (token !== undefined) {
    try {
      after = Buffer.from(token, 'base64url').toString('utf8');
      if (!after) throw new Error('empty');
    } catch {
      throw new ApiError('ValidationException', 'The NextToken provided is invalid.');
    }
  }
  const rest = after === undefined ? [...items] : items.filter((t) => key(t) > after);
  const out = rest.slice(0, limit);
  const last = out[out.length - 1];
  return { items: out, ...(rest.length > limit && last ? { next: Buffer.from(key(last)).toString('base64url') } : {}) };
}
