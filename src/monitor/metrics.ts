/**
 * Metric series: datapoints aggregated per minute (SampleCount, Sum, Minimum, Maximum; Average
 * follows) and keyed by (account, namespace, metric name, dimensions, unit), persisted in the
 * embedded database. A metric is one exact dimension set, as in CloudWatch: `{}` and
 * `{Region: x}` are two metrics. Reads aggregate the minutes into periods for
 * GetMetricStatistics and for alarm evaluation.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { EmbeddedDatabase } from '../store/duckdb/database.js';
import { MonitorError } from './errors.js';
import type { MetricDatapoint } from './metric-filters.js';
import { isStandardUnit, type StandardUnit } from './units.js';

export const MINUTE_MS = 60_000;

const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS metric_minutes (
    account_id VARCHAR NOT NULL,
    namespace VARCHAR NOT NULL,
    metric_name VARCHAR NOT NULL,
    dimensions VARCHAR NOT NULL,
    unit VARCHAR NOT NULL,
    minute_ms BIGINT NOT NULL,
    sample_count DOUBLE NOT NULL,
    sum DOUBLE NOT NULL,
    minimum DOUBLE NOT NULL,
    maximum DOUBLE NOT NULL,
    PRIMARY KEY (account_id, namespace, metric_name, dimensions, unit, minute_ms)
  )`,
  // Consumers that write metrics keep their cursor here, committed in the same transaction.
  `CREATE TABLE IF NOT EXISTS monitor_cursors (consumer VARCHAR PRIMARY KEY, seq BIGINT NOT NULL)`,
];

export type Statistic = 'SampleCount' | 'Sum' | 'Minimum' | 'Maximum' | 'Average';
export const STATISTICS: readonly Statistic[] = ['SampleCount', 'Sum', 'Minimum', 'Maximum', 'Average'];

export interface Dimension {
  Name: string;
  Value: string;
}

/** Which metric: an exact dimension set (order does not matter). */
export interface MetricKey {
  accountId: string;
  namespace: string;
  metricName: string;
  dimensions: readonly Dimension[];
}

/** The aggregate of one period. */
export interface PeriodAggregate {
  /** Start of the period, epoch ms. */
  timestampMs: number;
  sampleCount: number;
  sum: number;
  minimum: number;
  maximum: number;
}

export function statisticOf(a: PeriodAggregate, s: Statistic): number {
  switch (s) {
    case 'SampleCount':
      return a.sampleCount;
    case 'Sum':
      return a.sum;
    case 'Minimum':
      return a.minimum;
    case 'Maximum':
      return a.maximum;
    case 'Average':
      return a.sum / a.sampleCount;
  }
}

/** The canonical text of a dimension set: sorted by name, JSON. */
export function dimensionsKey(dims: readonly Dimension[] | Readonly<Record<string, string>>): string {
  const pairs: [string, string][] = Array.isArray(dims)
    ? (dims as readonly Dimension[]).map((d) => [d.Name, d.Value])
    : Object.entries(dims as Record<string, string>);
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return JSON.stringify(pairs);
}

export interface GetMetricStatisticsQuery extends MetricKey {
  startMs: number;
  endMs: number;
  /** Seconds; a multiple of 60 (our metrics have one-minute resolution). */
  period: number;
  statistics: readonly Statistic[];
  unit?: StandardUnit;
}

/** A GetMetricStatistics datapoint (Timestamp in epoch ms; only the statistics asked for). */
export interface StatisticsDatapoint {
  Timestamp: number;
  SampleCount?: number;
  Sum?: number;
  Minimum?: number;
  Maximum?: number;
  Average?: number;
  Unit: StandardUnit;
}

/** A metric as ListMetrics reports it. */
export interface ListedMetric {
  Namespace: string;
  MetricName: string;
  Dimensions: Dimension[];
}

const MAX_DATAPOINTS = 1440;

interface MinuteRow {
  accountId: string;
  namespace: string;
  metricName: string;
  dimensions: string;
  unit: string;
  minuteMs: number;
  sampleCount: number;
  sum: number;
  minimum: number;
  maximum: number;
}

/** Datapoints summed per (metric, unit, minute) in memory: one upsert per row, never two per key. */
export function aggregateByMinute(points: readonly MetricDatapoint[]): MinuteRow[] {
  const rows = new Map<string, MinuteRow>();
  for (const p of points) {
    const minuteMs = Math.floor(p.timestampMs / MINUTE_MS) * MINUTE_MS;
    const dimensions = dimensionsKey(p.dimensions);
    const unit = p.unit ?? 'None';
    const key = JSON.stringify([p.accountId, p.namespace, p.metricName, dimensions, unit, minuteMs]);
    const row = rows.get(key);
    if (row) {
      row.sampleCount += 1;
      row.sum += p.value;
      row.minimum = Math.min(row.minimum, p.value);
      row.maximum = Math.max(row.maximum, p.value);
    } else {
      rows.set(key, {
        accountId: p.accountId,
        namespace: p.namespace,
        metricName: p.metricName,
        dimensions,
        unit,
        minuteMs,
        sampleCount: 1,
        sum: p.value,
        minimum: p.value,
        maximum: p.value,
      });
    }
  }
  return [...rows.values()];
}

const UPSERT = `
  INSERT INTO metric_minutes
  SELECT r->>'a', r->>'n', r->>'m', r->>'d', r->>'u', (r->>'t')::BIGINT, (r->>'c')::DOUBLE, (r->>'s')::DOUBLE,
    (r->>'lo')::DOUBLE, (r->>'hi')::DOUBLE
  FROM (SELECT unnest(json_extract($rows, '$[*]')) AS r)
  ON CONFLICT DO UPDATE SET
    sample_count = metric_minutes.sample_count + excluded.sample_count,
    sum = metric_minutes.sum + excluded.sum,
    minimum = least(metric_minutes.minimum, excluded.minimum),
    maximum = greatest(metric_minutes.maximum, excluded.maximum)`;

export class MetricStore {
  private constructor(private readonly db: EmbeddedDatabase) {}

  static async open(db: EmbeddedDatabase): Promise<MetricStore> {
    await db.write(async (w) => {
      for (const s of SCHEMA) await w.run(s);
    });
    return new MetricStore(db);
  }

  /**
   * Adds datapoints and, in the same transaction, moves a consumer's cursor: after a crash the
   * consumer resumes exactly after the last batch whose metrics are stored.
   */
  async commit(points: readonly MetricDatapoint[], cursor?: { consumer: string; seq: number }): Promise<void> {
    const rows = aggregateByMinute(points);
    await this.db.write(async (w) => {
      await w.run('BEGIN TRANSACTION');
      try {
        await this.upsert(w, rows);
        if (cursor) {
          await w.run('INSERT OR REPLACE INTO monitor_cursors VALUES ($c, $s)', { c: cursor.consumer, s: cursor.seq });
        }
        await w.run('COMMIT');
      } catch (err) {
        await w.run('ROLLBACK').catch(() => {});
        throw err;
      }
    });
  }

  private async upsert(w: DuckDBConnection, rows: MinuteRow[]): Promise<void> {
    if (rows.length === 0) return;
    const json = rows.map((r) => ({
      a: r.accountId,
      n: r.namespace,
      m: r.metricName,
      d: r.dimensions,
      u: r.unit,
      t: r.minuteMs,
      c: r.sampleCount,
      s: r.sum,
      lo: r.minimum,
      hi: r.maximum,
    }));
    await w.run(UPSERT, { rows: JSON.stringify(json) });
  }

  async getCursor(consumer: string): Promise<number> {
    const r = await this.db.read((c) =>
      c.runAndReadAll('SELECT seq FROM monitor_cursors WHERE consumer = $c', { c: consumer }),
    );
    return Number(r.getRows()[0]?.[0] ?? 0);
  }

  /**
   * Aggregates of the periods in [startMs, endMs) that hold data, oldest first; periods start at
   * startMs + k × period. Periods without a datapoint are absent (they are "missing").
   */
  async periodAggregates(
    key: MetricKey,
    startMs: number,
    endMs: number,
    periodMs: number,
    unit?: StandardUnit,
  ): Promise<PeriodAggregate[]> {
    const r = await this.db.read((c) =>
      c.runAndReadAll(
        `SELECT (minute_ms - $start) // $period AS k, sum(sample_count), sum(sum), min(minimum), max(maximum)
         FROM metric_minutes
         WHERE account_id = $account AND namespace = $namespace AND metric_name = $name AND dimensions = $dims
           AND minute_ms >= $start AND minute_ms < $end ${unit ? 'AND unit = $unit' : ''}
         GROUP BY k ORDER BY k`,
        {
          account: key.accountId,
          namespace: key.namespace,
          name: key.metricName,
          dims: dimensionsKey(key.dimensions),
          start: startMs,
          end: endMs,
          period: periodMs,
          ...(unit ? { unit } : {}),
        },
      ),
    );
    return r.getRows().map((row) => ({
      timestampMs: startMs + Number(row[0]) * periodMs,
      sampleCount: Number(row[1]),
      sum: Number(row[2]),
      minimum: Number(row[3]),
      maximum: Number(row[4]),
    }));
  }

  /** GetMetricStatistics over one metric, with CloudWatch's checks on the request. */
  async getMetricStatistics(q: GetMetricStatisticsQuery): Promise<StatisticsDatapoint[]> {
    if (!Number.isInteger(q.period) || q.period < 60 || q.period % 60 !== 0) {
      throw new MonitorError(
        'InvalidParameterValue',
        `The parameter Period must be a multiple of 60 for metrics of one-minute resolution, got ${q.period}.`,
      );
    }
    if (!(q.startMs < q.endMs)) {
      throw new MonitorError(
        'InvalidParameterValue',
        'The parameter StartTime must be less than the parameter EndTime.',
      );
    }
    if (q.statistics.length < 1 || q.statistics.length > 5 || q.statistics.some((s) => !STATISTICS.includes(s))) {
      throw new MonitorError(
        'InvalidParameterValue',
        `Statistics must list 1 to 5 of ${STATISTICS.join(', ')}, got ${JSON.stringify(q.statistics)}.`,
      );
    }
    if (q.unit !== undefined && !isStandardUnit(q.unit)) {
      throw new MonitorError('InvalidParameterValue', `The unit ${String(q.unit)} is not a CloudWatch unit.`);
    }
    const periodMs = q.period * 1000;
    // Periods start on whole minutes, as CloudWatch rounds StartTime for one-minute data.
    const startMs = Math.floor(q.startMs / MINUTE_MS) * MINUTE_MS;
    const count = Math.ceil((q.endMs - startMs) / periodMs);
    if (count > MAX_DATAPOINTS) {
      throw new MonitorError(
        'InvalidParameterCombination',
        `You have requested up to ${count.toLocaleString('en-US')} datapoints, which exceeds the limit of ${MAX_DATAPOINTS.toLocaleString('en-US')}. You may reduce the datapoints requested by increasing Period, or decreasing the time range.`,
      );
    }
    const aggregates = await this.periodAggregates(q, startMs, q.endMs, periodMs, q.unit);
    return aggregates.map((a) => {
      const d: StatisticsDatapoint = { Timestamp: a.timestampMs, Unit: q.unit ?? 'None' };
      for (const s of q.statistics) d[s] = statisticOf(a, s);
      return d;
    });
  }

  /** ListMetrics: the metrics of an account that hold any data, optionally narrowed. */
  async listMetrics(
    accountId: string,
    filter: { namespace?: string; metricName?: string } = {},
  ): Promise<ListedMetric[]> {
    const r = await this.db.read((c) =>
      c.runAndReadAll(
        `SELECT DISTINCT namespace, metric_name, dimensions FROM metric_minutes
         WHERE account_id = $account ${filter.namespace !== undefined ? 'AND namespace = $namespace' : ''}
           ${filter.metricName !== undefined ? 'AND metric_name = $name' : ''}
         ORDER BY namespace, metric_name, dimensions`,
        {
          account: accountId,
          ...(filter.namespace !== undefined ? { namespace: filter.namespace } : {}),
          ...(filter.metricName !== undefined ? { name: filter.metricName } : {}),
        },
      ),
    );
    return r.getRows().map((row) => ({
      Namespace: row[0] as string,
      MetricName: row[1] as string,
      Dimensions: (JSON.parse(row[2] as string) as [string, string][]).map(([Name, Value]) => ({ Name, Value })),
    }));
  }
}
