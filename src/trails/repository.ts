import type { DuckDBConnection } from '@duckdb/node-api';
import type { EmbeddedDatabase } from '../store/duckdb/database.js';
import {
  MAX_TAGS_PER_RESOURCE,
  MAX_TRAILS_PER_REGION,
  isVisibleIn,
  trailArn,
  type Tag,
  type Trail,
  type TrailConfig,
  type TrailRef,
  type TrailStatus,
} from './model.js';
import { defaultSelectors, type TrailSelectors } from './selectors/types.js';

/**
 * Trails, their selectors, tags and logging status in the embedded database, scoped by account.
 * A trail lives in its home region; a multi-region trail is also visible (as a shadow trail) in
 * every other region. All writes go through the database's single writer, so the checks a
 * write makes (name taken, 5 trails per region) and the write itself cannot interleave.
 */

const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS trails (
    trail_arn VARCHAR PRIMARY KEY,
    account_id VARCHAR NOT NULL,
    home_region VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    s3_bucket_name VARCHAR NOT NULL,
    s3_key_prefix VARCHAR,
    sns_topic_name VARCHAR,
    sns_topic_arn VARCHAR,
    include_global_service_events BOOLEAN NOT NULL,
    is_multi_region_trail BOOLEAN NOT NULL,
    is_organization_trail BOOLEAN NOT NULL,
    log_file_validation_enabled BOOLEAN NOT NULL,
    cloudwatch_logs_log_group_arn VARCHAR,
    cloudwatch_logs_role_arn VARCHAR,
    kms_key_id VARCHAR,
    selectors VARCHAR NOT NULL,
    has_custom_event_selectors BOOLEAN NOT NULL,
    has_insight_selectors BOOLEAN NOT NULL,
    created_at_ms BIGINT NOT NULL,
    updated_at_ms BIGINT NOT NULL
  )`,
  // Added with organisation trails; databases created before them gain the column.
  `ALTER TABLE trails ADD COLUMN IF NOT EXISTS organization_id VARCHAR`,
  `CREATE TABLE IF NOT EXISTS trail_tags (
    trail_arn VARCHAR NOT NULL,
    key VARCHAR NOT NULL,
    value VARCHAR,
    PRIMARY KEY (trail_arn, key)
  )`,
  `CREATE TABLE IF NOT EXISTS trail_status (
    trail_arn VARCHAR PRIMARY KEY,
    is_logging BOOLEAN NOT NULL,
    start_logging_ms BIGINT,
    stop_logging_ms BIGINT,
    latest_delivery_ms BIGINT,
    latest_delivery_attempt_ms BIGINT,
    latest_delivery_error VARCHAR,
    latest_digest_delivery_ms BIGINT,
    latest_digest_delivery_error VARCHAR,
    latest_notification_ms BIGINT,
    latest_notification_attempt_ms BIGINT,
    latest_notification_error VARCHAR,
    latest_cloudwatch_logs_delivery_ms BIGINT,
    latest_cloudwatch_logs_delivery_error VARCHAR
  )`,
];

export type { TrailConfig };

export interface NewTrail extends TrailConfig {
  accountId: string;
  homeRegion: string;
  name: string;
  tags?: Tag[];
}

/**
 * An update: a member left out keeps its value; `null` clears an optional one (UpdateTrail with
 * an empty string, as AWS does for S3KeyPrefix, SnsTopicName, KmsKeyId and the log group).
 */
export type TrailConfigPatch = {
  [K in keyof TrailConfig]?: undefined extends TrailConfig[K] ? TrailConfig[K] | null : TrailConfig[K];
};

/** One delivery outcome, reported by delivery and integrity for GetTrailStatus. */
export interface DeliveryReport {
  kind: 'logFile' | 'digest' | 'notification' | 'cloudWatchLogs';
  atMs: number;
  /** Set when the attempt failed; a success clears the previous error. */
  error?: string;
}

export class TrailExistsError extends Error {}
export class TrailLimitError extends Error {}
export class TagsLimitError extends Error {}

export type TrailChange = { kind: 'created' | 'updated' | 'deleted' | 'logging'; trailArn: string; accountId: string };

const TRAIL_COLUMNS = `trail_arn, account_id, home_region, name, s3_bucket_name, s3_key_prefix, sns_topic_name,
  sns_topic_arn, include_global_service_events, is_multi_region_trail, is_organization_trail,
  log_file_validation_enabled, cloudwatch_logs_log_group_arn, cloudwatch_logs_role_arn, kms_key_id, selectors,
  has_custom_event_selectors, has_insight_selectors, created_at_ms, updated_at_ms, organization_id`;

type Row = Record<string, unknown>;

const str = (v: unknown): string | undefined => (v === null || v === undefined ? undefined : String(v));
const num = (v: unknown): number | undefined => (v === null || v === undefined ? undefined : Number(v));

function rowToTrail(r: Row): Trail {
  const t: Trail = {
    accountId: String(r.account_id),
    name: String(r.name),
    homeRegion: String(r.home_region),
    trailArn: String(r.trail_arn),
    s3BucketName: String(r.s3_bucket_name),
    includeGlobalServiceEvents: Boolean(r.include_global_service_events),
    isMultiRegionTrail: Boolean(r.is_multi_region_trail),
    isOrganizationTrail: Boolean(r.is_organization_trail),
    logFileValidationEnabled: Boolean(r.log_file_validation_enabled),
    selectors: JSON.parse(String(r.selectors)) as TrailSelectors,
    hasCustomEventSelectors: Boolean(r.has_custom_event_selectors),
    hasInsightSelectors: Boolean(r.has_insight_selectors),
    createdAtMs: Number(r.created_at_ms),
    updatedAtMs: Number(r.updated_at_ms),
  };
  const optional: [keyof Trail, unknown][] = [
    ['s3KeyPrefix', r.s3_key_prefix],
    ['snsTopicName', r.sns_topic_name],
    ['snsTopicArn', r.sns_topic_arn],
    ['cloudWatchLogsLogGroupArn', r.cloudwatch_logs_log_group_arn],
    ['cloudWatchLogsRoleArn', r.cloudwatch_logs_role_arn],
    ['kmsKeyId', r.kms_key_id],
    ['organizationId', r.organization_id],
  ];
  for (const [k, v] of optional) if (v !== null && v !== undefined) (t as unknown as Row)[k] = String(v);
  return t;
}

function rowToStatus(r: Row | undefined): TrailStatus {
  if (!r) return { isLogging: false };
  const s: TrailStatus = { isLogging: Boolean(r.is_logging) };
  const fields: [keyof TrailStatus, unknown, 'ms' | 'text'][] = [
    ['startLoggingTimeMs', r.start_logging_ms, 'ms'],
    ['stopLoggingTimeMs', r.stop_logging_ms, 'ms'],
    ['latestDeliveryTimeMs', r.latest_delivery_ms, 'ms'],
    ['latestDeliveryAttemptTimeMs', r.latest_delivery_attempt_ms, 'ms'],
    ['latestDeliveryError', r.latest_delivery_error, 'text'],
    ['latestDigestDeliveryTimeMs', r.latest_digest_delivery_ms, 'ms'],
    ['latestDigestDeliveryError', r.latest_digest_delivery_error, 'text'],
    ['latestNotificationTimeMs', r.latest_notification_ms, 'ms'],
    ['latestNotificationAttemptTimeMs', r.latest_notification_attempt_ms, 'ms'],
    ['latestNotificationError', r.latest_notification_error, 'text'],
    ['latestCloudWatchLogsDeliveryTimeMs', r.latest_cloudwatch_logs_delivery_ms, 'ms'],
    ['latestCloudWatchLogsDeliveryError', r.latest_cloudwatch_logs_delivery_error, 'text'],
  ];
  for (const [k, v, kind] of fields) {
    const value = kind === 'ms' ? num(v) : str(v);
    if (value !== undefined) (s as unknown as Row)[k] = value;
  }
  return s;
}

/** Bind values: DuckDB takes null for SQL NULL, never undefined. */
const nul = <T>(v: T | undefined | null): T | null => (v === undefined ? null : v);

export class TrailRepository {
  private readonly listeners = new Set<(change: TrailChange) => void>();

  private constructor(private readonly db: EmbeddedDatabase) {}

  /** Opens the repository, creating its tables in the embedded database when they are missing. */
  static async open(db: EmbeddedDatabase): Promise<TrailRepository> {
    await db.write(async (w) => {
      for (const stmt of SCHEMA) await w.run(stmt);
    });
    return new TrailRepository(db);
  }

  /** Called after every committed change (the delivery scheduler recompiles the trail's matcher). */
  onChange(listener: (change: TrailChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(change: TrailChange): void {
    for (const l of this.listeners) l(change);
  }

  private async query(sql: string, params: Record<string, unknown> = {}, conn?: DuckDBConnection): Promise<Row[]> {
    const run = (c: DuckDBConnection) =>
      c.runAndReadAll(sql, params as never).then((r) => r.getRowObjectsJS() as Row[]);
    return conn ? run(conn) : this.db.read(run);
  }

  /** Every trail of the account, in every region, ordered by ARN. */
  async listAccount(accountId: string, conn?: DuckDBConnection): Promise<Trail[]> {
    const rows = await this.query(
      `SELECT ${TRAIL_COLUMNS} FROM trails WHERE account_id = $account ORDER BY trail_arn`,
      { account: accountId },
      conn,
    );
    return rows.map(rowToTrail);
  }

  /** Every trail of every account (for delivery). */
  async listAll(): Promise<Trail[]> {
    return (await this.query(`SELECT ${TRAIL_COLUMNS} FROM trails ORDER BY account_id, trail_arn`)).map(rowToTrail);
  }

  /** The trails visible in a region: its own, and (unless excluded) the multi-region trails of others. */
  async listRegion(accountId: string, region: string, options: { includeShadowTrails: boolean }): Promise<Trail[]> {
    const all = await this.listAccount(accountId);
    return all.filter((t) => (options.includeShadowTrails ? isVisibleIn(t, region) : t.homeRegion === region));
  }

  async getByArn(accountId: string, arn: string): Promise<Trail | undefined> {
    const rows = await this.query(
      `SELECT ${TRAIL_COLUMNS} FROM trails WHERE account_id = $account AND trail_arn = $arn`,
      { account: accountId, arn },
    );
    return rows[0] ? rowToTrail(rows[0]) : undefined;
  }

  /**
   * Resolves a name-or-ARN argument as seen from `region`: an ARN names any trail of the account;
   * a name names the region's own trail or, failing that, a multi-region trail's shadow.
   */
  async find(accountId: string, region: string, ref: TrailRef): Promise<Trail | undefined> {
    if (ref.kind === 'arn') return ref.accountId === accountId ? this.getByArn(accountId, ref.arn) : undefined;
    const visible = (await this.listAccount(accountId)).filter((t) => t.name === ref.name && isVisibleIn(t, region));
    return visible.find((t) => t.homeRegion === region) ?? visible[0];
  }

  async create(input: NewTrail, nowMs = Date.now()): Promise<Trail> {
    const trail: Trail = {
      accountId: input.accountId,
      name: input.name,
      homeRegion: input.homeRegion,
      trailArn: trailArn(input.homeRegion, input.accountId, input.name),
      s3BucketName: input.s3BucketName,
      ...(input.s3KeyPrefix !== undefined ? { s3KeyPrefix: input.s3KeyPrefix } : {}),
      ...(input.snsTopicName !== undefined ? { snsTopicName: input.snsTopicName } : {}),
      ...(input.snsTopicArn !== undefined ? { snsTopicArn: input.snsTopicArn } : {}),
      includeGlobalServiceEvents: input.includeGlobalServiceEvents,
      isMultiRegionTrail: input.isMultiRegionTrail,
      isOrganizationTrail: input.isOrganizationTrail,
      logFileValidationEnabled: input.logFileValidationEnabled,
      ...(input.cloudWatchLogsLogGroupArn !== undefined
        ? { cloudWatchLogsLogGroupArn: input.cloudWatchLogsLogGroupArn }
        : {}),
      ...(input.cloudWatchLogsRoleArn !== undefined ? { cloudWatchLogsRoleArn: input.cloudWatchLogsRoleArn } : {}),
      ...(input.kmsKeyId !== undefined ? { kmsKeyId: input.kmsKeyId } : {}),
      ...(input.organizationId !== undefined ? { organizationId: input.organizationId } : {}),
      selectors: defaultSelectors(),
      hasCustomEventSelectors: false,
      hasInsightSelectors: false,
      createdAtMs: nowMs,
      updatedAtMs: nowMs,
    };
    const tags = input.tags ?? [];
    if (tags.length > MAX_TAGS_PER_RESOURCE) {
      throw new TagsLimitError(
        `A trail can have at most ${MAX_TAGS_PER_RESOURCE} tags; the request has ${tags.length}.`,
      );
    }
    await this.db.write(async (w) => {
      const existing = await this.listAccount(input.accountId, w);
      this.checkRoom(existing, trail);
      await w.run('BEGIN TRANSACTION');
      try {
        await this.writeTrail(w, trail, 'insert');
        await w.run('INSERT INTO trail_status (trail_arn, is_logging) VALUES ($arn, false)', { arn: trail.trailArn });
        for (const t of tags) await this.writeTag(w, trail.trailArn, t);
        await w.run('COMMIT');
      } catch (err) {
        await w.run('ROLLBACK');
        throw err;
      }
    });
    this.emit({ kind: 'created', trailArn: trail.trailArn, accountId: trail.accountId });
    return trail;
  }

  /**
   * A new or widened trail must not take a name already visible where it will be visible, nor
   * push any region over 5 trails (a multi-region trail counts in every region).
   */
  private checkRoom(others: Trail[], trail: Trail): void {
    const regions = new Set([trail.homeRegion, ...(trail.isMultiRegionTrail ? others.map((t) => t.homeRegion) : [])]);
    for (const region of regions) {
      const visible = others.filter((t) => isVisibleIn(t, region));
      const clash = visible.find((t) => t.name === trail.name);
      if (clash) {
        throw new TrailExistsError(
          `Trail ${trail.name} already exists for customer: ${trail.accountId}` +
            (clash.homeRegion !== trail.homeRegion ? ` (a multi-region trail of ${clash.homeRegion})` : ''),
        );
      }
      if (visible.length + 1 > MAX_TRAILS_PER_REGION) {
        throw new TrailLimitError(
          `User: ${trail.accountId} already has ${MAX_TRAILS_PER_REGION} trails in ${region}; a trail that applies to all regions counts in every region.`,
        );
      }
    }
  }

  private async writeTrail(w: DuckDBConnection, t: Trail, mode: 'insert' | 'update'): Promise<void> {
    const params = {
      arn: t.trailArn,
      account: t.accountId,
      region: t.homeRegion,
      name: t.name,
      bucket: t.s3BucketName,
      prefix: nul(t.s3KeyPrefix),
      snsName: nul(t.snsTopicName),
      snsArn: nul(t.snsTopicArn),
      global: t.includeGlobalServiceEvents,
      multi: t.isMultiRegionTrail,
      org: t.isOrganizationTrail,
      validation: t.logFileValidationEnabled,
      logGroup: nul(t.cloudWatchLogsLogGroupArn),
      role: nul(t.cloudWatchLogsRoleArn),
      kms: nul(t.kmsKeyId),
      selectors: JSON.stringify(t.selectors),
      custom: t.hasCustomEventSelectors,
      insight: t.hasInsightSelectors,
      created: t.createdAtMs,
      updated: t.updatedAtMs,
      org_id: nul(t.organizationId),
    };
    if (mode === 'update') {
      // The identity columns never change; DuckDB refuses bound parameters a statement does not use.
      for (const k of ['account', 'region', 'name', 'created'] as const) delete (params as Partial<typeof params>)[k];
    }
    if (mode === 'insert') {
      await w.run(
        `INSERT INTO trails (${TRAIL_COLUMNS}) VALUES ($arn, $account, $region, $name, $bucket, $prefix::VARCHAR,
          $snsName::VARCHAR, $snsArn::VARCHAR, $global, $multi, $org, $validation, $logGroup::VARCHAR, $role::VARCHAR,
          $kms::VARCHAR, $selectors, $custom, $insight, $created, $updated, $org_id::VARCHAR)`,
        params as never,
      );
    } else {
      await w.run(
        `UPDATE trails SET s3_bucket_name = $bucket, s3_key_prefix = $prefix::VARCHAR, sns_topic_name = $snsName::VARCHAR,
          sns_topic_arn = $snsArn::VARCHAR, include_global_service_events = $global, is_multi_region_trail = $multi,
          is_organization_trail = $org, log_file_validation_enabled = $validation,
          cloudwatch_logs_log_group_arn = $logGroup::VARCHAR, cloudwatch_logs_role_arn = $role::VARCHAR,
          kms_key_id = $kms::VARCHAR, selectors = $selectors, has_custom_event_selectors = $custom,
          has_insight_selectors = $insight, updated_at_ms = $updated, organization_id = $org_id::VARCHAR
         WHERE trail_arn = $arn`,
        params as never,
      );
    }
  }

  /** Applies a configuration patch; returns undefined when the trail does not exist. */
  async update(
    accountId: string,
    arn: string,
    patch: TrailConfigPatch,
    nowMs = Date.now(),
  ): Promise<Trail | undefined> {
    const updated = await this.db.write(async (w) => {
      const all = await this.listAccount(accountId, w);
      const current = all.find((t) => t.trailArn === arn);
      if (!current) return undefined;
      const next: Trail = { ...current, updatedAtMs: nowMs };
      for (const [k, v] of Object.entries(patch)) {
        if (v === undefined) continue;
        if (v === null) delete (next as unknown as Row)[k];
        else (next as unknown as Row)[k] = v;
      }
      if (next.isMultiRegionTrail && !current.isMultiRegionTrail) {
        this.checkRoom(
          all.filter((t) => t.trailArn !== arn),
          next,
        );
      }
      await this.writeTrail(w, next, 'update');
      return next;
    });
    if (updated) this.emit({ kind: 'updated', trailArn: arn, accountId });
    return updated;
  }

  /** Replaces the trail's selectors (one kind replaces the other). */
  async putSelectors(
    accountId: string,
    arn: string,
    selectors: TrailSelectors,
    nowMs = Date.now(),
  ): Promise<Trail | undefined> {
    const updated = await this.db.write(async (w) => {
      const current = (await this.listAccount(accountId, w)).find((t) => t.trailArn === arn);
      if (!current) return undefined;
      const next: Trail = { ...current, selectors, hasCustomEventSelectors: true, updatedAtMs: nowMs };
      await this.writeTrail(w, next, 'update');
      return next;
    });
    if (updated) this.emit({ kind: 'updated', trailArn: arn, accountId });
    return updated;
  }

  /** Deletes a trail with its tags and status; returns false when there was none. */
  async delete(accountId: string, arn: string): Promise<boolean> {
    const deleted = await this.db.write(async (w) => {
      await w.run('BEGIN TRANSACTION');
      try {
        const r = await w.runAndReadAll(
          'DELETE FROM trails WHERE account_id = $account AND trail_arn = $arn RETURNING trail_arn',
          { account: accountId, arn },
        );
        const found = r.getRows().length > 0;
        if (found) {
          await w.run('DELETE FROM trail_tags WHERE trail_arn = $arn', { arn });
          await w.run('DELETE FROM trail_status WHERE trail_arn = $arn', { arn });
        }
        await w.run('COMMIT');
        return found;
      } catch (err) {
        await w.run('ROLLBACK');
        throw err;
      }
    });
    if (deleted) this.emit({ kind: 'deleted', trailArn: arn, accountId });
    return deleted;
  }

  // -------------------------------------------------------------------------------------------
  // Logging status

  async status(arn: string): Promise<TrailStatus> {
    const rows = await this.query('SELECT * FROM trail_status WHERE trail_arn = $arn', { arn });
    return rowToStatus(rows[0]);
  }

  /**
   * StartLogging / StopLogging: records the time of the switch. Starting a trail that logs
   * already (or stopping a stopped one) changes nothing, as in AWS.
   */
  async setLogging(arn: string, isLogging: boolean, atMs = Date.now()): Promise<TrailStatus> {
    const changed = await this.db.write(async (w) => {
      const current = rowToStatus(
        (await this.query('SELECT * FROM trail_status WHERE trail_arn = $arn', { arn }, w))[0],
      );
      if (current.isLogging === isLogging) return false;
      await w.run(
        `INSERT INTO trail_status (trail_arn, is_logging, ${isLogging ? 'start_logging_ms' : 'stop_logging_ms'})
         VALUES ($arn, $on, $at)
         ON CONFLICT (trail_arn) DO UPDATE SET is_logging = EXCLUDED.is_logging,
           ${isLogging ? 'start_logging_ms = EXCLUDED.start_logging_ms' : 'stop_logging_ms = EXCLUDED.stop_logging_ms'}`,
        { arn, on: isLogging, at: atMs },
      );
      return true;
    });
    const accountId = /:(\d{12}):trail\//.exec(arn)?.[1] ?? '';
    if (changed) this.emit({ kind: 'logging', trailArn: arn, accountId });
    return this.status(arn);
  }

  /** Delivery and integrity report each attempt here; GetTrailStatus shows the latest. */
  async recordDelivery(arn: string, report: DeliveryReport): Promise<void> {
    const columns = {
      logFile: ['latest_delivery_ms', 'latest_delivery_error', 'latest_delivery_attempt_ms'],
      digest: ['latest_digest_delivery_ms', 'latest_digest_delivery_error', undefined],
      notification: ['latest_notification_ms', 'latest_notification_error', 'latest_notification_attempt_ms'],
      cloudWatchLogs: ['latest_cloudwatch_logs_delivery_ms', 'latest_cloudwatch_logs_delivery_error', undefined],
    } as const;
    const [timeCol, errorCol, attemptCol] = columns[report.kind];
    // A success moves the delivery time and clears the error; a failure records the error and
    // the attempt, and leaves the last successful delivery time as it was.
    const sets =
      report.error === undefined
        ? [`${timeCol} = $at`, `${errorCol} = NULL`, ...(attemptCol ? [`${attemptCol} = $at`] : [])]
        : [`${errorCol} = $error`, ...(attemptCol ? [`${attemptCol} = $at`] : [])];
    await this.db.write((w) =>
      w.run(`UPDATE trail_status SET ${sets.join(', ')} WHERE trail_arn = $arn`, {
        arn,
        at: report.atMs,
        ...(report.error !== undefined ? { error: report.error } : {}),
      }),
    );
  }

  // -------------------------------------------------------------------------------------------
  // Tags

  private async writeTag(w: DuckDBConnection, arn: string, t: Tag): Promise<void> {
    await w.run(
      `INSERT INTO trail_tags VALUES ($arn, $key, $value::VARCHAR)
       ON CONFLICT (trail_arn, key) DO UPDATE SET value = EXCLUDED.value`,
      { arn, key: t.Key, value: nul(t.Value) },
    );
  }

  async listTags(arn: string): Promise<Tag[]> {
    const rows = await this.query('SELECT key, value FROM trail_tags WHERE trail_arn = $arn ORDER BY key', { arn });
    return rows.map((r) =>
      r.value === null ? { Key: String(r.key) } : { Key: String(r.key), Value: String(r.value) },
    );
  }

  /** Adds tags, overwriting the values of keys the trail has; at most 50 tags in all. */
  async addTags(arn: string, tags: readonly Tag[]): Promise<void> {
    await this.db.write(async (w) => {
      const keys = new Set(
        (await this.query('SELECT key FROM trail_tags WHERE trail_arn = $arn', { arn }, w)).map((r) => String(r.key)),
      );
      for (const t of tags) keys.add(t.Key);
      if (keys.size > MAX_TAGS_PER_RESOURCE) {
        throw new TagsLimitError(
          `A trail can have at most ${MAX_TAGS_PER_RESOURCE} tags; adding these would make ${keys.size}.`,
        );
      }
      await w.run('BEGIN TRANSACTION');
      try {
        for (const t of tags) await this.writeTag(w, arn, t);
        await w.run('COMMIT');
      } catch (err) {
        await w.run('ROLLBACK');
        throw err;
      }
    });
  }

  /** Removes tags by key; a Value given with a key is not compared. */
  async removeTags(arn: string, tags: readonly Tag[]): Promise<void> {
    if (tags.length === 0) return;
    await this.db.write(async (w) => {
      for (const t of tags)
        await w.run('DELETE FROM trail_tags WHERE trail_arn = $arn AND key = $key', { arn, key: t.Key });
    });
  }
}
