import type { CloudTrailRecord } from './types.js';

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
