/**
 * Metric filters (PutMetricFilter's members) and alarms (PutMetricAlarm's) in the config file,
 * checked by the validators those operations run and written through the operations. A filter
 * or alarm whose stored definition is already the declared one is not put again: a put would
 * add alarm history and a new configuration timestamp on every restart.
 */
import { LOGS_SERVICE } from '../../api/logs/service.js';
import { MONITORING_SERVICE } from '../../api/monitoring/service.js';
import type { JsonService } from '../../api/json-service.js';
import type { Declared } from '../../config/config-file.js';
import type { AlarmDefinition, PutMetricAlarmInput } from '../../monitor/alarms.js';
import { validatePutMetricAlarm } from '../../monitor/alarms.js';
import { cloudWatchFilterEngine } from '../../monitor/filter-engine.js';
import { validatePutMetricFilter, type PutMetricFilterInput } from '../../monitor/metric-filters.js';
import { audited } from './audit.js';
import { declarationErrorFrom } from './declaration-error.js';
import { resolveArnList } from './refs.js';
import { sameJson } from './same-json.js';
import { member, type AccountScope, type DeclarationHandler } from './scope.js';

async function runOperation(
  service: JsonService,
  name: string,
  input: Record<string, unknown>,
  scope: AccountScope,
): Promise<void> {
  await audited(scope, service.eventSource, name, input, async () => {
    try {
      return await service.operations.get(name)!.handle(input, { ctx: scope.rt, caller: scope.caller });
    } catch (err) {
      throw service.mapError(err) ?? err;
    }
  });
}

export const metricFilterDeclarations: DeclarationHandler = {
  async check(d) {
    try {
      validatePutMetricFilter(d.value as unknown as PutMetricFilterInput, cloudWatchFilterEngine);
    } catch (err) {
      throw declarationErrorFrom(err, d.path, d.value);
    }
  },
  async apply(d, scope) {
    try {
      const want = validatePutMetricFilter(d.value as unknown as PutMetricFilterInput, cloudWatchFilterEngine);
      const existing = (await scope.rt.detect.filters.listAll(scope.accountId)).find(
        (f) => f.logGroupName === want.logGroupName && f.filterName === want.filterName,
      );
      if (existing) {
        const stored: PutMetricFilterInput = {
          logGroupName: existing.logGroupName,
          filterName: existing.filterName,
          filterPattern: existing.filterPattern,
          metricTransformations: existing.metricTransformations,
        };
        if (sameJson(stored, want)) return 'unchanged';
      }
      await runOperation(LOGS_SERVICE, 'PutMetricFilter', d.value, scope);
      return existing ? 'updated' : 'created';
    } catch (err) {
      throw declarationErrorFrom(err, d.path, d.value);
    }
  },
};

const ACTION_MEMBERS = ['OKActions', 'AlarmActions', 'InsufficientDataActions'] as const;

/** The declaration with `ref:` actions resolved. */
async function resolvedAlarm(d: Declared, scope: AccountScope): Promise<Record<string, unknown>> {
  const out = { ...d.value };
  for (const m of ACTION_MEMBERS) {
    if (out[m] !== undefined) out[m] = await resolveArnList(scope.refs, out[m], member(d.path, m));
  }
  return out;
}

/** Every member of a validated definition, so one removed from the file counts as a change. */
const DEFINITION_KEYS: readonly (keyof AlarmDefinition)[] = [
  'AlarmName',
  'AlarmDescription',
  'ActionsEnabled',
  'OKActions',
  'AlarmActions',
  'InsufficientDataActions',
  'MetricName',
  'Namespace',
  'Statistic',
  'Dimensions',
  'Period',
  'Unit',
  'EvaluationPeriods',
  'DatapointsToAlarm',
  'Threshold',
  'ComparisonOperator',
  'TreatMissingData',
];

function definitionOf(a: AlarmDefinition): Record<string, unknown> {
  return Object.fromEntries(DEFINITION_KEYS.map((k) => [k, a[k]]));
}

export const alarmDeclarations: DeclarationHandler = {
  async check(d, scope) {
    const input = await resolvedAlarm(d, scope);
    try {
      validatePutMetricAlarm(input as unknown as PutMetricAlarmInput);
    } catch (err) {
      throw declarationErrorFrom(err, d.path, d.value);
    }
  },
  async apply(d, scope) {
    try {
      const input = await resolvedAlarm(d, scope);
      const want = validatePutMetricAlarm(input as unknown as PutMetricAlarmInput);
      const existing = await scope.rt.detect.alarms.get(scope.accountId, want.AlarmName);
      if (existing && sameJson(definitionOf(existing), definitionOf(want))) return 'unchanged';
      await runOperation(MONITORING_SERVICE, 'PutMetricAlarm', input, scope);
      return existing ? 'updated' : 'created';
    } catch (err) {
      throw declarationErrorFrom(err, d.path, d.value);
    }
  },
};
