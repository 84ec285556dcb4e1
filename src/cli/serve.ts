import { join } from 'node:path';
import { pino } from 'pino';
import { buildApiServer } from '../api/server.js';
import { startControlServer } from '../api/control/control-server.js';
import { CONTROL_SOCKET, DEFAULT_PRUNE_INTERVAL_MS } from '../config/defaults.js';
import { bootstrapAdmin } from './bootstrap.js';
import { openEmbedded } from './runtime.js';

export interface ServeOptions {
  dataDir: string;
  host: string;
  port: number;
  region: string;
  /** Events whose eventTime is older than this are pruned; undefined keeps everything. */
  retentionMs?: number;
  pruneIntervalMs?: number;
  logLevel: string;
}

/** `opentrail serve`: every API on one port, until SIGTERM or SIGINT drains and stops it. */
export async function serve(opts: ServeOptions): Promise<void> {
  const logger = pino({
    level: opts.logLevel,
    // Secrets never reach the log, whatever a handler logs by mistake.
    redact: ['req.headers.authorization', '*.secretAccessKey', 'secretAccessKey', '*.SecretAccessKey'],
  });
  const rt = await openEmbedded(opts.dataDir, { region: opts.region, logger, lookupIndex: true });
  const created = await bootstrapAdmin(rt.keys, opts.dataDir);
  const app = await buildApiServer(rt);
  const control = await startControlServer(rt, join(opts.dataDir, CONTROL_SOCKET));
  const address = await app.listen({ host: opts.host, port: opts.port });

  let pruneTimer: NodeJS.Timeout | undefined;
  if (opts.retentionMs !== undefined) {
    const retentionMs = opts.retentionMs;
    const prune = async () => {
      try {
        const n = await rt.store.pruneBefore(Date.now() - retentionMs);
        if (n > 0) logger.info({ pruned: n }, 'retention: pruned events older than the retention period');
      } catch (err) {
        logger.error({ err }, 'retention: pruning failed; will retry');
      }
    };
    void prune();
    pruneTimer = setInterval(() => void prune(), opts.pruneIntervalMs ?? DEFAULT_PRUNE_INTERVAL_MS);
    pruneTimer.unref();
  }

  const lines = [`OpenTrail listening on ${address} (data in ${opts.dataDir}, region ${opts.region})`];
  if (created) {
    lines.push(
      '',
      `First start: created account ${created.key.accountId} with an administrator key.`,
      `Credentials (also in ${created.file}, mode 0600):`,
      `  aws_access_key_id     = ${created.key.accessKeyId}`,
      `  aws_secret_access_key = ${created.key.secretAccessKey}`,
      'Use them with the AWS CLI:',
      `  export AWS_SHARED_CREDENTIALS_FILE=${created.file} AWS_PROFILE=opentrail AWS_REGION=${opts.region}`,
      `  aws cloudtrail list-channels --endpoint-url ${address}`,
    );
  }
  process.stdout.write(lines.join('\n') + '\n');

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping: draining requests');
    if (pruneTimer) clearInterval(pruneTimer);
    // close() stops accepting, answers 503 to new requests and waits for in-flight ones, whose
    // events are committed before their responses go out.
    await app.close();
    await control.close();
    await rt.close();
    process.stdout.write('OpenTrail stopped.\n');
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}
