/**
 * Which keys a JSON object may hold, checked before any value is: a typo in a config file must
 * stop the server with the path of the key, not be ignored by a validator that reads only the
 * members it knows. Values are not checked here — the API validators the declarations go
 * through do that — so a shape lists member names only, and `ANY` marks a member whose inside
 * is free (a map of the user's own keys, or a value the API validator checks whole).
 */

export const ANY = 'any' as const;

/** The members of an object; each maps to the shape of its value. */
export interface ObjectShape {
  readonly [member: string]: Shape;
}

/** `ANY`, an object's members, or a list of one shape: `[shape]`. */
export type Shape = typeof ANY | ObjectShape | readonly [Shape];

export interface KeyProblem {
  /** JSON path of the offending key, e.g. `accounts[0].rules[2].EventPatern`. */
  path: string;
  message: string;
}

/** `base.member`, or `base["odd key"]` when the member is not an identifier. */
export function memberPath(base: string, member: string): string {
  const part = /^[A-Za-z_$][\w$]*$/.test(member) ? member : JSON.stringify(member);
  if (base === '') return part.startsWith('"') ? `[${part}]` : part;
  return part.startsWith('"') ? `${base}[${part}]` : `${base}.${part}`;
}

export function indexPath(base: string, index: number): string {
  return `${base}[${index}]`;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Every unknown key in `value` below `path`, in document order. Values of the wrong kind (an
 * array where an object belongs) are left to the value validators, except that a list shape
 * checks each element it finds.
 */
export function unknownKeys(value: unknown, shape: Shape, path: string): KeyProblem[] {
  if (shape === ANY) return [];
  if (Array.isArray(shape)) {
    if (!Array.isArray(value)) return [];
    return value.flatMap((item, i) => unknownKeys(item, shape[0] as Shape, indexPath(path, i)));
  }
  if (!isObject(value)) return [];
  const members = shape as ObjectShape;
  const out: KeyProblem[] = [];
  for (const [key, inner] of Object.entries(value)) {
    const sub = members[key];
    if (sub === undefined) {
      out.push({
        path: memberPath(path, key),
        message: `unknown key "${key}"; expected one of ${Object.keys(members).join(', ')}`,
      });
      continue;
    }
    out.push(...unknownKeys(inner, sub, memberPath(path, key)));
  }
  return out;
}
