import type { CloudTrailRecord, EventResource } from '../../event/types.js';
import type { Explanation, Matcher } from '../../patterns/matcher.js';
import { eventKind, isReadEvent } from './event-kind.js';
import type { BasicDataResourceType, DataResource, EventSelector, ReadWriteType } from './types.js';
import { booleanAt, invalid, listAt, objectAt, shown, stringAt, stringListAt } from './values.js';

/** Quotas of basic selectors (spec §4.2). */
export const MAX_EVENT_SELECTORS = 5;
export const MAX_DATA_RESOURCES = 250;

const READ_WRITE_TYPES: readonly ReadWriteType[] = ['ReadOnly', 'WriteOnly', 'All'];
const DATA_RESOURCE_TYPES: readonly BasicDataResourceType[] = [
  'AWS::S3::Object',
  'AWS::Lambda::Function',
  'AWS::DynamoDB::Table',
];
/** The only sources a basic selector can leave out of its management events. */
export const EXCLUDABLE_MANAGEMENT_SOURCES = ['kms.amazonaws.com', 'rdsdata.amazonaws.com'] as const;

const PARTITION = '(?:aws|aws-cn|aws-us-gov)';
const REGION = '[a-z]{2}(?:-[a-z]+)+-\\d';
/** S3 bucket names: 3–63 lower-case letters, digits, dots and hyphens, letter or digit at both ends. */
const BUCKET = '[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]';
/** `arn:aws:s3` and `arn:aws:s3:::` mean every bucket; otherwise a bucket, optionally `/` and a key prefix. */
const S3_VALUE = new RegExp(`^arn:${PARTITION}:s3(?::::(?:${BUCKET}(?:/.*)?)?)?$`, 's');
const S3_ALL = new RegExp(`^arn:${PARTITION}:s3(?::::)?$`);
const LAMBDA_ALL = new RegExp(`^arn:${PARTITION}:lambda$`);
const LAMBDA_VALUE = new RegExp(
  `^arn:${PARTITION}:lambda:${REGION}:\\d{12}:function:[A-Za-z0-9_-]{1,64}(?::(?:\\$LATEST|[A-Za-z0-9_-]{1,128}))?$`,
);
const DYNAMODB_ALL = new RegExp(`^arn:${PARTITION}:dynamodb$`);
const DYNAMODB_VALUE = new RegExp(`^arn:${PARTITION}:dynamodb:${REGION}:\\d{12}:table/[A-Za-z0-9_.-]{3,255}$`);

function validValue(type: BasicDataResourceType, value: string): boolean {
  switch (type) {
    case 'AWS::S3::Object':
      return S3_VALUE.test(value);
    case 'AWS::Lambda::Function':
      return LAMBDA_ALL.test(value) || LAMBDA_VALUE.test(value);
    case 'AWS::DynamoDB::Table':
      return DYNAMODB_ALL.test(value) || DYNAMODB_VALUE.test(value);
  }
}

/**
 * Validates PutEventSelectors' `EventSelectors` and fills AWS's defaults (ReadWriteType All,
 * IncludeManagementEvents true, empty lists), so the result is what GetEventSelectors answers.
 * The messages for bad values follow AWS's ("Value arn:aws:s3:::* for DataResources.Values is invalid.").
 */
export function parseEventSelectors(input: unknown): EventSelector[] {
  const list = listAt(input, 'EventSelectors') ?? [];
  if (list.length === 0) {
    throw invalid('EventSelectors must contain at least one event selector.');
  }
  if (list.length > MAX_EVENT_SELECTORS) {
    throw invalid(`A trail can have at most ${MAX_EVENT_SELECTORS} event selectors; the request has ${list.length}.`);
  }
  let dataResourceCount = 0;
  const selectors = list.map((item, i) => {
    const where = `EventSelectors[${i}]`;
    const s = objectAt(item, where);
    const rw = stringAt(s.ReadWriteType, `${where}.ReadWriteType`) ?? 'All';
    if (!READ_WRITE_TYPES.includes(rw as ReadWriteType)) {
      throw invalid(
        `Value ${shown(rw)} for ReadWriteType is invalid. Valid values are ${READ_WRITE_TYPES.join(', ')}.`,
      );
    }
    const includeManagement = booleanAt(s.IncludeManagementEvents, `${where}.IncludeManagementEvents`) ?? true;
    const dataResources = (listAt(s.DataResources, `${where}.DataResources`) ?? []).map((dr, j) => {
      const at = `${where}.DataResources[${j}]`;
      const d = objectAt(dr, at);
      const type = stringAt(d.Type, `${at}.Type`);
      if (type === undefined) throw invalid(`${at}.Type is required.`);
      if (!DATA_RESOURCE_TYPES.includes(type as BasicDataResourceType)) {
        throw invalid(
          `Value ${shown(type)} for DataResources.Type is invalid. Valid values are ${DATA_RESOURCE_TYPES.join(', ')}.`,
        );
      }
      const values = stringListAt(d.Values, `${at}.Values`) ?? [];
      for (const v of values) {
        if (!validValue(type as BasicDataResourceType, v)) {
          throw invalid(`Value ${shown(v)} for DataResources.Values is invalid.`);
        }
      }
      dataResourceCount += values.length;
      return { Type: type as BasicDataResourceType, Values: values } satisfies DataResource;
    });
    const excluded = stringListAt(s.ExcludeManagementEventSources, `${where}.ExcludeManagementEventSources`) ?? [];
    for (const source of excluded) {
      if (!(EXCLUDABLE_MANAGEMENT_SOURCES as readonly string[]).includes(source)) {
        throw invalid(
          `Value ${shown(source)} for ExcludeManagementEventSources is invalid. Valid values are ${EXCLUDABLE_MANAGEMENT_SOURCES.join(', ')}.`,
        );
      }
    }
    return {
      ReadWriteType: rw as ReadWriteType,
      IncludeManagementEvents: includeManagement,
      DataResources: dataResources,
      ExcludeManagementEventSources: excluded,
    } satisfies EventSelector;
  });
  if (dataResourceCount > MAX_DATA_RESOURCES) {
    throw invalid(
      `A trail can have at most ${MAX_DATA_RESOURCES} data resources across its event selectors; the request has ${dataResourceCount}.`,
    );
  }
  return selectors;
}

/** One data resource type's values, sorted into "every resource" and the exact or prefix forms. */
interface CompiledResources {
  all: boolean;
  values: string[];
}

interface CompiledSelector {
  index: number;
  readWrite: ReadWriteType;
  includeManagement: boolean;
  excluded: ReadonlySet<string>;
  s3: CompiledResources;
  lambda: CompiledResources & { exact: ReadonlySet<string> };
  dynamodb: CompiledResources & { exact: ReadonlySet<string> };
}

function compileOne(s: EventSelector, index: number): CompiledSelector {
  const of = (type: BasicDataResourceType, all: RegExp) => {
    const values = s.DataResources.filter((d) => d.Type === type).flatMap((d) => d.Values);
    return { all: values.some((v) => all.test(v)), values: values.filter((v) => !all.test(v)) };
  };
  const lambda = of('AWS::Lambda::Function', LAMBDA_ALL);
  const dynamodb = of('AWS::DynamoDB::Table', DYNAMODB_ALL);
  return {
    index,
    readWrite: s.ReadWriteType,
    includeManagement: s.IncludeManagementEvents,
    excluded: new Set(s.ExcludeManagementEventSources),
    s3: of('AWS::S3::Object', S3_ALL),
    lambda: { ...lambda, exact: new Set(lambda.values) },
    dynamodb: { ...dynamodb, exact: new Set(dynamodb.values) },
  };
}

function readWriteMatches(rw: ReadWriteType, record: CloudTrailRecord): boolean {
  if (rw === 'All') return true;
  return isReadEvent(record) === (rw === 'ReadOnly');
}

function resourcesOf(record: CloudTrailRecord, type: string): EventResource[] {
  return Array.isArray(record.resources) ? record.resources.filter((r) => r?.type === type) : [];
}

/**
 * Whether an S3 data event touches a selected object. Values are prefixes of object ARNs
 * (`arn:aws:s3:::bucket/` = every object in the bucket). Bucket-level data events (ListObjects)
 * name only the bucket: they are selected by the all-buckets form or by the bucket's own
 * `arn:aws:s3:::bucket/` value, never by a narrower key prefix.
 */
function s3Matches(c: CompiledResources, record: CloudTrailRecord): boolean {
  const objects = resourcesOf(record, 'AWS::S3::Object');
  const buckets = resourcesOf(record, 'AWS::S3::Bucket');
  if (objects.length === 0 && buckets.length === 0) return false;
  if (c.all) return true;
  if (objects.some((o) => typeof o.ARN === 'string' && c.values.some((p) => o.ARN!.startsWith(p)))) return true;
  return objects.length === 0 && buckets.some((b) => typeof b.ARN === 'string' && c.values.includes(`${b.ARN}/`));
}

function exactMatches(
  c: CompiledResources & { exact: ReadonlySet<string> },
  record: CloudTrailRecord,
  type: string,
): boolean {
  const rs = resourcesOf(record, type);
  if (rs.length === 0) return false;
  return c.all || rs.some((r) => typeof r.ARN === 'string' && c.exact.has(r.ARN));
}

/** Evaluates one selector; pushes why onto `why` when asked (explain), costs nothing otherwise. */
function evaluate(c: CompiledSelector, record: CloudTrailRecord, why?: string[]): boolean {
  const label = `EventSelectors[${c.index}]`;
  const kind = eventKind(record);
  if (kind !== 'management' && kind !== 'custom' && kind !== 'data') {
    why?.push(`${label}: basic event selectors never select ${kind} events`);
    return false;
  }
  if (!readWriteMatches(c.readWrite, record)) {
    why?.push(
      `${label}: ReadWriteType ${c.readWrite} does not select a ${isReadEvent(record) ? 'read' : 'write'} event`,
    );
    return false;
  }
  if (kind === 'management' || kind === 'custom') {
    const what =
      kind === 'custom' ? 'custom (ActivityAuditLog) event, counted as a management event' : 'management event';
    if (!c.includeManagement) {
      why?.push(`${label}: IncludeManagementEvents is false; the record is a ${what}`);
      return false;
    }
    if (record.eventSource !== undefined && c.excluded.has(record.eventSource)) {
      why?.push(`${label}: ExcludeManagementEventSources leaves out ${record.eventSource}`);
      return false;
    }
    why?.push(`${label}: selects the ${what} (ReadWriteType ${c.readWrite})`);
    return true;
  }
  // A data event: selected when a DataResources value covers one of its resources.
  const hit =
    (s3Matches(c.s3, record) && 'AWS::S3::Object') ||
    (exactMatches(c.lambda, record, 'AWS::Lambda::Function') && 'AWS::Lambda::Function') ||
    (exactMatches(c.dynamodb, record, 'AWS::DynamoDB::Table') && 'AWS::DynamoDB::Table');
  if (hit) {
    why?.push(`${label}: DataResources of type ${hit} select a resource of the data event`);
    return true;
  }
  why?.push(`${label}: no DataResources value selects a resource of the data event`);
  return false;
}

/** Compiles basic selectors once into a matcher: an event is kept when any selector selects it. */
export function compileEventSelectors(selectors: readonly EventSelector[]): Matcher<CloudTrailRecord> {
  const compiled = selectors.map(compileOne);
  return {
    matches(record) {
      if (eventKind(record) === 'insight') return false;
      for (const c of compiled) if (evaluate(c, record)) return true;
      return false;
    },
    explain(record): Explanation {
      if (eventKind(record) === 'insight') {
        return { matched: false, reasons: ['Insights events are never selected by event selectors'] };
      }
      const reasons: string[] = [];
      let matched = false;
      for (const c of compiled) matched = evaluate(c, record, reasons) || matched;
      if (compiled.length === 0) reasons.push('no event selectors: nothing is selected');
      return { matched, reasons };
    },
  };
}
