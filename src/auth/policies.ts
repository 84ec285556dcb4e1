/**
 * IAM-shaped identity policies: the JSON documents, their validation (with IAM's
 * MalformedPolicyDocument wording where IAM has one), and their evaluation (explicit Deny wins,
 * otherwise an Allow is needed; default deny). Every document is compiled once — the patterns of a
 * statement become one regular expression — because authorisation runs on every request.
 */

export type Effect = 'Allow' | 'Deny';

export interface PolicyStatement {
  Sid?: string;
  Effect: Effect;
  /** Exactly one of Action and NotAction. */
  Action?: string | string[];
  NotAction?: string | string[];
  /** Exactly one of Resource and NotResource. */
  Resource?: string | string[];
  NotResource?: string | string[];
}

export interface PolicyDocument {
  Version: '2012-10-17' | '2008-10-17';
  Id?: string;
  Statement: PolicyStatement | PolicyStatement[];
}

/** What an evaluation concluded, with IAM's three outcomes. */
export type Decision = 'Allow' | 'ExplicitDeny' | 'ImplicitDeny';

/** A document that is not a valid identity policy; the message says what and where. */
export class MalformedPolicyDocumentError extends Error {
  override readonly name = 'MalformedPolicyDocumentError';
}

/** IAM's quota for a managed policy, counted without whitespace. */
export const MAX_POLICY_CHARACTERS = 6144;

const VERSIONS = new Set(['2012-10-17', '2008-10-17']);
const STATEMENT_KEYS = new Set(['Sid', 'Effect', 'Action', 'NotAction', 'Resource', 'NotResource']);
/** `*`, or `service:pattern` where the service is a vendor prefix (IAM's rule). */
const ACTION_RE = /^(?:\*|[A-Za-z0-9-]+:[A-Za-z0-9*?]+)$/;
const SID_RE = /^[A-Za-z0-9]*$/;

function fail(message: string): never {
  throw new MalformedPolicyDocumentError(message);
}

function stringList(st: Record<string, unknown>, field: string, where: string): string[] {
  const v = st[field];
  const list = typeof v === 'string' ? [v] : v;
  if (!Array.isArray(list) || list.length === 0) {
    fail(`${where}.${field} must be a string or a non-empty array of strings`);
  }
  list.forEach((item, j) => {
    if (typeof item !== 'string' || item === '') fail(`${where}.${field}[${j}] must be a non-empty string`);
  });
  return list as string[];
}

function validateStatement(raw: unknown, where: string): PolicyStatement {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) fail(`${where} must be an object`);
  const st = raw as Record<string, unknown>;
  for (const key of Object.keys(st)) {
    if (key === 'Principal' || key === 'NotPrincipal') {
      fail(`${where}: Policy document should not specify a principal.`);
    }
    if (key === 'Condition') fail(`${where}: Condition is not supported; use Action and Resource only.`);
    if (!STATEMENT_KEYS.has(key)) {
      fail(
        `${where}: unknown field "${key}"; a statement has Sid, Effect, Action or NotAction, Resource or NotResource`,
      );
    }
  }
  if (st.Sid !== undefined && (typeof st.Sid !== 'string' || !SID_RE.test(st.Sid))) {
    fail(`${where}.Sid must contain only letters and digits`);
  }
  if (st.Effect !== 'Allow' && st.Effect !== 'Deny') {
    fail(`${where}.Effect must be "Allow" or "Deny", got ${JSON.stringify(st.Effect)}`);
  }
  const hasAction = st.Action !== undefined;
  if (hasAction === (st.NotAction !== undefined)) {
    fail(`${where}: a statement needs exactly one of Action and NotAction`);
  }
  const actionField = hasAction ? 'Action' : 'NotAction';
  for (const action of stringList(st, actionField, where)) {
    if (!ACTION_RE.test(action)) {
      fail(
        `${where}.${actionField}: "${action}" is not an action; actions are "*" or prefaced by a vendor, e.g. cloudtrail:LookupEvents`,
      );
    }
  }
  const hasResource = st.Resource !== undefined;
  if (!hasResource && st.NotResource === undefined) fail(`${where}: Policy statement must contain resources.`);
  if (hasResource && st.NotResource !== undefined) {
    fail(`${where}: a statement needs exactly one of Resource and NotResource`);
  }
  const resourceField = hasResource ? 'Resource' : 'NotResource';
  for (const resource of stringList(st, resourceField, where)) {
    if (resource !== '*' && !resource.startsWith('arn:')) {
      fail(`${where}.${resourceField}: Resource ${resource} must be in ARN format or "*".`);
    }
  }
  return st as unknown as PolicyStatement;
}

/**
 * Validates an identity policy, given as JSON text or already parsed. Throws
 * MalformedPolicyDocumentError naming the first problem and where it is.
 */
export function parsePolicyDocument(input: string | unknown): PolicyDocument {
  let doc: unknown = input;
  if (typeof input === 'string') {
    if (input.replace(/\s+/g, '').length > MAX_POLICY_CHARACTERS) {
      fail(`the policy has more than ${MAX_POLICY_CHARACTERS} characters (not counting whitespace)`);
    }
    try {
      doc = JSON.parse(input);
    } catch (err) {
      fail(`the policy is not valid JSON: ${(err as Error).message}`);
    }
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) fail('the policy must be a JSON object');
  const d = doc as Record<string, unknown>;
  for (const key of Object.keys(d)) {
    if (key !== 'Version' && key !== 'Statement' && key !== 'Id') {
      fail(`unknown top-level field "${key}"; a policy has Version, Id and Statement`);
    }
  }
  if (d.Version === undefined) fail('Version is missing; use "2012-10-17"');
  if (typeof d.Version !== 'string' || !VERSIONS.has(d.Version)) {
    fail(`The policy failed legacy parsing: Version ${JSON.stringify(d.Version)} is not "2012-10-17" or "2008-10-17"`);
  }
  if (d.Id !== undefined && typeof d.Id !== 'string') fail('Id must be a string');
  if (d.Statement === undefined) fail('Statement is missing');
  const statements = Array.isArray(d.Statement) ? d.Statement : [d.Statement];
  if (statements.length === 0) fail('Statement must not be empty');
  const validated = statements.map((s, i) => validateStatement(s, `Statement[${i}]`));
  return { ...(d as unknown as PolicyDocument), Statement: validated };
}

/** An IAM wildcard (`*` any run, `?` one character) as a regular expression body. */
function globBody(glob: string): string {
  let body = '';
  for (const ch of glob) {
    if (ch === '*') body += '.*';
    else if (ch === '?') body += '.';
    else body += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return body;
}

/** One regular expression for a list of patterns; actions match case-insensitively, as in IAM. */
function patternSet(patterns: string[], caseInsensitive: boolean): RegExp {
  return new RegExp(`^(?:${patterns.map(globBody).join('|')})$`, caseInsensitive ? 'is' : 's');
}

interface CompiledStatement {
  effect: Effect;
  actions: RegExp;
  /** true for NotAction: the statement applies to every action the patterns do not match. */
  notAction: boolean;
  resources: RegExp;
  notResource: boolean;
}

const asList = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** A policy ready to evaluate: built once, evaluated on every request. */
export class CompiledPolicy {
  private readonly statements: CompiledStatement[];

  constructor(readonly document: PolicyDocument) {
    const list = Array.isArray(document.Statement) ? document.Statement : [document.Statement];
    this.statements = list.map((st) => ({
      effect: st.Effect,
      notAction: st.Action === undefined,
      actions: patternSet(asList(st.Action ?? st.NotAction), true),
      // ARNs are case-sensitive in IAM.
      notResource: st.Resource === undefined,
      resources: patternSet(asList(st.Resource ?? st.NotResource), false),
    }));
  }

  /** The decision for `action` (e.g. `cloudtrail:LookupEvents`) on `resource` (an ARN, or `*`). */
  evaluate(action: string, resource = '*'): Decision {
    let allowed = false;
    for (const st of this.statements) {
      if (st.actions.test(action) === st.notAction) continue;
      if (st.resources.test(resource) === st.notResource) continue;
      if (st.effect === 'Deny') return 'ExplicitDeny';
      allowed = true;
    }
    return allowed ? 'Allow' : 'ImplicitDeny';
  }

  isAllowed(action: string, resource = '*'): boolean {
    return this.evaluate(action, resource) === 'Allow';
  }
}

/** Validates and compiles in one step. */
export function compilePolicy(input: string | unknown): CompiledPolicy {
  return new CompiledPolicy(parsePolicyDocument(input));
}

/** Every read of the CloudTrail API, and the read operations of our own. */
const READ_ACTIONS = [
  'cloudtrail:Get*',
  'cloudtrail:List*',
  'cloudtrail:Describe*',
  'cloudtrail:Lookup*',
  'opentrail:Get*',
  'opentrail:List*',
  'opentrail:Lookup*',
  'organizations:Describe*',
  'organizations:List*',
];

/** Writing events, and nothing else. */
const INGEST_ACTIONS = ['cloudtrail-data:PutAuditEvents', 'opentrail:PutEvents'];

export const BUILT_IN_POLICY_NAMES = ['administrator', 'read-only', 'event-writer'] as const;
export type BuiltInPolicyName = (typeof BUILT_IN_POLICY_NAMES)[number];

export const BUILT_IN_POLICIES: Record<BuiltInPolicyName, PolicyDocument> = {
  administrator: {
    Version: '2012-10-17',
    Statement: [{ Sid: 'Everything', Effect: 'Allow', Action: '*', Resource: '*' }],
  },
  'read-only': {
    Version: '2012-10-17',
    Statement: [{ Sid: 'ReadEverything', Effect: 'Allow', Action: READ_ACTIONS, Resource: '*' }],
  },
  'event-writer': {
    Version: '2012-10-17',
    Statement: [{ Sid: 'WriteEventsOnly', Effect: 'Allow', Action: INGEST_ACTIONS, Resource: '*' }],
  },
};

export function isBuiltInPolicy(name: string): name is BuiltInPolicyName {
  return Object.hasOwn(BUILT_IN_POLICIES, name);
}

const COMPILED_BUILT_INS = new Map<string, CompiledPolicy>(
  BUILT_IN_POLICY_NAMES.map((name) => [name, new CompiledPolicy(BUILT_IN_POLICIES[name])]),
);

/** The compiled built-in policy of that name, or undefined. */
export function builtInPolicy(name: string): CompiledPolicy | undefined {
  return COMPILED_BUILT_INS.get(name);
}
