import type { CloudTrailRecord } from '../../event/types.js';

/**
 * How selectors see a record. Basic selectors know two kinds of event: management and data;
 * custom events (`ActivityAuditLog`, from PutAuditEvents) count as management events, so a trail
 * with the default selector keeps them. Insights events are never selected by event selectors
 * (a trail's Insights come from its insight selectors), and network-activity, configuration and
 * evidence events only by an advanced selector that names their category.
 */
export type SelectorEventKind = 'management' | 'data' | 'network' | 'custom' | 'insight' | 'other';

export function eventKind(record: CloudTrailRecord): SelectorEventKind {
  if (record.eventType === 'AwsCloudTrailInsight') return 'insight';
  switch (record.eventCategory) {
    case 'Management':
      return 'management';
    case 'Data':
      return 'data';
    case 'NetworkActivity':
      return 'network';
    case 'ActivityAuditLog':
      return 'custom';
    case 'Insight':
      return 'insight';
    case undefined:
      // Records older than eventVersion 1.08 carry no category, only (sometimes) managementEvent.
      return record.managementEvent === false ? 'data' : 'management';
    default:
      return 'other';
  }
}

/**
 * Whether a record is a read. A record that does not say (some custom events) counts as a write:
 * a WriteOnly trail exists to catch changes, and an audit trail should rather keep an event it
 * cannot classify than lose it.
 */
export function isReadEvent(record: CloudTrailRecord): boolean {
  return record.readOnly === true;
}
