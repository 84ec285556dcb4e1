/** A declaration the config file cannot apply: where it is (a JSON path) and why. */
export class DeclarationError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(message);
  }
}

/** An error from an API validator, as a DeclarationError at `path` (its code kept, as AWS would answer). */
export function declarationErrorFrom(err: unknown, path: string): DeclarationError {
  if (err instanceof DeclarationError) return err;
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    const prefix = typeof code === 'string' && !err.message.startsWith(code) ? `${code}: ` : '';
    return new DeclarationError(path, `${prefix}${err.message}`);
  }
  return new DeclarationError(path, String(err));
}
