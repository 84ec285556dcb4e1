/**
 * `opentrail lookup`: event history from a running server, over HTTP with SigV4, through our own
 * `GET /v1/events` (which, unlike LookupEvents, takes several filters at once and ANDs them).
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { CREDENTIALS_FILE } from '../config/defaults.js';
import { parseEventTime } from '../event/time.js';
import type { CloudTrailRecord } from '../event/types.js';
import { usernameOf } from '../event/attributes.js';
import { signRequest, type SigningCredentials } from './sigv4-sign.js';
import { renderTable } from './table.js';
import { UsageError } from './usage-error.js';
import { cliRequest, type HttpAnswer } from './http-request.js';

/** The largest page GET /v1/events serves. */
const MAX_PAGE = 1000;
/** The profile `serve` writes into <data-dir>/credentials. */
const DATA_DIR_PROFILE = 'opentrail';

export interface LookupOptions {
  endpointUrl: string;
  dataDir: string;
  region: string;
  user?: string;
  eventName?: string;
  eventSource?: string;
  resource?: string;
  resourceType?: string;
  accessKeyId?: string;
  eventId?: string;
  readOnly?: 'true' | 'false';
  /** Look back this far from now, ms. */
  sinceMs?: number;
  startTime?: string;
  endTime?: string;
  /** Events to print in total, across pages. */
  max: number;
  json: boolean;
}

/** A failure the user can act on: printed as one line, exit status 1. */
export class LookupError extends Error {}

export interface ResolvedCredentials extends SigningCredentials {
  /** Where they came from, for error messages. */
  source: string;
}

/** The `[profile]` section of an AWS shared-credentials (INI) file, when it has a key pair. */
export function readCredentialsProfile(text: string, profile: string): SigningCredentials | undefined {
  let inProfile = false;
  const values: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const section = /^\[\s*(?:profile\s+)?([^\]]+?)\s*\]$/.exec(line);
    if (section) {
      inProfile = section[1] === profile;
      continue;
    }
    if (!inProfile) continue;
    const kv = /^([A-Za-z0-9_]+)\s*=\s*(.*)$/.exec(line);
    if (kv) values[kv[1]!.toLowerCase()] = kv[2]!.trim();
  }
  if (!values.aws_access_key_id || !values.aws_secret_access_key) return undefined;
  return {
    accessKeyId: values.aws_access_key_id,
    secretAccessKey: values.aws_secret_access_key,
    ...(values.aws_session_token ? { sessionToken: values.aws_session_token } : {}),
  };
}

/**
 * Credentials, in this order: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY; the `opentrail` profile
 * of <data-dir>/credentials (what `serve` writes on first start); the shared credentials file
 * (AWS_SHARED_CREDENTIALS_FILE, else ~/.aws/credentials), profile $AWS_PROFILE or `default`.
 */
export function resolveCredentials(
  dataDir: string,
  env: NodeJS.ProcessEnv = process.env,
  home: string = homedir(),
): ResolvedCredentials {
  if (env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) {
    return {
      accessKeyId: env.AWS_ACCESS_KEY_ID,
      secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
      ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
      source: 'the environment (AWS_ACCESS_KEY_ID)',
    };
  }
  const fromFile = (file: string, profile: string): ResolvedCredentials | undefined => {
    if (!existsSync(file)) return undefined;
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new LookupError(`cannot read ${file}: ${(err as Error).message}`);
    }
    const c = readCredentialsProfile(text, profile);
    return c && { ...c, source: `${file} [${profile}]` };
  };
  const dataDirCreds = fromFile(join(dataDir, CREDENTIALS_FILE), DATA_DIR_PROFILE);
  if (dataDirCreds) return dataDirCreds;
  const shared = env.AWS_SHARED_CREDENTIALS_FILE || join(home, '.aws', 'credentials');
  const profile = env.AWS_PROFILE || 'default';
  const sharedCreds = fromFile(shared, profile);
  if (sharedCreds) return sharedCreds;
  throw new LookupError(
    `no credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or point --data-dir at the server's data directory (${join(dataDir, CREDENTIALS_FILE)} was not found), or add profile [${profile}] to ${shared}`,
  );
}

function isoTime(flag: string, value: string): string {
  const ms = parseEventTime(value);
  if (ms === undefined) throw new UsageError(`${flag} ${value} is not a time; use ISO-8601, e.g. 2024-05-01T12:00:00Z`);
  return new Date(ms).toISOString();
}

/** The query parameters of GET /v1/events for the options, without limit and nextToken. */
export function queryFor(o: LookupOptions, nowMs = Date.now()): [string, string][] {
  const q: [string, string][] = [];
  const add = (name: string, v: string | undefined) => {
    if (v !== undefined) q.push([name, v]);
  };
  add('username', o.user);
  add('eventName', o.eventName);
  add('eventSource', o.eventSource);
  add('resourceName', o.resource);
  add('resourceType', o.resourceType);
  add('accessKeyId', o.accessKeyId);
  add('eventId', o.eventId);
  add('readOnly', o.readOnly);
  if (o.sinceMs !== undefined && o.startTime !== undefined) {
    throw new UsageError('use either --since or --start-time, not both');
  }
  if (o.sinceMs !== undefined) add('startTime', new Date(nowMs - o.sinceMs).toISOString());
  if (o.startTime !== undefined) add('startTime', isoTime('--start-time', o.startTime));
  if (o.endTime !== undefined) add('endTime', isoTime('--end-time', o.endTime));
  return q;
}

function unreachable(endpoint: string, err: unknown): LookupError {
  const code = (err as NodeJS.ErrnoException).code;
  const why =
    code === 'ECONNREFUSED'
      ? 'connection refused'
      : code === 'ENOTFOUND' || code === 'EAI_AGAIN'
        ? 'host not found'
        : (err as Error).message;
  return new LookupError(
    `cannot reach the OpenTrail server at ${endpoint} (${why}); is \`opentrail serve\` running there? Use --endpoint-url to point elsewhere.`,
  );
}

/** Every event the options select, newest first, up to o.max, following nextToken. */
export async function fetchEvents(
  o: LookupOptions,
  creds: ResolvedCredentials,
  nowMs = Date.now(),
): Promise<CloudTrailRecord[]> {
  let endpoint: URL;
  try {
    endpoint = new URL(o.endpointUrl);
  } catch {
    throw new UsageError(`--endpoint-url ${o.endpointUrl} is not a URL`);
  }
  if (endpoint.protocol !== 'http:' && endpoint.protocol !== 'https:') {
    throw new UsageError(`--endpoint-url must be http:// or https://, got ${o.endpointUrl}`);
  }
  const base = queryFor(o, nowMs);
  const out: CloudTrailRecord[] = [];
  let nextToken: string | undefined;
  do {
    const query: [string, string][] = [...base, ['limit', String(Math.min(MAX_PAGE, o.max - out.length))]];
    if (nextToken !== undefined) query.push(['nextToken', nextToken]);
    const signed = signRequest({ method: 'GET', endpoint, path: '/v1/events', query }, creds, {
      region: o.region,
      service: 'opentrail',
    });
    let answer: HttpAnswer;
    try {
      answer = await cliRequest(endpoint, {
        method: 'GET',
        pathAndQuery: signed.pathAndQuery,
        headers: signed.headers,
      });
    } catch (err) {
      throw unreachable(endpoint.origin, err);
    }
    let body: { events?: CloudTrailRecord[]; nextToken?: string; __type?: string; message?: string };
    try {
      body = JSON.parse(answer.text) as typeof body;
    } catch {
      throw new LookupError(
        `${endpoint.origin} answered HTTP ${answer.status} with something that is not OpenTrail's JSON: ${answer.text.slice(0, 200)}`,
      );
    }
    if (answer.status >= 400) {
      const code = body.__type ?? `HTTP ${answer.status}`;
      const hint = /Signature|UnrecognizedClient|MissingAuthentication|IncompleteSignature/.test(code)
        ? ` (credentials from ${creds.source})`
        : '';
      throw new LookupError(`the server refused the request: ${code}: ${body.message ?? answer.text}${hint}`);
    }
    out.push(...(body.events ?? []));
    nextToken = body.nextToken;
  } while (nextToken !== undefined && out.length < o.max);
  return out.slice(0, o.max);
}

/** One row of the console's Event history. */
export function eventRow(r: CloudTrailRecord): string[] {
  const resources = Array.isArray(r.resources)
    ? r.resources.map((x) => x?.ARN ?? x?.type).filter((x): x is string => typeof x === 'string')
    : [];
  return [
    r.eventTime ?? '',
    usernameOf(r) ?? '',
    r.eventName ?? (typeof r.insightDetails?.eventName === 'string' ? r.insightDetails.eventName : ''),
    r.eventSource ?? (typeof r.insightDetails?.eventSource === 'string' ? r.insightDetails.eventSource : ''),
    resources.join(', '),
    typeof r.readOnly === 'boolean' ? String(r.readOnly) : '',
    r.errorCode ?? '',
  ];
}

export const TABLE_HEADERS = [
  'Event time',
  'User name',
  'Event name',
  'Event source',
  'Resources',
  'Read-only',
  'Error code',
];

/** Runs the command; returns the exit status. */
export async function runLookup(
  o: LookupOptions,
  io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream } = process,
): Promise<number> {
  try {
    const creds = resolveCredentials(o.dataDir);
    const events = await fetchEvents(o, creds);
    if (o.json) {
      for (const e of events) io.stdout.write(JSON.stringify(e) + '\n');
    } else if (events.length === 0) {
      io.stderr.write('No events match.\n');
    } else {
      io.stdout.write(renderTable(TABLE_HEADERS, events.map(eventRow)) + '\n');
    }
    return 0;
  } catch (err) {
    if (err instanceof LookupError || err instanceof UsageError) {
      io.stderr.write(`opentrail: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
}
