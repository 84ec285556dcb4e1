/**
 * The EventBridge event a CloudTrail record becomes on the default bus (spec §6): rules match
 * event patterns against this envelope, never against the bare record.
 */
import { createHash } from 'node:crypto';
import type { CloudTrailRecord } from '../event/types.js';
import { formatEventTime, parseEventTime } from '../event/time.js';

export interface CloudTrailEnvelope {
  version: '0';
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: CloudTrailRecord;
}

export interface EnvelopeOptions {
  /** The envelope id; by default a UUID derived from account and eventID, so a replay gets the same id. */
  id?: string;
  /** Used when the record names no recipient account. */
  account?: string;
}

export const DETAIL_TYPE = {
  apiCall: 'AWS API Call via CloudTrail',
  // Real events and community rules use "Sign In"; one doc page spells it "Signin" (spec §10).
  consoleSignIn: 'AWS Console Sign In via CloudTrail',
  consoleAction: 'AWS Console Action via CloudTrail',
  serviceEvent: 'AWS Service Event via CloudTrail',
  insight: 'AWS Insight via CloudTrail',
  networkActivity: 'AWS Network Activity Event via CloudTrail',
} as const;

export function detailTypeOf(record: CloudTrailRecord): string {
  if (record.eventType === 'AwsCloudTrailInsight' || record.eventCategory === 'Insight') return DETAIL_TYPE.insight;
  if (record.eventCategory === 'NetworkActivity' || String(record.eventType).startsWith('AwsVpceEvent')) {
    return DETAIL_TYPE.networkActivity;
  }
  switch (record.eventType) {
    case 'AwsConsoleSignIn':
      return DETAIL_TYPE.consoleSignIn;
    case 'AwsConsoleAction':
      return DETAIL_TYPE.consoleAction;
    case 'AwsServiceEvent':
      return DETAIL_TYPE.serviceEvent;
    default:
      return DETAIL_TYPE.apiCall;
  }
}

/** `aws.` + the first label of eventSource (`ec2.amazonaws.com` → `aws.ec2`); Insights come from aws.cloudtrail. */
export function sourceOf(record: CloudTrailRecord): string {
  if (detailTypeOf(record) === DETAIL_TYPE.insight) return 'aws.cloudtrail';
  const label = (record.eventSource ?? '').split('.')[0];
  return label ? `aws.${label}` : 'aws.cloudtrail';
}

function uuidFrom(text: string): string {
  const h = createHash('sha1').update(text).digest();
  h[6] = (h[6]! & 0x0f) | 0x50; // version 5 layout: name-based (SHA-1)
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

export function cloudTrailEnvelope(record: CloudTrailRecord, opts: EnvelopeOptions = {}): CloudTrailEnvelope {
  const account = record.recipientAccountId || record.userIdentity?.accountId || opts.account || '';
  const ms = parseEventTime(record.eventTime);
  return {
    version: '0',
    id: opts.id ?? uuidFrom(`${account}/${record.eventID}`),
    'detail-type': detailTypeOf(record),
    source: sourceOf(record),
    account,
    time: ms === undefined ? record.eventTime : formatEventTime(ms),
    region: record.awsRegion,
    resources: [],
    detail: record,
  };
}
