/**
 * Rules and targets as EventBridge defines them (PutRule / PutTargets), validated here once so
 * the API, the config file and the CLI refuse the same inputs with the same messages.
 */
import { compileEventPattern, EventPatternError } from '../patterns/index.js';
import { isDeliverableArn, parseNotifyArn } from '../notify/arns.js';
import { RuleError, validationError } from './errors.js';
import { compileInputTransformer } from './input.js';
import { compileJsonPath } from './json-path.js';

/**
 * ENABLED rules see every event except read-only management events from CloudTrail unless the
 * pattern asks for them; ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS sees those too (AWS's
 * "Receiving read-only management events").
 */
export const RULE_STATES = ['ENABLED', 'DISABLED', 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS'] as const;
export type RuleState = (typeof RULE_STATES)[number];

/** Why the rule stopped matching on its own: loop protection paused it (see loop-guard.ts). */
export interface RulePause {
  atMs: number;
  reason: string;
}

export interface Rule {
  accountId: string;
  name: string;
  arn: string;
  eventPattern: string;
  state: RuleState;
  description?: string;
  createdAtMs: number;
  updatedAtMs: number;
  paused?: RulePause;
}

export interface InputTransformer {
  InputPathsMap?: Record<string, string>;
  InputTemplate: string;
}

export interface TargetRetryPolicy {
  MaximumRetryAttempts?: number;
  MaximumEventAgeInSeconds?: number;
}

/** A rule target in PutTargets' own member names. `Arn` names a notification channel (src/notify). */
export interface Target {
  Id: string;
  Arn: string;
  Input?: string;
  InputPath?: string;
  InputTransformer?: InputTransformer;
  RetryPolicy?: TargetRetryPolicy;
}

export const NAME = /^[.\-_A-Za-z0-9]{1,64}$/;
export const MAX_EVENT_PATTERN_LENGTH = 4096;
export const MAX_TARGETS_PER_RULE = 5;
export const DEFAULT_BUS = 'default';

export function ruleArn(region: string, accountId: string, name: string): string {
  return `arn:aws:events:${region}:${accountId}:rule/${name}`;
}

export function checkRuleName(name: unknown, member = 'name'): string {
  if (typeof name !== 'string' || !NAME.test(name)) {
    throw validationError(
      member,
      name,
      'Member must satisfy regular expression pattern: [\\.\\-_A-Za-z0-9]+ and have length 1-64',
    );
  }
  return name;
}

/** Only the default bus exists; AWS tools send its name or its ARN. */
export function checkEventBus(bus: unknown, region: string, accountId: string): void {
  if (bus === undefined || bus === null || bus === DEFAULT_BUS) return;
  if (bus === `arn:aws:events:${region}:${accountId}:event-bus/default`) return;
  throw new RuleError('ResourceNotFoundException', `Event bus ${String(bus)} does not exist.`);
}

/** Parses and compiles a pattern as PutRule does; AWS's InvalidEventPatternException on failure. */
export function checkEventPattern(pattern: unknown): string {
  if (typeof pattern !== 'string' || pattern.length === 0) {
    throw new RuleError(
      'ValidationException',
      'Parameter EventPattern is required (ScheduleExpression rules are not supported).',
    );
  }
  if (pattern.length > MAX_EVENT_PATTERN_LENGTH) {
    throw validationError(
      'eventPattern',
      `${pattern.slice(0, 40)}…`,
      `Member must have length less than or equal to ${MAX_EVENT_PATTERN_LENGTH}`,
    );
  }
  try {
    compileEventPattern(pattern);
  } catch (err) {
    if (err instanceof EventPatternError) throw new RuleError('InvalidEventPatternException', err.message);
    throw err;
  }
  return pattern;
}

export function checkState(state: unknown): RuleState {
  if (state === undefined || state === null) return 'ENABLED';
  if (typeof state !== 'string' || !(RULE_STATES as readonly string[]).includes(state)) {
    throw validationError('state', state, `Member must satisfy enum value set: [${RULE_STATES.join(', ')}]`);
  }
  return state as RuleState;
}

/**
 * Checks one PutTargets entry; returns the error AWS puts in FailedEntries, or undefined when
 * the target is acceptable. Only channels of the rule's own account can be targets.
 */
export function targetProblem(t: Target, accountId: string): { ErrorCode: string; ErrorMessage: string } | undefined {
  if (!isDeliverableArn(t.Arn)) {
    return {
      ErrorCode: 'ValidationException',
      ErrorMessage: `Target ${t.Id}: ${t.Arn} is not an API destination or notification channel ARN (arn:aws:events:…:api-destination/… or arn:opentrail:notify:…:channel/…).`,
    };
  }
  if (parseNotifyArn(t.Arn)!.accountId !== accountId) {
    return {
      ErrorCode: 'AccessDeniedException',
      ErrorMessage: `Target ${t.Id}: ${t.Arn} belongs to another account; a rule may only target channels of account ${accountId}.`,
    };
  }
  return undefined;
}

/** Validates the request shape of a PutTargets entry (what AWS refuses for the whole call). */
export function checkTarget(raw: unknown, index: number): Target {
  const at = `targets.${index + 1}.member`;
  if (typeof raw !== 'object' || raw === null) throw validationError(at, raw, 'Member must be a Target structure');
  const t = raw as Record<string, unknown>;
  if (typeof t.Id !== 'string' || !/^[.\-_A-Za-z0-9]{1,64}$/.test(t.Id)) {
    throw validationError(
      `${at}.id`,
      t.Id,
      'Member must satisfy regular expression pattern: [\\.\\-_A-Za-z0-9]+ and have length 1-64',
    );
  }
  if (typeof t.Arn !== 'string' || t.Arn.length < 1 || t.Arn.length > 1600) {
    throw validationError(`${at}.arn`, t.Arn, 'Member must have length between 1 and 1600');
  }
  const shapes = ['Input', 'InputPath', 'InputTransformer'].filter((k) => t[k] !== undefined && t[k] !== null);
  if (shapes.length > 1) {
    throw new RuleError(
      'ValidationException',
      `Target ${t.Id}: only one of Input, InputPath or InputTransformer may be given (got ${shapes.join(', ')}).`,
    );
  }
  const target: Target = { Id: t.Id, Arn: t.Arn };
  if (t.Input !== undefined && t.Input !== null) {
    if (typeof t.Input !== 'string') throw validationError(`${at}.input`, t.Input, 'Member must be a string');
    try {
      JSON.parse(t.Input);
    } catch (err) {
      throw new RuleError('ValidationException', `Target ${t.Id}: Input is not valid JSON: ${(err as Error).message}`);
    }
    target.Input = t.Input;
  }
  if (t.InputPath !== undefined && t.InputPath !== null) {
    if (typeof t.InputPath !== 'string')
      throw validationError(`${at}.inputPath`, t.InputPath, 'Member must be a string');
    compileJsonPath(t.InputPath, `Target ${t.Id} InputPath`);
    target.InputPath = t.InputPath;
  }
  if (t.InputTransformer !== undefined && t.InputTransformer !== null) {
    const it = t.InputTransformer as InputTransformer;
    compileInputTransformer(it, `Target ${t.Id}`);
    target.InputTransformer = {
      ...(it.InputPathsMap ? { InputPathsMap: { ...it.InputPathsMap } } : {}),
      InputTemplate: it.InputTemplate,
    };
  }
  if (t.RetryPolicy !== undefined && t.RetryPolicy !== null) {
    const rp = t.RetryPolicy as Record<string, unknown>;
    const attempts = rp.MaximumRetryAttempts;
    const age = rp.MaximumEventAgeInSeconds;
    if (
      attempts !== undefined &&
      (!Number.isInteger(attempts) || (attempts as number) < 0 || (attempts as number) > 185)
    ) {
      throw validationError(
        `${at}.retryPolicy.maximumRetryAttempts`,
        attempts,
        'Member must have value between 0 and 185',
      );
    }
    if (age !== undefined && (!Number.isInteger(age) || (age as number) < 60 || (age as number) > 86400)) {
      throw validationError(
        `${at}.retryPolicy.maximumEventAgeInSeconds`,
        age,
        'Member must have value between 60 and 86400',
      );
    }
    target.RetryPolicy = {
      ...(attempts !== undefined ? { MaximumRetryAttempts: attempts as number } : {}),
      ...(age !== undefined ? { MaximumEventAgeInSeconds: age as number } : {}),
    };
  }
  return target;
}
