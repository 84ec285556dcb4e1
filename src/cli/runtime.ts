import { pino, type Logger } from 'pino';
import { KeyStore } from '../auth/key-store.js';
import { OrganizationStore } from '../auth/organizations.js';
import { RequestLimits, type RequestLimitsOptions } from '../auth/throttle.js';
import { ChannelStore } from '../ingest/channels.js';
import { Ingestor } from '../ingest/ingestor.js';
import { SigningKeyStore } from '../integrity/key-store.js';
import { DuckDBEventLog } from '../log/duckdb/duckdb-event-log.js';
import { EmbeddedDatabase, isDatabaseLockedError } from '../store/duckdb/database.js';
import { DuckDBEventStore } from '../store/duckdb/duckdb-event-store.js';
import { TrailRepository } from '../trails/repository.js';
import type { AppContext } from '../api/context.js';
import type { DetectContext } from '../api/detect-context.js';
import { SelfAudit } from '../api/self-audit.js';
import { openDetect } from './detect.js';

/** The embedded default, assembled: one DuckDB file holding log, store, keys and channels. */
export interface EmbeddedRuntime extends AppContext {
  db: EmbeddedDatabase;
  organizations: OrganizationStore;
  detect: DetectContext;
  close(): Promise<void>;
}

export class DataDirBusyError extends Error {}

export async function openEmbedded(
  dataDir: string,
  options: {
    region: string;
    logger?: Logger;
    limits?: RequestLimitsOptions;
    /** Build the lookup index (serve does; one-shot commands that only write need not). */
    lookupIndex?: boolean;
  },
): Promise<EmbeddedRuntime> {
  let db: EmbeddedDatabase;
  try {
    db = await EmbeddedDatabase.open(dataDir);
  } catch (err) {
    if (isDatabaseLockedError(err)) {
      throw new DataDirBusyError(
        `another OpenTrail process holds ${dataDir} and does not answer on its control socket`,
      );
    }
    throw err;
  }
  const log = await DuckDBEventLog.open(db);
  const store = new DuckDBEventStore(db, log);
  const keys = await KeyStore.open(db);
  const organizations = await OrganizationStore.open(db);
  const channels = new ChannelStore(db, options.region);
  const trails = await TrailRepository.open(db);
  const ingestor = new Ingestor(log);
  const detect = await openDetect(db, options.region, trails);
  const logger = options.logger ?? pino({ level: 'silent' });
  const audit = new SelfAudit(ingestor, logger);
  if (options.lookupIndex) {
    // In the background: until it is ready, lookups are answered by SQL alone (slower, as right).
    const started = Date.now();
    void store.buildIndex().then(
      () => logger.info({ ms: Date.now() - started }, 'lookup index ready'),
      (err: unknown) => logger.error({ err }, 'lookup index could not be built; lookups use SQL'),
    );
  }
  return {
    db,
    log,
    store,
    keys,
    organizations,
    limits: new RequestLimits(options.limits),
    channels,
    trails,
    signingKeys: new SigningKeyStore(dataDir),
    ingestor,
    audit,
    region: options.region,
    logger,
    detect,
    async close() {
      // The self-audit's last records go to the log before it closes.
      await audit.close();
      await detect.registry.close();
      await store.close();
      await log.close();
      await db.close();
    },
  };
}
