import type { CloudTrailRecord, UserIdentity } from './types.js';

/**
 * The values event history filters on (LookupEvents attributes), derived from a record once,
 * at ingest, so stores can index them.
 */
export interface LookupAttributes {
  eventName: string | null;
  eventSource: string | null;
  awsRegion: string | null;
  eventCategory: string | null;
  readOnly: boolean | null;
  username: string | null;
  accessKeyId: string | null;
  resourceTypes: string[];
  resourceNames: string[];
}

/**
 * The user name event history shows: the IAM user name; for an assumed role the session name
 * (the last part of the assumed-role ARN), as the CloudTrail console shows it; otherwise the
 * session issuer's name or the principal ID.
 */
export function usernameOf(record: CloudTrailRecord): string | null {
  const ui = record.userIdentity;
  if (!ui) return null;
  if (typeof ui.userName === 'string' && ui.userName !== '') return ui.userName;
  if (ui.type === 'AssumedRole' && typeof ui.arn === 'string') {
    const slash = ui.arn.lastIndexOf('/');
    if (slash >= 0) return ui.arn.slice(slash + 1);
  }
  const issuer = ui.sessionContext?.sessionIssuer?.userName;
  if (typeof issuer === 'string' && issuer !== '') return issuer;
  return typeof ui.principalId === 'string' && ui.principalId !== '' ? ui.principalId : null;
}

function str(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}

export function lookupAttributesOf(record: CloudTrailRecord): LookupAttributes {
  const resourceTypes: string[] = [];
  const resourceNames: string[] = [];
  if (Array.isArray(record.resources)) {
    for (const r of record.resources) {
      if (typeof r.type === 'string') resourceTypes.push(r.type);
      if (typeof r.ARN === 'string') resourceNames.push(r.ARN);
    }
  }
  // Insights records name the API they watch inside insightDetails.
  const insight = record.insightDetails as { eventName?: unknown; eventSource?: unknown } | undefined;
  return {
    eventName: str(record.eventName) ?? str(insight?.eventName),
    eventSource: str(record.eventSource) ?? str(insight?.eventSource),
    awsRegion: str(record.awsRegion),
    eventCategory: str(record.eventCategory),
    readOnly: typeof record.readOnly === 'boolean' ? record.readOnly : null,
    username: usernameOf(record),
    accessKeyId: str(record.userIdentity?.accessKeyId) || null,
    resourceTypes,
    resourceNames,
  };
}

/**
 * The part of a record its lookup attributes are derived from, plus the members every record
 * has: `lookupAttributesOf(lookupViewOf(r))` equals `lookupAttributesOf(r)`. Records normalised
 * in a worker thread cross to the log's thread as their JSON and this view, because copying the
 * whole parsed record between threads costs as much as parsing it again.
 */
export function lookupViewOf(record: CloudTrailRecord): CloudTrailRecord {
  const view: CloudTrailRecord = {
    eventVersion: record.eventVersion,
    eventTime: record.eventTime,
    awsRegion: record.awsRegion,
    eventID: record.eventID,
    eventType: record.eventType,
    recipientAccountId: record.recipientAccountId,
    eventCategory: record.eventCategory,
  };
  if (record.eventName !== undefined) view.eventName = record.eventName;
  if (record.eventSource !== undefined) view.eventSource = record.eventSource;
  if (record.readOnly !== undefined) view.readOnly = record.readOnly;
  const ui = record.userIdentity;
  if (ui) {
    // Only the member usernameOf takes the name from, in its order, and the access key.
    const identity: UserIdentity = { type: ui.type };
    const issuer = ui.sessionContext?.sessionIssuer?.userName;
    if (typeof ui.userName === 'string' && ui.userName !== '') identity.userName = ui.userName;
    else if (ui.type === 'AssumedRole' && typeof ui.arn === 'string' && ui.arn.includes('/')) identity.arn = ui.arn;
    else if (typeof issuer === 'string' && issuer !== '')
      identity.sessionContext = { sessionIssuer: { userName: issuer } };
    else if (ui.principalId !== undefined) identity.principalId = ui.principalId;
    if (ui.accessKeyId !== undefined) identity.accessKeyId = ui.accessKeyId;
    view.userIdentity = identity;
  }
  if (Array.isArray(record.resources)) {
    view.resources = record.resources.map((r) => ({
      ...(r.type !== undefined ? { type: r.type } : {}),
      ...(r.ARN !== undefined ? { ARN: r.ARN } : {}),
    }));
  }
  const insight = record.insightDetails as { eventName?: unknown; eventSource?: unknown } | undefined;
  if (insight) {
    view.insightDetails = {
      ...(insight.eventName !== undefined ? { eventName: insight.eventName } : {}),
      ...(insight.eventSource !== undefined ? { eventSource: insight.eventSource } : {}),
    };
  }
  return view;
}
