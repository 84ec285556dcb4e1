/**
 * The persisted metric filters of every account (one DuckDB table), with compiled filters
 * cached per account for the monitor consumer. Writes go through this store, so the cache is
 * dropped exactly when a filter of that account changes.
 */
import type { EmbeddedDatabase } from '../store/duckdb/database.js';
import { MonitorError } from './errors.js';
import { builtInGroupExists, type LogGroupExists } from './log-groups.js';
import {
  CompiledMetricFilter,
  MAX_FILTERS_PER_LOG_GROUP,
  validatePutMetricFilter,
  type FilterPatternEngine,
  type MetricFilter,
  type PutMetricFilterInput,
} from './metric-filters.js';

const SCHEMA = `CREATE TABLE IF NOT EXISTS metric_filters (
  account_id VARCHAR NOT NULL,
  log_group_name VARCHAR NOT NULL,
  filter_name VARCHAR NOT NULL,
  filter_pattern VARCHAR NOT NULL,
  transformations VARCHAR NOT NULL,
  creation_time BIGINT NOT NULL,
  PRIMARY KEY (account_id, log_group_name, filter_name)
)`;

export interface DescribeMetricFiltersQuery {
  logGroupName?: string;
  filterNamePrefix?: string;
  metricName?: string;
  metricNamespace?: string;
  /** 1–50, default 50. */
  limit?: number;
  nextToken?: string;
}

export interface DescribeMetricFiltersResult {
  metricFilters: MetricFilter[];
  nextToken?: string;
}

export class MetricFilterStore {
  private readonly compiled = new Map<string, CompiledMetricFilter[]>();

  private constructor(
    private readonly db: EmbeddedDatabase,
    private readonly engine: FilterPatternEngine,
    private readonly logGroupExists: LogGroupExists,
  ) {}

  static async open(
    db: EmbeddedDatabase,
    engine: FilterPatternEngine,
    options: { logGroupExists?: LogGroupExists } = {},
  ): Promise<MetricFilterStore> {
    await db.write((w) => w.run(SCHEMA));
    return new MetricFilterStore(db, engine, options.logGroupExists ?? builtInGroupExists);
  }

  /** PutMetricFilter: creates or replaces (same name in the same group) a filter. */
  async put(accountId: string, input: PutMetricFilterInput, nowMs: number): Promise<MetricFilter> {
    const valid = validatePutMetricFilter(input, this.engine);
    if (!(await this.logGroupExists(accountId, valid.logGroupName))) {
      throw new MonitorError('ResourceNotFoundException', 'The specified log group does not exist.');
    }
    const filter = await this.db.write(async (w) => {
      const r = await w.runAndReadAll(
        `SELECT count(*), max(creation_time) FILTER (WHERE filter_name = $name) FROM metric_filters
         WHERE account_id = $account AND log_group_name = $group`,
        { account: accountId, group: valid.logGroupName, name: valid.filterName },
      );
      const row = r.getRows()[0];
      const total = Number(row?.[0] ?? 0);
      const existingCreation = row?.[1] === null || row?.[1] === undefined ? undefined : Number(row[1]);
      if (existingCreation === undefined && total >= MAX_FILTERS_PER_LOG_GROUP) {
        throw new MonitorError('LimitExceededException', 'Resource limit exceeded.');
      }
      const f: MetricFilter = { ...valid, accountId, creationTime: existingCreation ?? nowMs };
      await w.run(
        `INSERT OR REPLACE INTO metric_filters VALUES ($account, $group, $name, $pattern, $transformations, $created)`,
        {
          account: accountId,
          group: f.logGroupName,
          name: f.filterName,
          pattern: f.filterPattern,
          transformations: JSON.stringify(f.metricTransformations),
          created: f.creationTime,
        },
      );
      return f;
    });
    this.compiled.delete(accountId);
    return filter;
  }

  /** DeleteMetricFilter. */
  async delete(accountId: string, logGroupName: string, filterName: string): Promise<void> {
    const r = await this.db.write((w) =>
      w.runAndReadAll(
        `DELETE FROM metric_filters WHERE account_id = $account AND log_group_name = $group AND filter_name = $name
         RETURNING filter_name`,
        { account: accountId, group: logGroupName, name: filterName },
      ),
    );
    if (r.getRows().length === 0) {
      throw new MonitorError('ResourceNotFoundException', 'The specified metric filter does not exist.');
    }
    this.compiled.delete(accountId);
  }

  /** DescribeMetricFilters, ordered by log group then filter name, paginated by an opaque token. */
  async describe(accountId: string, q: DescribeMetricFiltersQuery = {}): Promise<DescribeMetricFiltersResult> {
    if (q.filterNamePrefix !== undefined && q.logGroupName === undefined) {
      throw new MonitorError('InvalidParameterException', 'filterNamePrefix requires logGroupName.');
    }
    if ((q.metricName === undefined) !== (q.metricNamespace === undefined)) {
      throw new MonitorError('InvalidParameterException', 'metricName and metricNamespace must be specified together.');
    }
    const limit = q.limit ?? 50;
    if (!Number.isInteger(limit) || limit < 1 || limit > 50) {
      throw new MonitorError('InvalidParameterException', `limit must be an integer from 1 to 50, got ${limit}.`);
    }
    let after: [string, string] | undefined;
    if (q.nextToken !== undefined) {
      try {
        const t = JSON.parse(Buffer.from(q.nextToken, 'base64url').toString('utf8')) as unknown;
        if (!Array.isArray(t) || t.length !== 2 || !t.every((x) => typeof x === 'string')) throw new Error('shape');
        after = t as [string, string];
      } catch {
        throw new MonitorError('InvalidParameterException', 'The specified nextToken is invalid.');
      }
    }
    const all = (await this.listAll(accountId)).filter(
      (f) =>
        (q.logGroupName === undefined || f.logGroupName === q.logGroupName) &&
        (q.filterNamePrefix === undefined || f.filterName.startsWith(q.filterNamePrefix)) &&
        (q.metricName === undefined ||
          f.metricTransformations.some(
            (t) => t.metricName === q.metricName && t.metricNamespace === q.metricNamespace,
          )) &&
        (after === undefined || f.logGroupName > after[0] || (f.logGroupName === after[0] && f.filterName > after[1])),
    );
    const page = all.slice(0, limit);
    const last = page[page.length - 1];
    return {
      metricFilters: page,
      ...(all.length > limit && last
        ? { nextToken: Buffer.from(JSON.stringify([last.logGroupName, last.filterName])).toString('base64url') }
        : {}),
    };
  }

  /** Every filter of an account, ordered by log group and name. */
  async listAll(accountId: string): Promise<MetricFilter[]> {
    const r = await this.db.read((c) =>
      c.runAndReadAll(
        `SELECT log_group_name, filter_name, filter_pattern, transformations, creation_time FROM metric_filters
         WHERE account_id = $account ORDER BY log_group_name, filter_name`,
        { account: accountId },
      ),
    );
    return r.getRows().map((row) => ({
      accountId,
      logGroupName: row[0] as string,
      filterName: row[1] as string,
      filterPattern: row[2] as string,
      metricTransformations: JSON.parse(row[3] as string) as MetricFilter['metricTransformations'],
      creationTime: Number(row[4]),
    }));
  }

  /** The compiled filters of an account (cached until one of its filters changes). */
  async compiledFor(accountId: string): Promise<CompiledMetricFilter[]> {
    const hit = this.compiled.get(accountId);
    if (hit) return hit;
    const list = (await this.listAll(accountId)).map((f) => new CompiledMetricFilter(f, this.engine));
    this.compiled.set(accountId, list);
    return list;
  }
}
