import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';

export const DATABASE_FILE = 'opentrail.duckdb';

/**
 * The schema of the embedded database. The log and the store are the same `events` table
 * (DESIGN §1): the row is committed with its sequence number, and lookups read the same rows.
 * Idempotency on (recipientAccountId, eventID) is enforced by the log (see EventKeySet), not
 * by a primary-key index, which measured several times slower on small commits.
 * Derived columns are computed by DuckDB from the record (vectorised JSON extraction), so the
 * record stays the single truth and the hot path in JavaScript stays small.
 */
const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS events (
    seq BIGINT NOT NULL,
    account_id VARCHAR NOT NULL,
    event_id VARCHAR NOT NULL,
    event_time TIMESTAMP NOT NULL,
    received_at TIMESTAMP NOT NULL,
    event_name VARCHAR,
    event_source VARCHAR,
    aws_region VARCHAR,
    event_category VARCHAR,
    read_only BOOLEAN,
    username VARCHAR,
    access_key_id VARCHAR,
    resource_types VARCHAR,
    resource_names VARCHAR,
    record VARCHAR NOT NULL,
    rec_segment INTEGER,
    rec_offset BIGINT,
    rec_length INTEGER
  )`,
  // Where each record lies in the log's segment files (RecordSegments); NULL for rows written
  // before segments existed, whose record is in the `record` column. Rows written since hold
  // their record in the segments only and '' in `record` (see appendEventRows). Making the
  // column nullable instead needs an ALTER under the seq index, which crashes DuckDB 1.5.5 on
  // a table read back from disk ("pure virtual method called"; .scratch/mig2.ts).
  `ALTER TABLE events ADD COLUMN IF NOT EXISTS rec_segment INTEGER`,
  `ALTER TABLE events ADD COLUMN IF NOT EXISTS rec_offset BIGINT`,
  `ALTER TABLE events ADD COLUMN IF NOT EXISTS rec_length INTEGER`,
  // Lookups read their page's rows by seq (from the lookup index): an ART index makes that a
  // few point reads instead of a scan of every record. Appends in seq order cost it ~nothing.
  `CREATE INDEX IF NOT EXISTS events_seq ON events (seq)`,
  `CREATE TABLE IF NOT EXISTS cursors (consumer VARCHAR PRIMARY KEY, seq BIGINT NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS log_state (name VARCHAR PRIMARY KEY, seq BIGINT NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS accounts (
    account_id VARCHAR PRIMARY KEY,
    created_at TIMESTAMP NOT NULL
  )`,
  `CREATE TABLE IF NOT EXISTS access_keys (
    access_key_id VARCHAR PRIMARY KEY,
    secret_access_key VARCHAR NOT NULL,
    account_id VARCHAR NOT NULL,
    user_name VARCHAR NOT NULL,
    policy VARCHAR NOT NULL,
    status VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL
  )`,
  `CREATE TABLE IF NOT EXISTS channels (
    channel_arn VARCHAR PRIMARY KEY,
    account_id VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    source VARCHAR NOT NULL,
    region VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (account_id, name)
  )`,
];

export class EmbeddedDatabase {
  private closed = false;
  private writeQueue: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly path: string,
    private readonly instance: DuckDBInstance,
    /** The one connection that writes; use `write()` so writes never interleave. */
    private readonly writer: DuckDBConnection,
  ) {}

  /** Idle reader connections; reads run beside the writer under DuckDB's MVCC. */
  private readonly idleReaders: DuckDBConnection[] = [];
  private readonly allReaders: DuckDBConnection[] = [];

  private readBarrier: () => Promise<void> = () => Promise.resolve();

  /**
   * What reads of `events` wait for first: the log acknowledges appends before their rows are
   * in the table (DuckDBEventLog), and sets this so that a read sees every event acknowledged
   * before it began.
   */
  setReadBarrier(barrier: () => Promise<void>): void {
    this.readBarrier = barrier;
  }

  /** `read` for queries of the `events` table: waits until acknowledged events have their rows. */
  async readEvents<T>(fn: (reader: DuckDBConnection) => Promise<T>): Promise<T> {
    await this.readBarrier();
    return this.read(fn);
  }

  /** Runs `fn` on a reader connection of its own (a connection runs one statement at a time). */
  async read<T>(fn: (reader: DuckDBConnection) => Promise<T>): Promise<T> {
    let conn = this.idleReaders.pop();
    if (!conn) {
      conn = await this.instance.connect();
      this.allReaders.push(conn);
    }
    try {
      return await fn(conn);
    } finally {
      this.idleReaders.push(conn);
    }
  }

  /** Opens (creating when new) the database in a data directory; fails if another process holds it. */
  static async open(dataDir: string, options: { memoryLimit?: string } = {}): Promise<EmbeddedDatabase> {
    if (!existsSync(dataDir)) mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const path = join(dataDir, DATABASE_FILE);
    const instance = await DuckDBInstance.create(path, {
      // The database holds secrets (access keys) and the audit trail itself.
      ...(options.memoryLimit ? { memory_limit: options.memoryLimit } : {}),
      // Internal SQL never reads files or the network; user SQL (later) runs with this off too.
      autoinstall_known_extensions: 'false',
      autoload_known_extensions: 'true',
      // Checkpoints rewrite and compress row groups; doing that every 16 MB of WAL (the default)
      // costs ingest about 40%. A larger WAL costs a few seconds of replay after a crash instead.
      checkpoint_threshold: '256MB',
    });
    chmodSync(path, 0o600);
    const writer = await instance.connect();
    for (const stmt of SCHEMA) await writer.run(stmt);
    return new EmbeddedDatabase(path, instance, writer);
  }

  /**
   * Runs `fn` with the writer connection once every earlier write has finished. A connection
   * runs one statement at a time, and a transaction must not see another caller's statements.
   */
  write<T>(fn: (writer: DuckDBConnection) => Promise<T>): Promise<T> {
    const run = this.writeQueue.then(() => fn(this.writer));
    this.writeQueue = run.catch(() => undefined);
    return run;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.writeQueue;
    // A checkpoint folds the WAL into the database file so the next start is quick.
    try {
      await this.writer.run('CHECKPOINT');
    } catch {
      // A failed checkpoint loses nothing: the WAL is replayed on the next open.
    }
    for (const r of this.allReaders) r.closeSync();
    this.writer.closeSync();
    this.instance.closeSync();
  }
}

/** True when an open failed because another process holds the database file. */
export function isDatabaseLockedError(err: unknown): boolean {
  return err instanceof Error && /Could not set lock on file|Conflicting lock/i.test(err.message);
}
