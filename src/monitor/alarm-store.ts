/**
 * The persisted alarms of every account, their current state and their history
 * (DescribeAlarmHistory items: StateUpdate, ConfigurationUpdate, Action). CloudWatch keeps
 * history for two weeks; `pruneHistory` does that when called.
 */
import type { EmbeddedDatabase } from '../store/duckdb/database.js';
import { MonitorError } from './errors.js';
import {
  ALARM_STATES,
  MAX_ALARMS_PER_ACCOUNT,
  actionsFor,
  alarmArn,
  validatePutMetricAlarm,
  type AlarmDefinition,
  type AlarmState,
  type MetricAlarm,
  type PutMetricAlarmInput,
} from './alarms.js';
import type { AlarmEvaluation } from './alarm-state.js';

const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS alarms (
    account_id VARCHAR NOT NULL,
    alarm_name VARCHAR NOT NULL,
    definition VARCHAR NOT NULL,
    state_value VARCHAR NOT NULL,
    state_reason VARCHAR NOT NULL,
    state_reason_data VARCHAR,
    state_updated_ms BIGINT NOT NULL,
    state_transitioned_ms BIGINT NOT NULL,
    config_updated_ms BIGINT NOT NULL,
    PRIMARY KEY (account_id, alarm_name)
  )`,
  `CREATE SEQUENCE IF NOT EXISTS alarm_history_seq`,
  `CREATE TABLE IF NOT EXISTS alarm_history (
    id BIGINT NOT NULL DEFAULT nextval('alarm_history_seq'),
    account_id VARCHAR NOT NULL,
    alarm_name VARCHAR NOT NULL,
    ts_ms BIGINT NOT NULL,
    item_type VARCHAR NOT NULL,
    summary VARCHAR NOT NULL,
    data VARCHAR NOT NULL
  )`,
];

export const INITIAL_STATE_REASON = 'Unchecked: Initial alarm creation';
export const HISTORY_RETENTION_MS = 14 * 24 * 3600 * 1000;

export type HistoryItemType = 'ConfigurationUpdate' | 'StateUpdate' | 'Action';

/** A DescribeAlarmHistory item (Timestamp in epoch ms). */
export interface AlarmHistoryItem {
  AlarmName: string;
  AlarmType: 'MetricAlarm';
  Timestamp: number;
  HistoryItemType: HistoryItemType;
  HistorySummary: string;
  HistoryData: string;
}

export interface HistoryQuery {
  alarmName?: string;
  historyItemType?: HistoryItemType;
  startMs?: number;
  endMs?: number;
  /** Newest first unless 'TimestampAscending'. */
  scanBy?: 'TimestampDescending' | 'TimestampAscending';
  maxRecords?: number;
}

export interface StateSnapshot {
  value: AlarmState;
  reason: string;
  reasonData?: string;
}

/** What notification channels are told when an alarm changes state. */
export interface AlarmStateChange {
  accountId: string;
  alarmName: string;
  alarmArn: string;
  timestampMs: number;
  oldState: StateSnapshot;
  newState: StateSnapshot;
  /** The alarm after the change. */
  alarm: MetricAlarm;
  /** The ARNs to notify: the new state's actions, or none when ActionsEnabled is false. */
  actions: string[];
}

export interface DescribeAlarmsQuery {
  alarmNames?: readonly string[];
  alarmNamePrefix?: string;
  stateValue?: AlarmState;
  actionPrefix?: string;
}

export class AlarmStore {
  private constructor(
    private readonly db: EmbeddedDatabase,
    readonly region: string,
  ) {}

  static async open(db: EmbeddedDatabase, region: string): Promise<AlarmStore> {
    await db.write(async (w) => {
      for (const s of SCHEMA) await w.run(s);
    });
    return new AlarmStore(db, region);
  }

  /**
   * PutMetricAlarm. A new alarm starts in INSUFFICIENT_DATA; an update replaces the whole
   * configuration and leaves the state as it is (CloudWatch's documented behaviour).
   */
  async put(accountId: string, input: PutMetricAlarmInput, nowMs: number): Promise<MetricAlarm> {
    const def = validatePutMetricAlarm(input);
    return this.db.write(async (w) => {
      await w.run('BEGIN TRANSACTION');
      try {
        const r = await w.runAndReadAll(
          `SELECT count(*), max(definition) FILTER (WHERE alarm_name = $name) FROM alarms WHERE account_id = $account`,
          { account: accountId, name: def.AlarmName },
        );
        const row = r.getRows()[0];
        const total = Number(row?.[0] ?? 0);
        const previous = row?.[1] ? (JSON.parse(row[1] as string) as AlarmDefinition) : undefined;
        if (!previous && total >= MAX_ALARMS_PER_ACCOUNT) {
          throw new MonitorError(
            'LimitExceeded',
            `The maximum number of alarms (${MAX_ALARMS_PER_ACCOUNT}) for account ${accountId} has been reached.`,
          );
        }
        const arn = alarmArn(this.region, accountId, def.AlarmName);
        if (previous) {
          await w.run(
            `UPDATE alarms SET definition = $def, config_updated_ms = $now WHERE account_id = $account AND alarm_name = $name`,
            { def: JSON.stringify(def), now: nowMs, account: accountId, name: def.AlarmName },
          );
        } else {
          await w.run(
            `INSERT INTO alarms VALUES ($account, $name, $def, 'INSUFFICIENT_DATA', $reason, NULL, $now, $now, $now)`,
            {
              account: accountId,
              name: def.AlarmName,
              def: JSON.stringify(def),
              reason: INITIAL_STATE_REASON,
              now: nowMs,
            },
          );
        }
        const data = previous
          ? `{"type":"Update","version":"1.0","originalAlarm":${alarmJson(previous, arn)},"updatedAlarm":${alarmJson(def, arn)}}`
          : `{"type":"Create","version":"1.0","createdAlarm":${alarmJson(def, arn)}}`;
        await insertHistory(
          w,
          accountId,
          def.AlarmName,
          nowMs,
          'ConfigurationUpdate',
          `Alarm "${def.AlarmName}" ${previous ? 'updated' : 'created'}`,
          data,
        );
        await w.run('COMMIT');
      } catch (err) {
        await w.run('ROLLBACK').catch(() => {});
        throw err;
      }
      const alarm = await this.getWith(w, accountId, def.AlarmName);
      return alarm!;
    });
  }

  async get(accountId: string, alarmName: string): Promise<MetricAlarm | undefined> {
    return this.db.read((c) => this.getWith(c, accountId, alarmName));
  }

  private async getWith(c: Queryable, accountId: string, alarmName: string): Promise<MetricAlarm | undefined> {
    const r = await c.runAndReadAll(
      `SELECT ${COLUMNS} FROM alarms WHERE account_id = $account AND alarm_name = $name`,
      {
        account: accountId,
        name: alarmName,
      },
    );
    const row = r.getRows()[0];
    return row ? this.rowToAlarm(row) : undefined;
  }

  /** DescribeAlarms' filters, ordered by name (pagination is the API layer's). */
  async describe(accountId: string, q: DescribeAlarmsQuery = {}): Promise<MetricAlarm[]> {
    if (q.alarmNames !== undefined && q.alarmNamePrefix !== undefined) {
      throw new MonitorError(
        'InvalidParameterCombination',
        'AlarmNames and AlarmNamePrefix cannot be specified together.',
      );
    }
    if (q.stateValue !== undefined && !ALARM_STATES.includes(q.stateValue)) {
      throw new MonitorError('InvalidParameterValue', `StateValue must be one of ${ALARM_STATES.join(', ')}.`);
    }
    const r = await this.db.read((c) =>
      c.runAndReadAll(`SELECT ${COLUMNS} FROM alarms WHERE account_id = $account ORDER BY alarm_name`, {
        account: accountId,
      }),
    );
    return r
      .getRows()
      .map((row) => this.rowToAlarm(row))
      .filter(
        (a) =>
          (q.alarmNames === undefined || q.alarmNames.includes(a.AlarmName)) &&
          (q.alarmNamePrefix === undefined || a.AlarmName.startsWith(q.alarmNamePrefix)) &&
          (q.stateValue === undefined || a.StateValue === q.stateValue) &&
          (q.actionPrefix === undefined ||
            [...a.AlarmActions, ...a.OKActions, ...a.InsufficientDataActions].some((x) =>
              x.startsWith(q.actionPrefix!),
            )),
      );
  }

  /** Every alarm of every account (for the periodic evaluation). */
  async listAll(): Promise<(MetricAlarm & { accountId: string })[]> {
    const r = await this.db.read((c) =>
      c.runAndReadAll(`SELECT ${COLUMNS} FROM alarms ORDER BY account_id, alarm_name`),
    );
    return r.getRows().map((row) => ({ ...this.rowToAlarm(row), accountId: row[7] as string }));
  }

  /** DeleteAlarms: all or nothing; an unknown name fails the request. */
  async delete(accountId: string, alarmNames: readonly string[]): Promise<void> {
    if (alarmNames.length > 100) {
      throw new MonitorError('ValidationError', 'AlarmNames must contain at most 100 names.');
    }
    await this.db.write(async (w) => {
      await w.run('BEGIN TRANSACTION');
      try {
        for (const name of alarmNames) {
          const r = await w.runAndReadAll(
            'DELETE FROM alarms WHERE account_id = $account AND alarm_name = $name RETURNING alarm_name',
            { account: accountId, name },
          );
          if (r.getRows().length === 0) throw new MonitorError('ResourceNotFound', `The alarm ${name} does not exist.`);
        }
        await w.run('COMMIT');
      } catch (err) {
        await w.run('ROLLBACK').catch(() => {});
        throw err;
      }
    });
  }

  /**
   * SetAlarmState: sets the state until the next evaluation recomputes it. Returns the change
   * (undefined when the alarm was already in that state: CloudWatch then changes nothing).
   */
  async setState(
    accountId: string,
    alarmName: string,
    stateValue: AlarmState,
    stateReason: string,
    stateReasonData: string | undefined,
    nowMs: number,
  ): Promise<AlarmStateChange | undefined> {
    if (!ALARM_STATES.includes(stateValue)) {
      throw new MonitorError(
        'ValidationError',
        `1 validation error detected: Value '${String(stateValue)}' at 'stateValue' failed to satisfy constraint: Member must satisfy enum value set: [${ALARM_STATES.join(', ')}]`,
      );
    }
    if (typeof stateReason !== 'string' || stateReason.length > 1023) {
      throw new MonitorError(
        'ValidationError',
        `1 validation error detected: Value at 'stateReason' failed to satisfy constraint: Member must have length less than or equal to 1023`,
      );
    }
    if (stateReasonData !== undefined) {
      if (stateReasonData.length > 4000) {
        throw new MonitorError(
          'ValidationError',
          `1 validation error detected: Value at 'stateReasonData' failed to satisfy constraint: Member must have length less than or equal to 4000`,
        );
      }
      try {
        JSON.parse(stateReasonData);
      } catch {
        throw new MonitorError('InvalidFormat', 'StateReasonData is not valid JSON.');
      }
    }
    return this.transition(
      accountId,
      alarmName,
      { value: stateValue, reason: stateReason, reasonData: stateReasonData },
      nowMs,
      true,
    );
  }

  /** Stores the outcome of an evaluation; returns the change when the state changed. */
  async applyEvaluation(
    accountId: string,
    alarmName: string,
    evaluation: AlarmEvaluation,
    nowMs: number,
  ): Promise<AlarmStateChange | undefined> {
    if (!evaluation.changed) return undefined;
    return this.transition(
      accountId,
      alarmName,
      { value: evaluation.state, reason: evaluation.reason, reasonData: evaluation.reasonData },
      nowMs,
      false,
    );
  }

  private async transition(
    accountId: string,
    alarmName: string,
    next: StateSnapshot,
    nowMs: number,
    mustExist: boolean,
  ): Promise<AlarmStateChange | undefined> {
    return this.db.write(async (w) => {
      const before = await this.getWith(w, accountId, alarmName);
      if (!before) {
        if (mustExist) throw new MonitorError('ResourceNotFound', `Alarm ${alarmName} not found`);
        return undefined; // deleted while it was being evaluated
      }
      if (before.StateValue === next.value) return undefined;
      const old: StateSnapshot = {
        value: before.StateValue,
        reason: before.StateReason,
        ...(before.StateReasonData !== undefined ? { reasonData: before.StateReasonData } : {}),
      };
      await w.run('BEGIN TRANSACTION');
      try {
        await w.run(
          `UPDATE alarms SET state_value = $state, state_reason = $reason, state_reason_data = $data,
             state_updated_ms = $now, state_transitioned_ms = $now
           WHERE account_id = $account AND alarm_name = $name`,
          {
            state: next.value,
            reason: next.reason,
            data: next.reasonData ?? null,
            now: nowMs,
            account: accountId,
            name: alarmName,
          },
        );
        await insertHistory(
          w,
          accountId,
          alarmName,
          nowMs,
          'StateUpdate',
          `Alarm updated from ${old.value} to ${next.value}`,
          `{"version":"1.0","oldState":${snapshotJson(old)},"newState":${snapshotJson(next)}}`,
        );
        await w.run('COMMIT');
      } catch (err) {
        await w.run('ROLLBACK').catch(() => {});
        throw err;
      }
      const alarm = (await this.getWith(w, accountId, alarmName))!;
      return {
        accountId,
        alarmName,
        alarmArn: alarm.AlarmArn,
        timestampMs: nowMs,
        oldState: old,
        newState: next,
        alarm,
        actions: alarm.ActionsEnabled ? actionsFor(alarm, next.value) : [],
      };
    });
  }

  /**
   * An Action history item: what became of one action a state change asked for (notification
   * channels call this after delivering, or failing to).
   */
  async recordAction(
    accountId: string,
    alarmName: string,
    actionArn: string,
    outcome: { ok: true } | { ok: false; error: string },
    nowMs: number,
  ): Promise<void> {
    const summary = outcome.ok
      ? `Successfully executed action ${actionArn}`
      : `Failed to execute action ${actionArn}. Received error: "${outcome.error}"`;
    const data = outcome.ok
      ? `{"actionState":"Succeeded","notificationResource":${JSON.stringify(actionArn)}}`
      : `{"actionState":"Failed","notificationResource":${JSON.stringify(actionArn)},"error":${JSON.stringify(outcome.error)}}`;
    await this.db.write((w) => insertHistory(w, accountId, alarmName, nowMs, 'Action', summary, data));
  }

  /** DescribeAlarmHistory (default: newest first, at most 100 items). */
  async history(accountId: string, q: HistoryQuery = {}): Promise<AlarmHistoryItem[]> {
    const max = q.maxRecords ?? 100;
    if (!Number.isInteger(max) || max < 1 || max > 100) {
      throw new MonitorError('InvalidParameterValue', `MaxRecords must be an integer from 1 to 100, got ${max}.`);
    }
    const order = q.scanBy === 'TimestampAscending' ? 'ASC' : 'DESC';
    const r = await this.db.read((c) =>
      c.runAndReadAll(
        `SELECT alarm_name, ts_ms, item_type, summary, data FROM alarm_history
         WHERE account_id = $account
           ${q.alarmName !== undefined ? 'AND alarm_name = $name' : ''}
           ${q.historyItemType !== undefined ? 'AND item_type = $type' : ''}
           ${q.startMs !== undefined ? 'AND ts_ms >= $start' : ''}
           ${q.endMs !== undefined ? 'AND ts_ms <= $end' : ''}
         ORDER BY ts_ms ${order}, id ${order} LIMIT $limit`,
        {
          account: accountId,
          limit: max,
          ...(q.alarmName !== undefined ? { name: q.alarmName } : {}),
          ...(q.historyItemType !== undefined ? { type: q.historyItemType } : {}),
          ...(q.startMs !== undefined ? { start: q.startMs } : {}),
          ...(q.endMs !== undefined ? { end: q.endMs } : {}),
        },
      ),
    );
    return r.getRows().map((row) => ({
      AlarmName: row[0] as string,
      AlarmType: 'MetricAlarm',
      Timestamp: Number(row[1]),
      HistoryItemType: row[2] as HistoryItemType,
      HistorySummary: row[3] as string,
      HistoryData: row[4] as string,
    }));
  }

  /** Drops history older than CloudWatch keeps it (two weeks before `nowMs`). */
  async pruneHistory(nowMs: number): Promise<void> {
    await this.db.write((w) =>
      w.run('DELETE FROM alarm_history WHERE ts_ms < $cut', { cut: nowMs - HISTORY_RETENTION_MS }),
    );
  }

  private rowToAlarm(row: unknown[]): MetricAlarm {
    const def = JSON.parse(row[0] as string) as AlarmDefinition;
    return {
      ...def,
      AlarmArn: alarmArn(this.region, row[7] as string, def.AlarmName),
      StateValue: row[1] as AlarmState,
      StateReason: row[2] as string,
      ...(row[3] !== null ? { StateReasonData: row[3] as string } : {}),
      StateUpdatedTimestamp: Number(row[4]),
      StateTransitionedTimestamp: Number(row[5]),
      AlarmConfigurationUpdatedTimestamp: Number(row[6]),
    };
  }
}

const COLUMNS =
  'definition, state_value, state_reason, state_reason_data, state_updated_ms, state_transitioned_ms, config_updated_ms, account_id';

interface Queryable {
  runAndReadAll(sql: string, values?: Record<string, string | number | null>): Promise<{ getRows(): unknown[][] }>;
}

async function insertHistory(
  w: { run(sql: string, values?: Record<string, string | number>): Promise<unknown> },
  accountId: string,
  alarmName: string,
  tsMs: number,
  type: HistoryItemType,
  summary: string,
  data: string,
): Promise<void> {
  await w.run(
    `INSERT INTO alarm_history (account_id, alarm_name, ts_ms, item_type, summary, data)
     VALUES ($account, $name, $ts, $type, $summary, $data)`,
    { account: accountId, name: alarmName, ts: tsMs, type, summary, data },
  );
}

function snapshotJson(s: StateSnapshot): string {
  return `{"stateValue":"${s.value}","stateReason":${JSON.stringify(s.reason)}${
    s.reasonData !== undefined ? `,"stateReasonData":${s.reasonData}` : ''
  }}`;
}

/** The alarm as ConfigurationUpdate history shows it: camelCase members. */
function alarmJson(def: AlarmDefinition, arn: string): string {
  const camel = Object.fromEntries(
    Object.entries({ ...def, AlarmArn: arn }).map(([k, v]) => [k.charAt(0).toLowerCase() + k.slice(1), v]),
  );
  return JSON.stringify(camel);
}
