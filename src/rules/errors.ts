/**
 * Errors the rules module raises, each with the EventBridge error code the API answers with
 * (AWS JSON 1.1 `__type`), so the API layer maps them without knowing the cause.
 */
export type RuleErrorCode =
  | 'ValidationException'
  | 'InvalidEventPatternException'
  | 'ResourceNotFoundException'
  | 'LimitExceededException'
  | 'ResourceAlreadyExistsException';

export class RuleError extends Error {
  constructor(
    readonly code: RuleErrorCode,
    message: string,
  ) {
    super(message);
    this.name = code;
  }
}

/** AWS's request-validation wording for one member that breaks a constraint. */
export function validationError(member: string, value: unknown, constraint: string): RuleError {
  const shown = typeof value === 'string' ? value : JSON.stringify(value);
  return new RuleError(
    'ValidationException',
    `1 validation error detected: Value '${shown}' at '${member}' failed to satisfy constraint: ${constraint}`,
  );
}
