import type { CloudTrailRecord, EventResource } from '../../event/types.js';
import type { Explanation, Matcher } from '../../patterns/matcher.js';
import { eventKind, isReadEvent } from './event-kind.js';
import { OPERATORS, type AdvancedEventSelector, type AdvancedFieldSelector, type Operator } from './types.js';
import { invalid, listAt, objectAt, shown, stringAt, stringListAt } from './values.js';

/** Quotas and shape limits of advanced selectors (spec §4.2, §4.4). */
export const MAX_ADVANCED_CONDITION_VALUES = 500;
const MAX_SELECTOR_NAME = 1000;
const MAX_FIELD_LENGTH = 1000;
const MAX_VALUE_LENGTH = 2048;
const FIELD_PATTERN = /^[\w|\d|.|_]+$/;

/**
 * The categories a trail's advanced selector can name. `ActivityAuditLog` (custom events) is our
 * extension: AWS offers it to event data stores only, and OpenTrail trails see custom events too.
 * `Insight` is refused: a trail's Insights come from its insight selectors.
 */
export const TRAIL_EVENT_CATEGORIES = ['Management', 'Data', 'NetworkActivity', 'ActivityAuditLog'] as const;
type TrailEventCategory = (typeof TRAIL_EVENT_CATEGORIES)[number];

/** Event sources that emit network-activity events (spec §4.4, at the time it was written). */
export const NETWORK_ACTIVITY_SOURCES = [
  'cloudtrail.amazonaws.com',
  'ec2.amazonaws.com',
  'kms.amazonaws.com',
  'secretsmanager.amazonaws.com',
];
const MANAGEMENT_EXCLUDABLE_SOURCES = ['kms.amazonaws.com', 'rdsdata.amazonaws.com'];
const RESOURCE_TYPE = /^AWS::[A-Za-z0-9]+::[A-Za-z0-9]+$/;

const EQUALS_ONLY: readonly Operator[] = ['Equals'];
const EQUALITY: readonly Operator[] = ['Equals', 'NotEquals'];

interface FieldRule {
  operators: readonly Operator[];
  /** Allowed values, when the field has a closed set. */
  values?: readonly string[];
  /** At most this many values in the one operator the field allows. */
  maxValues?: number;
}

/** Which fields each category allows, with their operators (AWS's rules for trails, spec §4.4). */
const RULES: Record<TrailEventCategory, Record<string, FieldRule>> = {
  Management: {
    readOnly: { operators: EQUALS_ONLY, values: ['true', 'false'], maxValues: 1 },
    eventSource: { operators: ['NotEquals'], values: MANAGEMENT_EXCLUDABLE_SOURCES },
  },
  Data: {
    'resources.type': { operators: EQUALS_ONLY, maxValues: 1 },
    readOnly: { operators: EQUALS_ONLY, values: ['true', 'false'], maxValues: 1 },
    eventName: { operators: OPERATORS },
    'resources.ARN': { operators: OPERATORS },
    eventSource: { operators: OPERATORS },
    eventType: { operators: OPERATORS },
    'userIdentity.arn': { operators: OPERATORS },
    sessionCredentialFromConsole: { operators: EQUALITY, values: ['true', 'false'] },
  },
  NetworkActivity: {
    eventSource: { operators: EQUALS_ONLY, values: NETWORK_ACTIVITY_SOURCES, maxValues: 1 },
    eventName: { operators: OPERATORS },
    errorCode: { operators: EQUALS_ONLY, values: ['VpceAccessDenied'] },
    vpcEndpointId: { operators: OPERATORS },
  },
  ActivityAuditLog: {
    readOnly: { operators: EQUALS_ONLY, values: ['true', 'false'], maxValues: 1 },
    eventSource: { operators: OPERATORS },
    eventName: { operators: OPERATORS },
    eventType: { operators: OPERATORS },
    'userIdentity.arn': { operators: OPERATORS },
    errorCode: { operators: OPERATORS },
    'resources.type': { operators: EQUALS_ONLY },
    'resources.ARN': { operators: OPERATORS },
  },
};

/** Fields a category cannot do without. */
const REQUIRED: Record<TrailEventCategory, string[]> = {
  Management: [],
  Data: ['resources.type'],
  NetworkActivity: ['eventSource'],
  ActivityAuditLog: [],
};

function operatorsOf(fs: AdvancedFieldSelector): Operator[] {
  return OPERATORS.filter((op) => fs[op] !== undefined);
}

function valueCount(fs: AdvancedFieldSelector): number {
  return operatorsOf(fs).reduce((n, op) => n + fs[op]!.length, 0);
}

/**
 * Validates PutEventSelectors' `AdvancedEventSelectors` against CloudTrail's rules for trails:
 * the shape limits, one `eventCategory` (Equals) per selector, the fields and operators its
 * category allows, the required fields, and 500 condition values across all selectors.
 */
export function parseAdvancedEventSelectors(input: unknown): AdvancedEventSelector[] {
  const list = listAt(input, 'AdvancedEventSelectors') ?? [];
  if (list.length === 0) throw invalid('AdvancedEventSelectors must contain at least one advanced event selector.');
  let total = 0;
  const selectors = list.map((item, i) => {
    const where = `AdvancedEventSelectors[${i}]`;
    const s = objectAt(item, where);
    const name = stringAt(s.Name, `${where}.Name`);
    if (name !== undefined && name.length > MAX_SELECTOR_NAME) {
      throw invalid(`${where}.Name is ${name.length} characters long; the maximum is ${MAX_SELECTOR_NAME}.`);
    }
    const raw = listAt(s.FieldSelectors, `${where}.FieldSelectors`) ?? [];
    if (raw.length === 0) throw invalid(`${where} must have at least one field selector.`);
    const fieldSelectors = raw.map((f, j) => parseFieldSelector(f, `${where}.FieldSelectors[${j}]`));
    checkSelector(fieldSelectors, where);
    total += fieldSelectors.reduce((n, fs) => n + valueCount(fs), 0);
    return { ...(name !== undefined ? { Name: name } : {}), FieldSelectors: fieldSelectors };
  });
  if (total > MAX_ADVANCED_CONDITION_VALUES) {
    throw invalid(
      `Advanced event selectors can have at most ${MAX_ADVANCED_CONDITION_VALUES} condition values across all selectors; the request has ${total}.`,
    );
  }
  return selectors;
}

function parseFieldSelector(input: unknown, where: string): AdvancedFieldSelector {
  const f = objectAt(input, where);
  const field = stringAt(f.Field, `${where}.Field`);
  if (field === undefined) throw invalid(`${where}.Field is required.`);
  if (field.length < 1 || field.length > MAX_FIELD_LENGTH || !FIELD_PATTERN.test(field)) {
    throw invalid(`${where}.Field ${shown(field)} is not a valid field name.`);
  }
  const out: AdvancedFieldSelector = { Field: field };
  for (const op of OPERATORS) {
    const values = stringListAt(f[op], `${where}.${op}`);
    if (values === undefined) continue;
    if (values.length === 0) throw invalid(`${where}.${op} must not be an empty list.`);
    for (const v of values) {
      if (v.length < 1 || v.length > MAX_VALUE_LENGTH) {
        throw invalid(`${where}.${op} values must be 1 to ${MAX_VALUE_LENGTH} characters long; got ${v.length}.`);
      }
    }
    out[op] = values;
  }
  if (operatorsOf(out).length === 0) {
    throw invalid(`${where} (${field}) needs at least one operator: ${OPERATORS.join(', ')}.`);
  }
  return out;
}

function checkSelector(fields: AdvancedFieldSelector[], where: string): void {
  const seen = new Set<string>();
  for (const fs of fields) {
    if (seen.has(fs.Field)) throw invalid(`${where} names the field ${fs.Field} more than once.`);
    seen.add(fs.Field);
  }
  const categoryField = fields.find((fs) => fs.Field === 'eventCategory');
  if (!categoryField) throw invalid(`${where} must have an eventCategory field selector.`);
  const ops = operatorsOf(categoryField);
  if (ops.length !== 1 || ops[0] !== 'Equals' || categoryField.Equals!.length !== 1) {
    throw invalid(`${where}: eventCategory must use the Equals operator with exactly one value.`);
  }
  const category = categoryField.Equals![0]!;
  if (!(TRAIL_EVENT_CATEGORIES as readonly string[]).includes(category)) {
    throw invalid(
      `${where}: eventCategory ${shown(category)} is not valid for a trail. Valid values are ${TRAIL_EVENT_CATEGORIES.join(', ')}.`,
    );
  }
  const rules = RULES[category as TrailEventCategory];
  for (const fs of fields) {
    if (fs.Field === 'eventCategory') continue;
    const rule = rules[fs.Field];
    if (!rule) {
      const allowed = ['eventCategory', ...Object.keys(rules)].join(', ');
      throw invalid(
        `${where}: the field ${fs.Field} is not valid for ${category} events. Valid fields are ${allowed}.`,
      );
    }
    for (const op of operatorsOf(fs)) {
      if (!rule.operators.includes(op)) {
        throw invalid(
          `${where}: the field ${fs.Field} of ${category} events accepts only ${rule.operators.join(', ')}, not ${op}.`,
        );
      }
      const values = fs[op]!;
      if (rule.maxValues !== undefined && values.length > rule.maxValues) {
        throw invalid(
          `${where}: the field ${fs.Field} accepts at most ${rule.maxValues} value${rule.maxValues === 1 ? '' : 's'}; got ${values.length}.`,
        );
      }
      for (const v of values) {
        if (rule.values && !rule.values.includes(v)) {
          throw invalid(
            `${where}: value ${shown(v)} is not valid for ${fs.Field}. Valid values are ${rule.values.join(', ')}.`,
          );
        }
        if (fs.Field === 'resources.type' && !RESOURCE_TYPE.test(v)) {
          throw invalid(
            `${where}: value ${shown(v)} for resources.type is not a resource type such as AWS::S3::Object.`,
          );
        }
        if (fs.Field === 'resources.ARN' && (op === 'Equals' || op === 'NotEquals') && !v.startsWith('arn:')) {
          throw invalid(`${where}: resources.ARN ${op} needs a complete ARN; ${shown(v)} is not one.`);
        }
      }
    }
  }
  for (const field of REQUIRED[category as TrailEventCategory]) {
    if (!seen.has(field)) throw invalid(`${where}: ${category} selectors must have a ${field} field selector.`);
  }
}

/** The operators of one field, compiled: positives are ORed, negatives ANDed (none may hit). */
interface Condition {
  field: string;
  equals?: ReadonlySet<string>;
  startsWith: string[];
  endsWith: string[];
  notEquals?: ReadonlySet<string>;
  notStartsWith: string[];
  notEndsWith: string[];
  hasPositive: boolean;
}

function compileCondition(fs: AdvancedFieldSelector): Condition {
  return {
    field: fs.Field,
    ...(fs.Equals ? { equals: new Set(fs.Equals) } : {}),
    startsWith: fs.StartsWith ?? [],
    endsWith: fs.EndsWith ?? [],
    ...(fs.NotEquals ? { notEquals: new Set(fs.NotEquals) } : {}),
    notStartsWith: fs.NotStartsWith ?? [],
    notEndsWith: fs.NotEndsWith ?? [],
    hasPositive: fs.Equals !== undefined || fs.StartsWith !== undefined || fs.EndsWith !== undefined,
  };
}

function positiveHit(c: Condition, v: string): boolean {
  return (
    (c.equals?.has(v) ?? false) || c.startsWith.some((p) => v.startsWith(p)) || c.endsWith.some((s) => v.endsWith(s))
  );
}

function negativeHit(c: Condition, v: string): boolean {
  return (
    (c.notEquals?.has(v) ?? false) ||
    c.notStartsWith.some((p) => v.startsWith(p)) ||
    c.notEndsWith.some((s) => v.endsWith(s))
  );
}

/**
 * Whether the values a record has for a field satisfy a condition. A record can have several
 * values (resources.ARN): some value must satisfy the positive operators, and no value may hit a
 * negative one. A record without the field fails positive operators and passes negative ones.
 */
function satisfies(c: Condition, values: readonly string[]): boolean {
  if (c.hasPositive && !values.some((v) => positiveHit(c, v))) return false;
  return !values.some((v) => negativeHit(c, v));
}

function stringValue(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  if (typeof v === 'boolean' || typeof v === 'number') return [String(v)];
  return [];
}

/** A record's values for a (non-resource) field. */
function fieldValues(record: CloudTrailRecord, field: string): string[] {
  switch (field) {
    case 'readOnly':
      return [String(isReadEvent(record))];
    case 'userIdentity.arn':
      return stringValue(record.userIdentity?.arn);
    default:
      return stringValue(record[field]);
  }
}

interface CompiledAdvanced {
  index: number;
  name?: string;
  category: string;
  /** resources.type Equals values, when the selector names a type: the resources it looks at. */
  resourceTypes?: ReadonlySet<string>;
  resourceArn?: Condition;
  conditions: Condition[];
}

function compileAdvancedOne(s: AdvancedEventSelector, index: number): CompiledAdvanced {
  const category = s.FieldSelectors.find((f) => f.Field === 'eventCategory')!.Equals![0]!;
  const typeField = s.FieldSelectors.find((f) => f.Field === 'resources.type');
  const arnField = s.FieldSelectors.find((f) => f.Field === 'resources.ARN');
  return {
    index,
    ...(s.Name !== undefined ? { name: s.Name } : {}),
    category,
    ...(typeField?.Equals ? { resourceTypes: new Set(typeField.Equals) } : {}),
    ...(arnField ? { resourceArn: compileCondition(arnField) } : {}),
    conditions: s.FieldSelectors.filter(
      (f) => f.Field !== 'eventCategory' && f.Field !== 'resources.type' && f.Field !== 'resources.ARN',
    ).map(compileCondition),
  };
}

/** Custom events count as management events for trails, as they do for basic selectors. */
function categoryMatches(category: string, record: CloudTrailRecord): boolean {
  const kind = eventKind(record);
  if (category === 'Management') return kind === 'management' || kind === 'custom';
  if (category === 'Data') return kind === 'data';
  if (category === 'NetworkActivity') return kind === 'network';
  return record.eventCategory === category;
}

function evaluateAdvanced(c: CompiledAdvanced, record: CloudTrailRecord, why?: string[]): boolean {
  const label = `AdvancedEventSelectors[${c.index}]${c.name ? ` (${c.name})` : ''}`;
  if (!categoryMatches(c.category, record)) {
    why?.push(`${label}: wants eventCategory ${c.category}, the record is ${String(record.eventCategory)}`);
    return false;
  }
  if (c.resourceTypes || c.resourceArn) {
    const all: EventResource[] = Array.isArray(record.resources) ? record.resources : [];
    const candidates = c.resourceTypes ? all.filter((r) => c.resourceTypes!.has(String(r?.type))) : all;
    if (c.resourceTypes && candidates.length === 0) {
      why?.push(`${label}: no resource of type ${[...c.resourceTypes].join(' or ')}`);
      return false;
    }
    if (c.resourceArn) {
      const arns = candidates.flatMap((r) => stringValue(r?.ARN));
      if (!satisfies(c.resourceArn, arns)) {
        why?.push(`${label}: resources.ARN ${arns.length ? arns.join(', ') : '(none)'} does not satisfy the selector`);
        return false;
      }
    }
  }
  for (const cond of c.conditions) {
    const values = fieldValues(record, cond.field);
    if (!satisfies(cond, values)) {
      why?.push(
        `${label}: ${cond.field} ${values.length ? values.join(', ') : '(absent)'} does not satisfy the selector`,
      );
      return false;
    }
  }
  why?.push(`${label}: every field selector is satisfied`);
  return true;
}

/**
 * Compiles advanced selectors once: fields within a selector are ANDed, a field's positive
 * values ORed and its negative values ANDed, selectors ORed. Insights events never match.
 */
export function compileAdvancedEventSelectors(selectors: readonly AdvancedEventSelector[]): Matcher<CloudTrailRecord> {
  const compiled = selectors.map(compileAdvancedOne);
  return {
    matches(record) {
      if (eventKind(record) === 'insight') return false;
      for (const c of compiled) if (evaluateAdvanced(c, record)) return true;
      return false;
    },
    explain(record): Explanation {
      if (eventKind(record) === 'insight') {
        return { matched: false, reasons: ['Insights events are never selected by event selectors'] };
      }
      const reasons: string[] = [];
      let matched = false;
      for (const c of compiled) matched = evaluateAdvanced(c, record, reasons) || matched;
      return { matched, reasons };
    },
  };
}
