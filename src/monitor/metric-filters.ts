/**
 * CloudWatch Logs metric filters (spec §7.3): a filter pattern and one metric transformation,
 * owned by a log group. Applying a filter to an event yields at most one metric datapoint,
 * stamped with the event's time; a transformation with `defaultValue` publishes that value for
 * every event the pattern does not match.
 */
import type { CloudTrailRecord } from '../event/types.js';
import type { Matcher } from '../patterns/matcher.js';
import { MonitorError, constraintError } from './errors.js';
import { STANDARD_UNITS, type StandardUnit } from './units.js';

/** What the monitor needs from the CloudWatch filter-pattern language (src/patterns). */
export interface FilterPatternEngine {
  /** Parses a pattern once; throws (with the position and what was expected) when it is invalid. */
  compile(pattern: string): Matcher<unknown>;
  /** The raw value a `$.field` selector picks from an event (any JSON type), or undefined. */
  valueAt(event: unknown, selector: string): unknown;
}

/** The PutMetricFilter/DescribeMetricFilters shape of a transformation (CloudWatch Logs JSON names). */
export interface MetricTransformation {
  metricName: string;
  metricNamespace: string;
  /** A number ("1", "2.5") or a selector (`$.field`) whose value is published. */
  metricValue: string;
  defaultValue?: number;
  /** Dimension name → selector (`$.field`) giving the value. */
  dimensions?: Record<string, string>;
  unit?: StandardUnit;
}

export interface PutMetricFilterInput {
  logGroupName: string;
  filterName: string;
  filterPattern: string;
  metricTransformations: MetricTransformation[];
}

export interface MetricFilter extends PutMetricFilterInput {
  accountId: string;
  /** Epoch ms of the first PutMetricFilter with this name; events received earlier are not evaluated. */
  creationTime: number;
}

/** One value a filter publishes for one event. */
export interface MetricDatapoint {
  accountId: string;
  namespace: string;
  metricName: string;
  dimensions: Readonly<Record<string, string>>;
  timestampMs: number;
  value: number;
  unit?: StandardUnit;
}

export const MAX_FILTERS_PER_LOG_GROUP = 100;
export const MAX_DIMENSIONS = 3;
const MAX_PATTERN_LENGTH = 1024;
const MAX_METRIC_VALUE_LENGTH = 100;
/** CloudWatch's limit on a dimension value; longer values are not published. */
const MAX_DIMENSION_VALUE_LENGTH = 1024;

const LOG_GROUP_NAME = /^[.\-_/#A-Za-z0-9]+$/;
const FILTER_NAME = /^[^:*]*$/;
const METRIC_NAME = /^[^:*$]*$/;
/** A JSON selector: `$.a`, `$.a.b-c`, `$.a[0].b`, `$.c[0][1]`. */
const JSON_SELECTOR = /^\$(\.[A-Za-z0-9_-]+(\[\d+\])*)+$/;
const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

function invalidTransformation(detail: string): MonitorError {
  return new MonitorError('InvalidParameterException', `Invalid metric transformation: ${detail}`);
}

function checkLength(member: string, value: unknown, min: number, max: number): string {
  if (typeof value !== 'string') {
    throw new MonitorError('InvalidParameterException', `${member} must be a string, got ${JSON.stringify(value)}.`);
  }
  if (value.length < min)
    throw constraintError(member, value, `Member must have length greater than or equal to ${min}`);
  if (value.length > max) throw constraintError(member, value, `Member must have length less than or equal to ${max}`);
  return value;
}

function checkPattern(member: string, value: string, re: RegExp, shown: string): void {
  if (!re.test(value)) throw constraintError(member, value, `Member must satisfy regular expression pattern: ${shown}`);
}

/**
 * Validates a PutMetricFilter request the way CloudWatch Logs does (member constraints first,
 * then the transformation rules), compiles its pattern, and returns the normalised input.
 */
export function validatePutMetricFilter(
  input: PutMetricFilterInput,
  engine: FilterPatternEngine,
): PutMetricFilterInput {
  const logGroupName = checkLength('logGroupName', input.logGroupName, 1, 512);
  checkPattern('logGroupName', logGroupName, LOG_GROUP_NAME, '[\\.\\-_/#A-Za-z0-9]+');
  const filterName = checkLength('filterName', input.filterName, 1, 512);
  checkPattern('filterName', filterName, FILTER_NAME, '[^:*]*');
  const filterPattern = checkLength('filterPattern', input.filterPattern, 0, MAX_PATTERN_LENGTH);
  const list = input.metricTransformations;
  if (!Array.isArray(list) || list.length < 1) {
    throw constraintError('metricTransformations', list ?? null, 'Member must have length greater than or equal to 1');
  }
  if (list.length > 1) {
    throw constraintError('metricTransformations', list, 'Member must have length less than or equal to 1');
  }
  const t = validateTransformation(list[0]!);
  try {
    engine.compile(filterPattern);
  } catch (err) {
    throw new MonitorError(
      'InvalidParameterException',
      `Invalid metric filter pattern: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  return { logGroupName, filterName, filterPattern, metricTransformations: [t] };
}

function validateTransformation(t: MetricTransformation): MetricTransformation {
  const m = 'metricTransformations.1.member';
  const metricName = checkLength(`${m}.metricName`, t.metricName, 1, 255);
  checkPattern(`${m}.metricName`, metricName, METRIC_NAME, '[^:*$]*');
  const metricNamespace = checkLength(`${m}.metricNamespace`, t.metricNamespace, 1, 255);
  checkPattern(`${m}.metricNamespace`, metricNamespace, METRIC_NAME, '[^:*$]*');
  const metricValue = checkLength(`${m}.metricValue`, t.metricValue, 1, MAX_METRIC_VALUE_LENGTH).trim();
  if (NUMBER.test(metricValue)) {
    if (!Number.isFinite(Number(metricValue))) {
      throw invalidTransformation(`metric value ${metricValue} must be a finite number`);
    }
  } else if (!JSON_SELECTOR.test(metricValue)) {
    throw invalidTransformation(`metric value ${metricValue} must be a number or a JSON selector such as $.field`);
  }
  const out: MetricTransformation = { metricName, metricNamespace, metricValue };
  if (t.defaultValue !== undefined && t.defaultValue !== null) {
    if (typeof t.defaultValue !== 'number' || !Number.isFinite(t.defaultValue)) {
      throw invalidTransformation(`default value must be a finite number, got ${JSON.stringify(t.defaultValue)}`);
    }
    out.defaultValue = t.defaultValue;
  }
  if (t.dimensions !== undefined && t.dimensions !== null) {
    if (typeof t.dimensions !== 'object' || Array.isArray(t.dimensions)) {
      throw invalidTransformation('dimensions must be a map of dimension name to selector');
    }
    const entries = Object.entries(t.dimensions);
    if (entries.length > MAX_DIMENSIONS) {
      throw invalidTransformation(
        `a metric transformation may have at most ${MAX_DIMENSIONS} dimensions, got ${entries.length}`,
      );
    }
    for (const [name, selector] of entries) {
      if (name.length < 1 || name.length > 255 || !/^[\x20-\x7e]+$/.test(name) || name.startsWith(':')) {
        throw invalidTransformation(
          `dimension name ${JSON.stringify(name)} must be 1 to 255 printable ASCII characters`,
        );
      }
      if (typeof selector !== 'string' || !JSON_SELECTOR.test(selector)) {
        throw invalidTransformation('dimension value must be valid selector');
      }
    }
    if (entries.length > 0) {
      if (out.defaultValue !== undefined) {
        throw invalidTransformation('dimensions and default value are mutually exclusive properties');
      }
      out.dimensions = Object.fromEntries(entries);
    }
  }
  if (t.unit !== undefined && t.unit !== null) {
    if (!STANDARD_UNITS.includes(t.unit)) {
      throw constraintError(`${m}.unit`, t.unit, `Member must satisfy enum value set: [${STANDARD_UNITS.join(', ')}]`);
    }
    out.unit = t.unit;
  }
  return out;
}

/** A filter with its pattern compiled once, ready for the hot path. */
export class CompiledMetricFilter {
  private readonly matcher: Matcher<unknown>;
  private readonly constantValue: number | undefined;

  constructor(
    readonly filter: MetricFilter,
    private readonly engine: FilterPatternEngine,
  ) {
    this.matcher = engine.compile(filter.filterPattern);
    const v = filter.metricTransformations[0]!.metricValue;
    this.constantValue = NUMBER.test(v) ? Number(v) : undefined;
  }

  /**
   * The datapoint this filter publishes for one event, or undefined: no match and no default
   * value, or a selector (value or dimension) that found nothing usable in the event.
   */
  apply(record: CloudTrailRecord, eventTimeMs: number): MetricDatapoint | undefined {
    const t = this.filter.metricTransformations[0]!;
    let value: number | undefined;
    let dimensions: Record<string, string> = {};
    if (this.matcher.matches(record)) {
      value = this.constantValue ?? this.numberAt(record, t.metricValue);
      if (value === undefined) return undefined;
      if (t.dimensions) {
        const d = this.dimensionsOf(record, t.dimensions);
        if (!d) return undefined;
        dimensions = d;
      }
    } else if (t.defaultValue !== undefined) {
      value = t.defaultValue;
    } else {
      return undefined;
    }
    return {
      accountId: this.filter.accountId,
      namespace: t.metricNamespace,
      metricName: t.metricName,
      dimensions,
      timestampMs: eventTimeMs,
      value,
      ...(t.unit ? { unit: t.unit } : {}),
    };
  }

  /** Numbers, and strings that spell one (JSON logs often quote numbers), are published. */
  private numberAt(record: CloudTrailRecord, selector: string): number | undefined {
    const v = this.engine.valueAt(record, selector);
    if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
    if (typeof v === 'string' && NUMBER.test(v.trim())) {
      const n = Number(v.trim());
      return Number.isFinite(n) ? n : undefined;
    }
    return undefined;
  }

  private dimensionsOf(record: CloudTrailRecord, spec: Record<string, string>): Record<string, string> | undefined {
    const out: Record<string, string> = {};
    for (const [name, selector] of Object.entries(spec)) {
      const v = this.engine.valueAt(record, selector);
      let s: string;
      if (typeof v === 'string') s = v;
      else if (typeof v === 'number' || typeof v === 'boolean') s = String(v);
      else return undefined;
      if (s.length === 0 || s.length > MAX_DIMENSION_VALUE_LENGTH) return undefined;
      out[name] = s;
    }
    return out;
  }
}

export interface TestMetricFilterMatch {
  eventNumber: number;
  eventMessage: string;
  extractedValues: Record<string, string>;
}

/**
 * TestMetricFilter: which of 1–50 messages a pattern matches. JSON messages are matched as
 * parsed objects, anything else as its text. For JSON patterns CloudWatch extracts no named
 * values, so `extractedValues` stays empty (space-delimited `$name` values are not supported).
 */
export function testMetricFilter(
  engine: FilterPatternEngine,
  filterPattern: string,
  logEventMessages: readonly string[],
): TestMetricFilterMatch[] {
  checkLength('filterPattern', filterPattern, 0, MAX_PATTERN_LENGTH);
  if (!Array.isArray(logEventMessages) || logEventMessages.length < 1) {
    throw constraintError(
      'logEventMessages',
      logEventMessages ?? null,
      'Member must have length greater than or equal to 1',
    );
  }
  if (logEventMessages.length > 50) {
    throw constraintError('logEventMessages', logEventMessages, 'Member must have length less than or equal to 50');
  }
  let matcher: Matcher<unknown>;
  try {
    matcher = engine.compile(filterPattern);
  } catch (err) {
    throw new MonitorError(
      'InvalidParameterException',
      `Invalid metric filter pattern: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  const matches: TestMetricFilterMatch[] = [];
  logEventMessages.forEach((message, i) => {
    let event: unknown = message;
    try {
      event = JSON.parse(message);
    } catch {
      // Not JSON: term patterns still apply to the text.
    }
    if (matcher.matches(event)) matches.push({ eventNumber: i + 1, eventMessage: message, extractedValues: {} });
  });
  return matches;
}
