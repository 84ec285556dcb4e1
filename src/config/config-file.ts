/**
 * The config file of `opentrail serve` (JSON): server settings that are otherwise flags, and
 * per-account declarations applied at start. This module reads and checks the file's structure
 * — JSON syntax, known keys everywhere, server values, account IDs, one entry per resource —
 * and hands the declarations on as they are; their values go through the same validators the
 * AWS APIs use when they are applied (src/cli/apply-declarations.ts). Every problem names the
 * file and the JSON path, e.g. `accounts[0].rules[2].EventPattern`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { DECLARATION_KINDS, type DeclarationKind } from './declaration-shapes.js';
import { parseDuration } from './duration.js';
import { indexPath, memberPath, unknownKeys, type KeyProblem } from './json-keys.js';

/** Read from the data directory when `--config` is not given. */
export const CONFIG_FILE_NAME = 'opentrail.json';

export class ConfigFileError extends Error {
  constructor(
    readonly file: string,
    readonly problems: readonly KeyProblem[],
  ) {
    super(
      problems.length === 1
        ? `${file}: ${problems[0]!.path || '(top level)'}: ${problems[0]!.message}`
        : `${file}: ${problems.length} problems:\n` +
            problems.map((p) => `  ${p.path || '(top level)'}: ${p.message}`).join('\n'),
    );
  }
}

/** Server settings from the file (flags given on the command line win over them). */
export interface ServerSettings {
  host?: string;
  port?: number;
  region?: string;
  retentionMs?: number;
  pruneIntervalMs?: number;
  logLevel?: string;
  flushIntervalMs?: number;
  digestIntervalMs?: number;
  s3Endpoint?: string;
  s3ForcePathStyle?: boolean;
  keyRatePerSecond?: number;
  keyBurst?: number;
}

/** One declaration as written, with where it is in the file. */
export interface Declared {
  path: string;
  value: Record<string, unknown>;
}

export type AccountDeclarations = { accountId: string; path: string } & Record<DeclarationKind, Declared[]>;

export interface ConfigFile {
  file: string;
  server: ServerSettings;
  accounts: AccountDeclarations[];
}

/** `--config FILE` when given; otherwise `<data-dir>/opentrail.json` when it exists. */
export function configFilePath(dataDir: string, explicit: string | undefined): string | undefined {
  if (explicit !== undefined) return explicit;
  const inDataDir = join(dataDir, CONFIG_FILE_NAME);
  return existsSync(inDataDir) ? inDataDir : undefined;
}

export function readConfigFile(file: string): ConfigFile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigFileError(file, [{ path: '', message: `cannot be read: ${(err as Error).message}` }]);
  }
  return parseConfigFile(text, file);
}

const duration = z.string().transform((s, ctx) => {
  const ms = parseDuration(s);
  if (ms === undefined) {
    ctx.addIssue({
      code: 'custom',
      message: `expected a duration such as "90d", "12h", "5s", got ${JSON.stringify(s)}`,
    });
    return z.NEVER;
  }
  return ms;
});

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const serverSchema = z
  .object({
    host: z.string().min(1, 'expected an address to listen on'),
    port: z.number().int().min(0).max(65535),
    region: z.string().regex(/^[a-z]{2}(?:-[a-z]+)+-\d$/, 'expected a region name such as "us-east-1"'),
    retention: duration,
    pruneInterval: duration,
    logLevel: z.enum(LOG_LEVELS),
    flushInterval: duration,
    digestInterval: duration.refine((ms) => ms >= 1000, 'expected at least "1s"'),
    s3Endpoint: z.url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' }),
    s3ForcePathStyle: z.boolean(),
    keyRate: z.number().int().min(1),
    keyBurst: z.number().int().min(1),
  })
  .partial()
  .strict();

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `line L, column C` of a character offset (what JSON.parse's messages give as a position). */
function lineAndColumn(text: string, offset: number): string {
  const before = text.slice(0, offset).split('\n');
  return `line ${before.length}, column ${before[before.length - 1]!.length + 1}`;
}

function parseJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    const message = (err as Error).message;
    const at = /position (\d+)/.exec(message);
    const where = at ? ` (${lineAndColumn(text, Number(at[1]))})` : '';
    throw new ConfigFileError(file, [{ path: '', message: `expected JSON: ${message}${where}` }]);
  }
}

function zodPath(base: string, path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (p, part) => (typeof part === 'number' ? indexPath(p, part) : memberPath(p, String(part))),
    base,
  );
}

function serverSettings(value: unknown, problems: KeyProblem[]): ServerSettings {
  const r = serverSchema.safeParse(value);
  if (!r.success) {
    for (const issue of r.error.issues) {
      if (issue.code === 'unrecognized_keys') {
        for (const key of issue.keys) {
          problems.push({
            path: memberPath(zodPath('server', issue.path), key),
            message: `unknown key "${key}"; expected one of ${Object.keys(serverSchema.shape).join(', ')}`,
          });
        }
      } else problems.push({ path: zodPath('server', issue.path), message: issue.message });
    }
    return {};
  }
  const s = r.data;
  const out: ServerSettings = {};
  if (s.host !== undefined) out.host = s.host;
  if (s.port !== undefined) out.port = s.port;
  if (s.region !== undefined) out.region = s.region;
  if (s.retention !== undefined) out.retentionMs = s.retention;
  if (s.pruneInterval !== undefined) out.pruneIntervalMs = s.pruneInterval;
  if (s.logLevel !== undefined) out.logLevel = s.logLevel;
  if (s.flushInterval !== undefined) out.flushIntervalMs = s.flushInterval;
  if (s.digestInterval !== undefined) out.digestIntervalMs = s.digestInterval;
  if (s.s3Endpoint !== undefined) out.s3Endpoint = s.s3Endpoint;
  if (s.s3ForcePathStyle !== undefined) out.s3ForcePathStyle = s.s3ForcePathStyle;
  if (s.keyRate !== undefined) out.keyRatePerSecond = s.keyRate;
  if (s.keyBurst !== undefined) out.keyBurst = s.keyBurst;
  return out;
}

const ACCOUNT_MEMBERS = ['accountId', ...Object.keys(DECLARATION_KINDS)];

function accountDeclarations(value: unknown, path: string, problems: KeyProblem[]): AccountDeclarations | undefined {
  if (!isObject(value)) {
    problems.push({ path, message: 'expected an object with accountId and declaration lists' });
    return undefined;
  }
  for (const key of Object.keys(value)) {
    if (!ACCOUNT_MEMBERS.includes(key)) {
      problems.push({
        path: memberPath(path, key),
        message: `unknown key "${key}"; expected one of ${ACCOUNT_MEMBERS.join(', ')}`,
      });
    }
  }
  const accountId = value.accountId;
  if (typeof accountId !== 'string' || !/^\d{12}$/.test(accountId)) {
    problems.push({
      path: memberPath(path, 'accountId'),
      message: `expected a 12-digit account ID as a string, got ${JSON.stringify(accountId) ?? 'nothing'}`,
    });
  }
  // An invalid ID is reported above; '' keeps it out of the duplicate check.
  const valid = typeof accountId === 'string' && /^\d{12}$/.test(accountId);
  const out = { accountId: valid ? accountId : '', path } as AccountDeclarations;
  for (const [kind, { shape, identity }] of Object.entries(DECLARATION_KINDS) as [
    DeclarationKind,
    (typeof DECLARATION_KINDS)[DeclarationKind],
  ][]) {
    out[kind] = [];
    const list = value[kind];
    const listPath = memberPath(path, kind);
    if (list === undefined) continue;
    if (!Array.isArray(list)) {
      problems.push({ path: listPath, message: `expected a list of ${kind} declarations` });
      continue;
    }
    const seen = new Map<string, string>();
    list.forEach((entry, i) => {
      const at = indexPath(listPath, i);
      if (!isObject(entry)) {
        problems.push({ path: at, message: 'expected an object' });
        return;
      }
      problems.push(...unknownKeys(entry, shape, at));
      const id = JSON.stringify(identity.map((m) => entry[m]));
      const first = seen.get(id);
      if (first !== undefined && identity.every((m) => entry[m] !== undefined)) {
        problems.push({
          path: at,
          message: `declares the same ${identity.join(' and ')} as ${first}; each resource is declared once`,
        });
      }
      seen.set(id, first ?? at);
      out[kind].push({ path: at, value: entry });
    });
  }
  // API destinations are notification channels too: one name may not be both.
  const destinations = new Map(out.apiDestinations.map((d) => [d.value.Name, d.path]));
  for (const c of out.channels) {
    const first = destinations.get(c.value.name);
    if (typeof c.value.name === 'string' && first !== undefined) {
      problems.push({
        path: memberPath(c.path, 'name'),
        message: `${JSON.stringify(c.value.name)} is already the name of the API destination at ${first}; channels and API destinations share names`,
      });
    }
  }
  return out;
}

/** Checks the file's structure; every problem found is reported at once. */
export function parseConfigFile(text: string, file: string): ConfigFile {
  const doc = parseJson(text, file);
  const problems: KeyProblem[] = [];
  if (!isObject(doc)) throw new ConfigFileError(file, [{ path: '', message: 'expected a JSON object' }]);
  for (const key of Object.keys(doc)) {
    if (key !== 'server' && key !== 'accounts' && key !== '$schema') {
      problems.push({ path: memberPath('', key), message: `unknown key "${key}"; expected server or accounts` });
    }
  }
  const server = doc.server === undefined ? {} : serverSettings(doc.server, problems);
  const accounts: AccountDeclarations[] = [];
  if (doc.accounts !== undefined) {
    if (!Array.isArray(doc.accounts)) problems.push({ path: 'accounts', message: 'expected a list of accounts' });
    else {
      const seen = new Map<string, string>();
      doc.accounts.forEach((a, i) => {
        const decl = accountDeclarations(a, indexPath('accounts', i), problems);
        if (!decl) return;
        const first = seen.get(decl.accountId);
        if (decl.accountId === '') accounts.push(decl);
        else if (first !== undefined) {
          problems.push({
            path: memberPath(decl.path, 'accountId'),
            message: `account ${decl.accountId} is already declared at ${first}; declare each account once`,
          });
          accounts.push(decl);
        } else {
          seen.set(decl.accountId, decl.path);
          accounts.push(decl);
        }
      });
    }
  }
  if (problems.length > 0) throw new ConfigFileError(file, problems);
  return { file, server, accounts };
}
