import { join } from 'node:path';
import { pino } from 'pino';
import { buildApiServer } from '../api/server.js';
import { startControlServer } from '../api/control/control-server.js';
import { CONTROL_SOCKET, DEFAULT_PRUNE_INTERVAL_MS } from '../config/defaults.js';
import type { SinkSettings } from '../delivery/index.js';
import { DeliveryScheduler, DeliveryStateStore } from '../trails/delivery/index.js';
import { bootstrapAdmin } from './bootstrap.js';
import { openEmbedded } from './runtime.js';
import { trailNotifier } from './trail-notifications.js';
import { startDetectServices } from './detect-services.js';
import type { ConfigFile } from '../config/config-file.js';
import { applyConfigFile, checkConfigFile } from './serve-config.js';

export interface ServeOptions {
  dataDir: string;
  host: string;
  port: number;
  region: string;
  /** Events whose eventTime is older than this are pruned; undefined keeps everything. */
  retentionMs?: number;
  pruneIntervalMs?: number;
  logLevel: string;
  /** Trail delivery: how long events wait for their log file (default 60 s). */
  flushIntervalMs?: number;
  /** Length of a digest period (default 1 h). */
  digestIntervalMs?: number;
  /** Trail buckets on this S3 service instead of `<data-dir>/buckets/` (credentials from the AWS variables). */
  s3Endpoint?: string;
  s3ForcePathStyle?: boolean;
  /** Per-access-key throttling: sustained requests a second, and the burst. */
  keyRatePerSecond?: number;
  keyBurst?: number;
  /** The config file (--config or <data-dir>/opentrail.json): its declarations are applied before listening. */
  config?: ConfigFile;
}

/** Where trail buckets live: `<data-dir>/buckets/<bucket>/`, or the buckets of an S3 service. */
function sinkSettings(opts: ServeOptions): SinkSettings {
  if (opts.s3Endpoint === undefined) return { type: 'directory', root: join(opts.dataDir, 'buckets') };
  return {
    type: 's3',
    endpoint: opts.s3Endpoint,
    ...(opts.s3ForcePathStyle ? { forcePathStyle: true } : {}),
  };
}

/** `opentrail serve`: every API on one port, until SIGTERM or SIGINT drains and stops it. */
export async function serve(opts: ServeOptions): Promise<void> {
  const logger = pino({
    level: opts.logLevel,
    // Secrets never reach the log, whatever a handler logs by mistake.
    redact: ['req.headers.authorization', '*.secretAccessKey', 'secretAccessKey', '*.SecretAccessKey'],
  });
  const rt = await openEmbedded(opts.dataDir, {
    region: opts.region,
    logger,
    lookupIndex: true,
    limits: {
      ...(opts.keyRatePerSecond !== undefined ? { keyRatePerSecond: opts.keyRatePerSecond } : {}),
      ...(opts.keyBurst !== undefined ? { keyBurst: opts.keyBurst } : {}),
    },
  });
  // A bad config file stops the start before anything is written (the first start's key included).
  if (opts.config) await checkConfigFile(rt, opts.config);
  const created = await bootstrapAdmin(rt.keys, opts.dataDir);
  // After the bootstrap: accounts the file declares must not stop the first start's admin key.
  if (opts.config) await applyConfigFile(rt, opts.config, logger);
  const app = await buildApiServer(rt);
  const control = await startControlServer(rt, join(opts.dataDir, CONTROL_SOCKET));
  const address = await app.listen({ host: opts.host, port: opts.port });
  // Rules, metric filters and alarms read the log from their own cursors; targets never block ingest.
  // Started before delivery, whose log file notifications go through the same dispatcher.
  const detect = await startDetectServices(rt, logger);
  // Delivery starts once the API is up (trails and StartLogging arrive through it).
  const delivery = await DeliveryScheduler.open({
    log: rt.log,
    trails: rt.trails,
    organizations: rt.organizations,
    state: await DeliveryStateStore.open(rt.db),
    signingKeys: rt.signingKeys,
    sinks: sinkSettings(opts),
    notifyLogFiles: trailNotifier({ channels: rt.detect.notify, dispatcher: () => detect.dispatcher }),
    logger,
    ...(opts.flushIntervalMs !== undefined ? { flushIntervalMs: opts.flushIntervalMs } : {}),
    ...(opts.digestIntervalMs !== undefined ? { digestIntervalMs: opts.digestIntervalMs } : {}),
  });
  delivery.start();
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
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping: draining requests');
    if (pruneTimer) clearInterval(pruneTimer);
    // close() stops accepting, answers 503 to new requests and waits for in-flight ones, whose
    // events are committed before their responses go out.
    await app.close();
    // Buffered events go out (within the deadline) while the database is still open.
    await delivery.shutdown();
    // In-flight notifications finish (or stay in the outbox) before the database closes.
    await detect.shutdown(5000);
    await control.close();
    await rt.close();
    process.stdout.write('OpenTrail stopped.\n');
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  // Only now: whoever waits for this line may send SIGTERM at once, and it must find the handler
  // (printed before it, a SIGTERM in between killed the process outright — a test saw it 3 times in 15).
  process.stdout.write(lines.join('\n') + '\n');
}
