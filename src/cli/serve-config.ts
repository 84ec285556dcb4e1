/**
 * `opentrail serve --config FILE`: the serve options from flags and the config file (a flag
 * given on the command line wins over the file, the file over the flag's default), and the
 * file's declarations applied before the server listens.
 */
import type { Logger } from 'pino';
import { configFilePath, readConfigFile, type ConfigFile, type ServerSettings } from '../config/config-file.js';
import { applyDeclarations, checkDeclarations, type AppliedDeclaration } from './declarations/apply-declarations.js';
import type { EmbeddedRuntime } from './runtime.js';
import type { ServeOptions } from './serve.js';

/** Each serve option, the commander flag it comes from, and the file's server setting. */
const SETTINGS = [
  ['host', 'host', 'host'],
  ['port', 'port', 'port'],
  ['region', 'region', 'region'],
  ['retentionMs', 'retention', 'retentionMs'],
  ['pruneIntervalMs', 'pruneInterval', 'pruneIntervalMs'],
  ['logLevel', 'logLevel', 'logLevel'],
  ['flushIntervalMs', 'flushInterval', 'flushIntervalMs'],
  ['digestIntervalMs', 'digestInterval', 'digestIntervalMs'],
  ['s3Endpoint', 's3Endpoint', 's3Endpoint'],
  ['s3ForcePathStyle', 's3ForcePathStyle', 's3ForcePathStyle'],
  ['keyRatePerSecond', 'keyRate', 'keyRatePerSecond'],
  ['keyBurst', 'keyBurst', 'keyBurst'],
] as const satisfies readonly (readonly [keyof ServeOptions, string, keyof ServerSettings])[];

/**
 * The serve options: `flags` are commander's values (defaults included), `fromCommandLine`
 * says whether a flag was given there. The config file is `--config`'s, else
 * `<data-dir>/opentrail.json` when it exists; it is read and checked here (ConfigFileError).
 */
export function serveOptionsFrom(
  flags: Record<string, unknown>,
  fromCommandLine: (flag: string) => boolean,
): ServeOptions {
  const dataDir = String(flags.dataDir);
  const file = configFilePath(dataDir, flags.config as string | undefined);
  const config = file === undefined ? undefined : readConfigFile(file);
  const out: Record<string, unknown> = { dataDir };
  for (const [option, flag, setting] of SETTINGS) {
    const fromFile = config?.server[setting];
    out[option] = fromCommandLine(flag) || fromFile === undefined ? flags[flag] : fromFile;
  }
  out.s3ForcePathStyle = out.s3ForcePathStyle === true;
  if (config) out.config = config;
  return out as unknown as ServeOptions;
}

function summary(applied: readonly AppliedDeclaration[]): string {
  const count = (o: AppliedDeclaration['outcome']) => applied.filter((a) => a.outcome === o).length;
  return `${applied.length} declarations (${count('created')} created, ${count('updated')} updated, ${count('unchanged')} unchanged)`;
}

/** Checks the file's declarations before anything is written; on failure closes the runtime and rethrows. */
export async function checkConfigFile(rt: EmbeddedRuntime, config: ConfigFile): Promise<void> {
  try {
    await checkDeclarations(rt, config);
  } catch (err) {
    await rt.close();
    throw err;
  }
}

/** Applies the file's declarations; on failure closes the runtime (nothing listens yet) and rethrows. */
export async function applyConfigFile(rt: EmbeddedRuntime, config: ConfigFile, logger: Logger): Promise<void> {
  let applied: AppliedDeclaration[];
  try {
    applied = await applyDeclarations(rt, config);
  } catch (err) {
    await rt.close();
    throw err;
  }
  for (const a of applied) {
    if (a.outcome !== 'unchanged')
      logger.info({ ...a, file: config.file }, `config file: ${a.kind} ${a.name} ${a.outcome}`);
  }
  process.stdout.write(`Applied ${config.file}: ${summary(applied)}\n`);
}
