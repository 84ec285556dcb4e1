/**
 * Errors the monitor raises, each carrying the AWS error code the API layer answers with.
 * CloudWatch Logs (JSON 1.1) names its errors `...Exception`; CloudWatch (Query protocol) uses
 * the short codes of its error shapes (`ValidationError`, `InvalidParameterValue`, ...).
 */
export type MonitorErrorCode =
  // CloudWatch Logs
  | 'InvalidParameterException'
  | 'LimitExceededException'
  | 'ResourceNotFoundException'
  // CloudWatch
  | 'ValidationError'
  | 'MissingParameter'
  | 'InvalidParameterValue'
  | 'InvalidParameterCombination'
  | 'LimitExceeded'
  | 'ResourceNotFound'
  | 'InvalidFormat';

export class MonitorError extends Error {
  constructor(
    readonly code: MonitorErrorCode,
    message: string,
  ) {
    super(message);
    this.name = code;
  }
}

/** The wording AWS's request validation uses for one broken member constraint. */
export function constraintError(member: string, value: unknown, constraint: string): MonitorError {
  const shown = typeof value === 'string' ? value : JSON.stringify(value);
  return new MonitorError(
    'ValidationError',
    `1 validation error detected: Value '${shown}' at '${member}' failed to satisfy constraint: ${constraint}`,
  );
}
