import { InvalidEventSelectorsError, SelectorShapeError } from './types.js';

/** Small readers for selector JSON: wrong types are shape errors, named by where they are. */

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function objectAt(v: unknown, where: string): Record<string, unknown> {
  if (!isObject(v)) throw new SelectorShapeError(`${where} must be an object.`);
  return v;
}

export function listAt(v: unknown, where: string): unknown[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) throw new SelectorShapeError(`${where} must be a list.`);
  return v;
}

export function stringListAt(v: unknown, where: string): string[] | undefined {
  const list = listAt(v, where);
  if (list === undefined) return undefined;
  return list.map((item, i) => {
    if (typeof item !== 'string') throw new SelectorShapeError(`${where}[${i}] must be a string.`);
    return item;
  });
}

export function stringAt(v: unknown, where: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new SelectorShapeError(`${where} must be a string.`);
  return v;
}

export function booleanAt(v: unknown, where: string): boolean | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw new SelectorShapeError(`${where} must be a boolean.`);
  return v;
}

export function invalid(message: string): InvalidEventSelectorsError {
  return new InvalidEventSelectorsError(message);
}

/** Quotes a value in a message, shortened so a 2 KB value does not flood the error. */
export function shown(value: string): string {
  return value.length > 200 ? `${value.slice(0, 200)}…` : value;
}
