/**
 * What trail delivery must remember across a crash (DESIGN §1), in the embedded database:
 *
 * - `trail_delivery`: one row per trail that is logging (or whose stop is not finished yet):
 *   the cursor (every event with seq ≤ cursor is delivered or did not match), the trail as
 *   delivery last saw it, and the batch being written. A batch is recorded with its end seq,
 *   its delivery time and the trail's configuration BEFORE any file is written, so a retry after
 *   a crash rebuilds the same files (same keys, same bytes) from the same seq range.
 * - `trail_delivered_files`: log files delivered since the trail's last digest, waiting for it.
 * - `trail_digest_chain`: the last digest per trail, account and region (the next one links to it).
 *
 * Each state change that must not be half done is one transaction.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { EmbeddedDatabase } from '../../store/duckdb/database.js';
import type { Trail } from '../model.js';

const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS trail_delivery (
    trail_arn VARCHAR PRIMARY KEY,
    trail_json VARCHAR NOT NULL,
    cursor_seq BIGINT NOT NULL,
    stop_seq BIGINT,
    batch_last_seq BIGINT,
    batch_delivery_ms BIGINT,
    batch_trail_json VARCHAR,
    digest_start_ms BIGINT,
    digest_end_ms BIGINT
  )`,
  `CREATE TABLE IF NOT EXISTS trail_delivered_files (
    trail_arn VARCHAR NOT NULL,
    account_id VARCHAR NOT NULL,
    region VARCHAR NOT NULL,
    bucket VARCHAR NOT NULL,
    object_key VARCHAR NOT NULL,
    sha256 VARCHAR NOT NULL,
    oldest_ms BIGINT NOT NULL,
    newest_ms BIGINT NOT NULL,
    PRIMARY KEY (trail_arn, bucket, object_key)
  )`,
  `CREATE TABLE IF NOT EXISTS trail_digest_chain (
    trail_arn VARCHAR NOT NULL,
    account_id VARCHAR NOT NULL,
    region VARCHAR NOT NULL,
    bucket VARCHAR NOT NULL,
    object_key VARCHAR NOT NULL,
    sha256 VARCHAR NOT NULL,
    signature VARCHAR NOT NULL,
    PRIMARY KEY (trail_arn, account_id, region)
  )`,
];

/** A batch recorded before its files are written: events (cursor, lastSeq] of `trail`. */
export interface RecordedBatch {
  lastSeq: number;
  deliveryMs: number;
  /** The trail's configuration the batch is delivered with (bucket, prefix, selectors). */
  trail: Trail;
}

export interface TrailDeliveryState {
  trailArn: string;
  trail: Trail;
  cursorSeq: number;
  /** Logging stopped when the log's head was here: deliver up to it, then the final digest. */
  stopSeq?: number;
  batch?: RecordedBatch;
  /** Start of the open digest period; absent when the trail has no log file validation. */
  digestStartMs?: number;
  /** End of a digest period being written (recorded before its digests are put). */
  digestEndMs?: number;
}

/** A delivered log file, as its digest lists it. */
export interface DeliveredFileRow {
  accountId: string;
  region: string;
  bucket: string;
  key: string;
  sha256: string;
  oldestMs: number;
  newestMs: number;
}

export interface ChainLink {
  accountId: string;
  region: string;
  bucket: string;
  key: string;
  sha256: string;
  signature: string;
}

type Row = Record<string, unknown>;
const num = (v: unknown): number | undefined => (v === null || v === undefined ? undefined : Number(v));

function rowToState(r: Row): TrailDeliveryState {
  const s: TrailDeliveryState = {
    trailArn: String(r.trail_arn),
    trail: JSON.parse(String(r.trail_json)) as Trail,
    cursorSeq: Number(r.cursor_seq),
  };
  const stop = num(r.stop_seq);
  if (stop !== undefined) s.stopSeq = stop;
  const lastSeq = num(r.batch_last_seq);
  if (lastSeq !== undefined) {
    s.batch = {
      lastSeq,
      deliveryMs: Number(r.batch_delivery_ms),
      trail: JSON.parse(String(r.batch_trail_json)) as Trail,
    };
  }
  const start = num(r.digest_start_ms);
  if (start !== undefined) s.digestStartMs = start;
  const end = num(r.digest_end_ms);
  if (end !== undefined) s.digestEndMs = end;
  return s;
}

export class DeliveryStateStore {
  private constructor(private readonly db: EmbeddedDatabase) {}

  static async open(db: EmbeddedDatabase): Promise<DeliveryStateStore> {
    await db.write(async (w) => {
      for (const stmt of SCHEMA) await w.run(stmt);
    });
    return new DeliveryStateStore(db);
  }

  private async rows(sql: string, params: Record<string, unknown> = {}): Promise<Row[]> {
    return this.db.read(async (c) => (await c.runAndReadAll(sql, params as never)).getRowObjectsJS() as Row[]);
  }

  private transaction(fn: (w: DuckDBConnection) => Promise<void>): Promise<void> {
    return this.db.write(async (w) => {
      await w.run('BEGIN TRANSACTION');
      try {
        await fn(w);
        await w.run('COMMIT');
      } catch (err) {
        await w.run('ROLLBACK').catch(() => undefined);
        throw err;
      }
    });
  }

  async loadAll(): Promise<TrailDeliveryState[]> {
    return (await this.rows('SELECT * FROM trail_delivery ORDER BY trail_arn')).map(rowToState);
  }

  async get(arn: string): Promise<TrailDeliveryState | undefined> {
    const r = (await this.rows('SELECT * FROM trail_delivery WHERE trail_arn = $arn', { arn }))[0];
    return r ? rowToState(r) : undefined;
  }

  /**
   * Logging started: delivery covers events after `cursorSeq` (the log's head at the switch).
   * A digest period opens at `digestStartMs` when the trail validates; the chain starts afresh.
   */
  async begin(trail: Trail, cursorSeq: number, digestStartMs: number | undefined): Promise<void> {
    await this.transaction(async (w) => {
      await this.clear(w, trail.trailArn);
      await w.run(
        `INSERT INTO trail_delivery (trail_arn, trail_json, cursor_seq, digest_start_ms)
         VALUES ($arn, $trail, $cursor, $digest)`,
        { arn: trail.trailArn, trail: JSON.stringify(trail), cursor: cursorSeq, digest: digestStartMs ?? null },
      );
    });
  }

  /** The trail's configuration changed (bucket, prefix, selectors, validation). */
  async saveTrail(trail: Trail, digestStartMs: number | undefined): Promise<void> {
    await this.transaction(async (w) => {
      if (digestStartMs === undefined) {
        // Validation turned off: the chain ends; the next digest will be a starting digest.
        await w.run('DELETE FROM trail_delivered_files WHERE trail_arn = $arn', { arn: trail.trailArn });
        await w.run('DELETE FROM trail_digest_chain WHERE trail_arn = $arn', { arn: trail.trailArn });
      }
      await w.run(
        `UPDATE trail_delivery SET trail_json = $trail, digest_start_ms = $digest,
           digest_end_ms = CASE WHEN $digest IS NULL THEN NULL ELSE digest_end_ms END
         WHERE trail_arn = $arn`,
        { arn: trail.trailArn, trail: JSON.stringify(trail), digest: digestStartMs ?? null },
      );
    });
  }

  async markStopped(arn: string, stopSeq: number): Promise<void> {
    await this.db.write((w) =>
      w.run('UPDATE trail_delivery SET stop_seq = $stop WHERE trail_arn = $arn AND stop_seq IS NULL', {
        arn,
        stop: stopSeq,
      }),
    );
  }

  async recordBatch(arn: string, batch: RecordedBatch): Promise<void> {
    await this.db.write((w) =>
      w.run(
        `UPDATE trail_delivery SET batch_last_seq = $last, batch_delivery_ms = $at, batch_trail_json = $trail
         WHERE trail_arn = $arn`,
        { arn, last: batch.lastSeq, at: batch.deliveryMs, trail: JSON.stringify(batch.trail) },
      ),
    );
  }

  /** The batch's files are all written: move the cursor past it and queue its files for the digest. */
  async commitBatch(arn: string, lastSeq: number, files: readonly DeliveredFileRow[]): Promise<void> {
    await this.transaction(async (w) => {
      for (const f of files) {
        await w.run(
          `INSERT OR REPLACE INTO trail_delivered_files VALUES ($arn, $account, $region, $bucket, $key, $sha, $oldest, $newest)`,
          {
            arn,
            account: f.accountId,
            region: f.region,
            bucket: f.bucket,
            key: f.key,
            sha: f.sha256,
            oldest: f.oldestMs,
            newest: f.newestMs,
          },
        );
      }
      await w.run(
        `UPDATE trail_delivery SET cursor_seq = $last, batch_last_seq = NULL, batch_delivery_ms = NULL,
           batch_trail_json = NULL WHERE trail_arn = $arn`,
        { arn, last: lastSeq },
      );
    });
  }

  /** Nothing in (cursor, seq] matched the trail: no file to write, only the cursor moves. */
  async advanceCursor(arn: string, seq: number): Promise<void> {
    await this.db.write((w) =>
      w.run('UPDATE trail_delivery SET cursor_seq = $seq WHERE trail_arn = $arn AND batch_last_seq IS NULL', {
        arn,
        seq,
      }),
    );
  }

  async pendingFiles(arn: string): Promise<DeliveredFileRow[]> {
    const rows = await this.rows(
      'SELECT * FROM trail_delivered_files WHERE trail_arn = $arn ORDER BY account_id, region, object_key',
      { arn },
    );
    return rows.map((r) => ({
      accountId: String(r.account_id),
      region: String(r.region),
      bucket: String(r.bucket),
      key: String(r.object_key),
      sha256: String(r.sha256),
      oldestMs: Number(r.oldest_ms),
      newestMs: Number(r.newest_ms),
    }));
  }

  async chain(arn: string): Promise<ChainLink[]> {
    const rows = await this.rows(
      'SELECT * FROM trail_digest_chain WHERE trail_arn = $arn ORDER BY account_id, region',
      {
        arn,
      },
    );
    return rows.map((r) => ({
      accountId: String(r.account_id),
      region: String(r.region),
      bucket: String(r.bucket),
      key: String(r.object_key),
      sha256: String(r.sha256),
      signature: String(r.signature),
    }));
  }

  /** A digest period ending at `endMs` is about to be written (so a retry writes the same digests). */
  async recordDigestEnd(arn: string, endMs: number): Promise<void> {
    await this.db.write((w) =>
      w.run('UPDATE trail_delivery SET digest_end_ms = $end WHERE trail_arn = $arn', { arn, end: endMs }),
    );
  }

  /**
   * The period's digests are written: they become the chain's last links, the files they list
   * leave the queue, and the next period starts where this one ended.
   */
  async commitDigests(arn: string, endMs: number, links: readonly ChainLink[]): Promise<void> {
    await this.transaction(async (w) => {
      for (const l of links) {
        await w.run(
          `INSERT OR REPLACE INTO trail_digest_chain VALUES ($arn, $account, $region, $bucket, $key, $sha, $sig)`,
          {
            arn,
            account: l.accountId,
            region: l.region,
            bucket: l.bucket,
            key: l.key,
            sha: l.sha256,
            sig: l.signature,
          },
        );
      }
      await w.run('DELETE FROM trail_delivered_files WHERE trail_arn = $arn', { arn });
      await w.run('UPDATE trail_delivery SET digest_start_ms = $end, digest_end_ms = NULL WHERE trail_arn = $arn', {
        arn,
        end: endMs,
      });
    });
  }

  /** Logging stopped (or the trail is gone) and everything is delivered: forget the trail. */
  async remove(arn: string): Promise<void> {
    await this.transaction((w) => this.clear(w, arn));
  }

  private async clear(w: DuckDBConnection, arn: string): Promise<void> {
    await w.run('DELETE FROM trail_delivery WHERE trail_arn = $arn', { arn });
    await w.run('DELETE FROM trail_delivered_files WHERE trail_arn = $arn', { arn });
    await w.run('DELETE FROM trail_digest_chain WHERE trail_arn = $arn', { arn });
  }
}
