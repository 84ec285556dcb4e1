/**
 * Event selectors as the CloudTrail API carries them (spec §4.4), after validation: every
 * optional member of a basic selector is filled with AWS's default, so what GetEventSelectors
 * answers is what the matcher runs.
 */

export type ReadWriteType = 'ReadOnly' | 'WriteOnly' | 'All';

/** The resource types a basic selector's DataResources may name. */
export type BasicDataResourceType = 'AWS::S3::Object' | 'AWS::Lambda::Function' | 'AWS::DynamoDB::Table';

export interface DataResource {
  Type: BasicDataResourceType;
  Values: string[];
}

export interface EventSelector {
  ReadWriteType: ReadWriteType;
  IncludeManagementEvents: boolean;
  DataResources: DataResource[];
  ExcludeManagementEventSources: string[];
}

export const OPERATORS = ['Equals', 'StartsWith', 'EndsWith', 'NotEquals', 'NotStartsWith', 'NotEndsWith'] as const;
export type Operator = (typeof OPERATORS)[number];

export type AdvancedFieldSelector = { Field: string } & { [O in Operator]?: string[] };

export interface AdvancedEventSelector {
  Name?: string;
  FieldSelectors: AdvancedFieldSelector[];
}

/** A trail uses one kind of selector at a time; putting one kind replaces the other. */
export type TrailSelectors =
  | { kind: 'basic'; eventSelectors: EventSelector[] }
  | { kind: 'advanced'; advancedEventSelectors: AdvancedEventSelector[] };

/** What a trail has before any PutEventSelectors: all read and write management events. */
export function defaultSelectors(): TrailSelectors {
  return {
    kind: 'basic',
    eventSelectors: [
      { ReadWriteType: 'All', IncludeManagementEvents: true, DataResources: [], ExcludeManagementEventSources: [] },
    ],
  };
}

/** Selector input that breaks one of CloudTrail's rules; the API answers InvalidEventSelectorsException. */
export class InvalidEventSelectorsError extends Error {}

/** Selector input of the wrong JSON type (a string where a list belongs); the API answers SerializationException. */
export class SelectorShapeError extends Error {}
