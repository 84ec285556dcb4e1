import type { EmbeddedDatabase } from '../store/duckdb/database.js';

/**
 * The notify tables in the embedded database, created on first use. Times are epoch
 * milliseconds (BIGINT): they are only compared and handed back, never queried by date.
 * Configs are JSON text holding secrets (API keys, passwords, signing secrets); the database
 * file is 0600 (DESIGN §5) and API responses go through the redact helpers.
 */
const STATEMENTS = [
  `CREATE TABLE IF NOT EXISTS notify_connections (
    connection_arn VARCHAR PRIMARY KEY,
    account_id VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    config VARCHAR NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (account_id, name)
  )`,
  `CREATE TABLE IF NOT EXISTS notify_channels (
    channel_arn VARCHAR PRIMARY KEY,
    account_id VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,
    region VARCHAR NOT NULL,
    description VARCHAR,
    config VARCHAR NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (account_id, name)
  )`,
  // No key on the outbox: rows are few and short-lived, ids are UUIDs, and DuckDB's
  // index checks on update-then-delete within one transaction are a known trap.
  `CREATE TABLE IF NOT EXISTS notify_outbox (
    id VARCHAR NOT NULL,
    seq BIGINT NOT NULL,
    account_id VARCHAR NOT NULL,
    channel_arn VARCHAR NOT NULL,
    message VARCHAR NOT NULL,
    retry_policy VARCHAR,
    attempts INTEGER NOT NULL,
    enqueued_at BIGINT NOT NULL,
    next_attempt_at BIGINT NOT NULL,
    last_error VARCHAR,
    last_status INTEGER,
    spilled BOOLEAN NOT NULL
  )`,
  `CREATE TABLE IF NOT EXISTS notify_dead_letters (
    id VARCHAR NOT NULL,
    notification_id VARCHAR NOT NULL,
    account_id VARCHAR NOT NULL,
    channel_arn VARCHAR NOT NULL,
    message VARCHAR NOT NULL,
    retry_policy VARCHAR,
    reason VARCHAR NOT NULL,
    attempts INTEGER NOT NULL,
    last_error VARCHAR NOT NULL,
    last_status INTEGER,
    enqueued_at BIGINT NOT NULL,
    failed_at BIGINT NOT NULL,
    replayed_at BIGINT,
    replayed_as VARCHAR
  )`,
];

const ensured = new WeakSet<EmbeddedDatabase>();

/** Creates the notify tables once per open database. */
export async function ensureNotifySchema(db: EmbeddedDatabase): Promise<void> {
  if (ensured.has(db)) return;
  await db.write(async (w) => {
    for (const s of STATEMENTS) await w.run(s);
  });
  ensured.add(db);
}
