import type { Tag } from '../../../trails/model.js';
import { ApiError } from '../../errors.js';
import { optionalArray } from '../../params.js';

/** Input readers the trail operations share (booleans and tag lists). */

export function optionalBoolean(input: Record<string, unknown>, field: string): boolean | undefined {
  const v = input[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw new ApiError('SerializationException', `${field} must be a boolean.`);
  return v;
}

/** A TagsList (at most 200 entries by the API shape); the 50-per-trail quota is the repository's. */
export function tagsList(input: Record<string, unknown>, field: string): Tag[] | undefined {
  const list = optionalArray(input, field);
  if (list === undefined) return undefined;
  if (list.length > 200) {
    throw new ApiError(
      'ValidationException',
      `1 validation error detected: Value at '${field}' failed to satisfy constraint: Member must have length less than or equal to 200`,
    );
  }
  return list.map((item, i) => {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      throw new ApiError('SerializationException', `${field}[${i}] must be an object with Key and Value.`);
    }
    const { Key, Value } = item as Record<string, unknown>;
    if (typeof Key !== 'string') throw new ApiError('InvalidTagParameterException', `${field}[${i}].Key is required.`);
    if (Value !== undefined && Value !== null && typeof Value !== 'string') {
      throw new ApiError('SerializationException', `${field}[${i}].Value must be a string.`);
    }
    return typeof Value === 'string' ? { Key, Value } : { Key };
  });
}
