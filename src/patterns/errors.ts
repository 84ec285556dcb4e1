/**
 * Errors raised while compiling a pattern. They carry where the problem is (a JSON path for event
 * patterns, a 1-based column for filter patterns) so an API can return AWS's exception with a
 * message that points at the offending part.
 */

/** An EventBridge event pattern AWS would reject (`InvalidEventPatternException`). */
export class EventPatternError extends Error {
  override readonly name = 'EventPatternError';
  /** The reason alone, in event-ruler's wording where we know it. */
  readonly reason: string;
  /** JSON path of the offending part of the pattern, e.g. `$.detail.eventName[0].prefix`. */
  readonly path: string;

  constructor(reason: string, path: string) {
    super(`Event pattern is not valid. Reason: ${reason} at ${path}`);
    this.reason = reason;
    this.path = path;
  }
}

/** A CloudWatch Logs filter pattern AWS would reject (`InvalidParameterException`). */
export class FilterPatternError extends Error {
  override readonly name = 'FilterPatternError';
  readonly reason: string;
  /** 1-based column of the character where the problem was found. */
  readonly column: number;

  constructor(reason: string, column: number) {
    super(`Invalid filter pattern: ${reason} at column ${column}`);
    this.reason = reason;
    this.column = column;
  }
}
