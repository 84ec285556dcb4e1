import { ApiError } from './errors.js';

/**
 * Input checks for AWS JSON operations, with AWS's wording for constraint failures:
 * "1 validation error detected: Value 'x' at 'name' failed to satisfy constraint: ...".
 */
function constraint(field: string, value: unknown, rule: string): ApiError {
  const shown = typeof value === 'string' ? value.slice(0, 200) : JSON.stringify(value);
  return new ApiError(
    'ValidationException',
    `1 validation error detected: Value '${shown}' at '${field}' failed to satisfy constraint: ${rule}`,
  );
}

export interface StringRule {
  min?: number;
  max?: number;
  pattern?: RegExp;
}

export function optionalString(
  input: Record<string, unknown>,
  field: string,
  rule: StringRule = {},
): string | undefined {
  const v = input[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') {
    throw new ApiError('SerializationException', `${field} must be a string.`);
  }
  if (rule.min !== undefined && v.length < rule.min) {
    throw constraint(field, v, `Member must have length greater than or equal to ${rule.min}`);
  }
  if (rule.max !== undefined && v.length > rule.max) {
    throw constraint(field, v, `Member must have length less than or equal to ${rule.max}`);
  }
  if (rule.pattern && !rule.pattern.test(v)) {
    throw constraint(field, v, `Member must satisfy regular expression pattern: ${rule.pattern.source}`);
  }
  return v;
}

export function requiredString(input: Record<string, unknown>, field: string, rule: StringRule = {}): string {
  const v = optionalString(input, field, rule);
  if (v === undefined) throw constraint(field, null, 'Member must not be null');
  return v;
}

export function optionalInteger(
  input: Record<string, unknown>,
  field: string,
  min: number,
  max: number,
): number | undefined {
  const v = input[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v)) {
    throw new ApiError('SerializationException', `${field} must be an integer.`);
  }
  if (v < min) throw constraint(field, v, `Member must have value greater than or equal to ${min}`);
  if (v > max) throw constraint(field, v, `Member must have value less than or equal to ${max}`);
  return v;
}

export function optionalArray(input: Record<string, unknown>, field: string): unknown[] | undefined {
  const v = input[field];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) throw new ApiError('SerializationException', `${field} must be a list.`);
  return v;
}
