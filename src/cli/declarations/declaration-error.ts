import { memberPathOf } from './error-member.js';

/** A declaration the config file cannot apply: where it is (a JSON path) and why. */
export class DeclarationError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * An error from an API validator, as a DeclarationError at `path` (its code kept, as AWS would
 * answer). Given the declaration, the path goes down to the member the message names.
 */
export function declarationErrorFrom(
  err: unknown,
  path: string,
  declaration?: Record<string, unknown>,
): DeclarationError {
  if (err instanceof DeclarationError) return err;
  const message = err instanceof Error ? err.message : String(err);
  const at = declaration ? memberPathOf(path, declaration, message) : path;
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    const prefix = typeof code === 'string' && !err.message.startsWith(code) ? `${code}: ` : '';
    return new DeclarationError(at, `${prefix}${message}`);
  }
  return new DeclarationError(at, message);
}
