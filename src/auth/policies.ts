/**
 * IAM-shaped policies (Effect, Action, Resource with wildcards; an explicit Deny wins) and the
 * three ready-made ones every deployment has.
 */

export interface PolicyStatement {
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource?: string | string[];
}

export interface PolicyDocument {
  Version: '2012-10-17';
  Statement: PolicyStatement[];
}

const READ_ACTIONS = [
  'cloudtrail:Get*',
  'cloudtrail:List*',
  'cloudtrail:Describe*',
  'cloudtrail:LookupEvents',
  'opentrail:Get*',
  'opentrail:List*',
  'opentrail:LookupEvents',
];

const INGEST_ACTIONS = ['cloudtrail-data:PutAuditEvents', 'opentrail:PutEvents'];

export const BUILT_IN_POLICIES: Record<string, PolicyDocument> = {
  administrator: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] },
  'read-only': { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: READ_ACTIONS, Resource: '*' }] },
  'event-writer': { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: INGEST_ACTIONS, Resource: '*' }] },
};

export function isBuiltInPolicy(name: string): boolean {
  return Object.hasOwn(BUILT_IN_POLICIES, name);
}

function globToRegExp(glob: string): RegExp {
  const body = glob
    .split('*')
    .map((part) =>
      part
        .split('?')
        .map((p) => p.replace(/[.+^${}()|[\]\\]/g, '\\$&'))
        .join('.'),
    )
    .join('.*');
  return new RegExp(`^${body}$`, 'i');
}

function list(v: string | string[] | undefined): string[] {
  return v === undefined ? ['*'] : Array.isArray(v) ? v : [v];
}

/** True when the policy allows `action` (e.g. `cloudtrail:LookupEvents`) on `resource`. */
export function isAllowed(policy: PolicyDocument, action: string, resource = '*'): boolean {
  let allowed = false;
  for (const st of policy.Statement) {
    const actionMatches = list(st.Action).some((a) => globToRegExp(a).test(action));
    const resourceMatches = list(st.Resource).some((r) => globToRegExp(r).test(resource));
    if (!actionMatches || !resourceMatches) continue;
    if (st.Effect === 'Deny') return false;
    allowed = true;
  }
  return allowed;
}
