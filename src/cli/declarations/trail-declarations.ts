/**
 * Trails in the config file: CreateTrail's request members, PutEventSelectors' EventSelectors or
 * AdvancedEventSelectors, and `StartLogging` (ours). A new trail is made by the CreateTrail,
 * PutEventSelectors and StartLogging operations; an existing one whose configuration differs
 * is changed by UpdateTrail (members left out of the file take CreateTrail's defaults, so the
 * stored trail ends as the file says). Left out: selectors and StartLogging leave what is
 * stored alone; TagsList is applied when the trail is created.
 */
import { CLOUDTRAIL_OPERATIONS } from '../../api/cloudtrail/operations/index.js';
import { checkCombination, readTrailConfig } from '../../api/cloudtrail/operations/trail-config.js';
import { optionalBoolean, tagsList } from '../../api/cloudtrail/operations/trail-params.js';
import { withTrailErrors } from '../../api/cloudtrail/operations/trail-shape.js';
import { requiredString } from '../../api/params.js';
import type { Declared } from '../../config/config-file.js';
import { validateTags, validateTrailName, type TrailConfig } from '../../trails/model.js';
import type { TrailConfigPatch } from '../../trails/repository.js';
import { parseAdvancedEventSelectors, parseEventSelectors, type TrailSelectors } from '../../trails/selectors/index.js';
import { audited } from './audit.js';
import { DeclarationError, declarationErrorFrom } from './declaration-error.js';
import { sameJson } from './same-json.js';
import { member, type AccountScope, type DeclarationHandler } from './scope.js';

const SELECTOR_MEMBERS = ['EventSelectors', 'AdvancedEventSelectors'] as const;

/** The configuration CreateTrail stores for this patch (its defaults for members left out). */
function createdConfig(patch: TrailConfigPatch): TrailConfig {
  return {
    s3BucketName: patch.s3BucketName!,
    ...(patch.s3KeyPrefix ? { s3KeyPrefix: patch.s3KeyPrefix } : {}),
    ...(patch.snsTopicName ? { snsTopicName: patch.snsTopicName, snsTopicArn: patch.snsTopicArn! } : {}),
    ...(patch.kmsKeyId ? { kmsKeyId: patch.kmsKeyId } : {}),
    ...(patch.cloudWatchLogsLogGroupArn ? { cloudWatchLogsLogGroupArn: patch.cloudWatchLogsLogGroupArn } : {}),
    ...(patch.cloudWatchLogsRoleArn ? { cloudWatchLogsRoleArn: patch.cloudWatchLogsRoleArn } : {}),
    includeGlobalServiceEvents: patch.includeGlobalServiceEvents ?? true,
    isMultiRegionTrail: patch.isMultiRegionTrail ?? false,
    isOrganizationTrail: patch.isOrganizationTrail ?? false,
    logFileValidationEnabled: patch.logFileValidationEnabled ?? false,
  };
}

const CONFIG_KEYS: readonly (keyof TrailConfig)[] = [
  's3BucketName',
  's3KeyPrefix',
  'snsTopicName',
  'snsTopicArn',
  'includeGlobalServiceEvents',
  'isMultiRegionTrail',
  'isOrganizationTrail',
  'logFileValidationEnabled',
  'cloudWatchLogsLogGroupArn',
  'cloudWatchLogsRoleArn',
  'kmsKeyId',
];

function configOf(t: TrailConfig): Record<string, unknown> {
  return Object.fromEntries(CONFIG_KEYS.map((k) => [k, t[k]]));
}

/** CreateTrail's members only (what the CreateTrail and UpdateTrail operations are given). */
function trailMembers(v: Record<string, unknown>): Record<string, unknown> {
  const { EventSelectors: _b, AdvancedEventSelectors: _a, StartLogging: _s, ...rest } = v;
  return rest;
}

/** UpdateTrail input that sets every member: an empty string clears an optional one, as in AWS. */
function updateInput(name: string, v: Record<string, unknown>, c: TrailConfig): Record<string, unknown> {
  return {
    Name: name,
    S3BucketName: c.s3BucketName,
    S3KeyPrefix: v.S3KeyPrefix ?? '',
    SnsTopicName: v.SnsTopicName ?? '',
    KmsKeyId: v.KmsKeyId ?? '',
    CloudWatchLogsLogGroupArn: v.CloudWatchLogsLogGroupArn ?? '',
    CloudWatchLogsRoleArn: v.CloudWatchLogsRoleArn ?? '',
    IncludeGlobalServiceEvents: c.includeGlobalServiceEvents,
    IsMultiRegionTrail: c.isMultiRegionTrail,
    EnableLogFileValidation: c.logFileValidationEnabled,
    IsOrganizationTrail: c.isOrganizationTrail,
  };
}

function declaredSelectors(d: Declared): { input: Record<string, unknown>; selectors: TrailSelectors } | undefined {
  const given = SELECTOR_MEMBERS.filter((m) => d.value[m] !== undefined);
  if (given.length === 0) return undefined;
  if (given.length === 2) {
    throw new DeclarationError(
      d.path,
      'InvalidParameterCombinationException: Specify either EventSelectors or AdvancedEventSelectors, not both.',
    );
  }
  const m = given[0]!;
  try {
    const selectors: TrailSelectors =
      m === 'EventSelectors'
        ? { kind: 'basic', eventSelectors: parseEventSelectors(d.value[m]) }
        : { kind: 'advanced', advancedEventSelectors: parseAdvancedEventSelectors(d.value[m]) };
    return { input: { [m]: d.value[m] }, selectors };
  } catch (err) {
    throw declarationErrorFrom(err, member(d.path, m));
  }
}

async function checked(d: Declared, scope: AccountScope): Promise<{ name: string; config: TrailConfig }> {
  const v = d.value;
  const name = await withTrailErrors(async () => {
    const n = requiredString(v, 'Name');
    validateTrailName(n);
    return n;
  }).catch((err: unknown) => {
    throw declarationErrorFrom(err, member(d.path, 'Name'));
  });
  const config = await withTrailErrors(async () => {
    requiredString(v, 'S3BucketName');
    const c = createdConfig(readTrailConfig(v, { region: scope.rt.region, accountId: scope.accountId }));
    checkCombination(c);
    validateTags(tagsList(v, 'TagsList') ?? []);
    return c;
  }).catch((err: unknown) => {
    throw declarationErrorFrom(err, d.path, d.value);
  });
  await withTrailErrors(async () => optionalBoolean(v, 'StartLogging')).catch((err: unknown) => {
    throw declarationErrorFrom(err, member(d.path, 'StartLogging'));
  });
  return { name, config };
}

async function run(op: string, input: Record<string, unknown>, scope: AccountScope): Promise<void> {
  await audited(scope, 'cloudtrail.amazonaws.com', op, input, () =>
    CLOUDTRAIL_OPERATIONS.get(op)!.handle(input, { ctx: scope.rt, caller: scope.caller }),
  );
}

export const trailDeclarations: DeclarationHandler = {
  async check(d, scope) {
    await checked(d, scope);
    declaredSelectors(d);
  },
  async apply(d, scope) {
    const { name, config } = await checked(d, scope);
    const selectors = declaredSelectors(d);
    const logging = d.value.StartLogging as boolean | undefined;
    try {
      const existing = (await scope.rt.trails.listAccount(scope.accountId)).find(
        (t) => t.name === name && t.homeRegion === scope.rt.region,
      );
      let changed = false;
      if (!existing) await run('CreateTrail', trailMembers(d.value), scope);
      else if (!sameJson(configOf(existing), configOf(config))) {
        await run('UpdateTrail', updateInput(name, d.value, config), scope);
        changed = true;
      }
      if (selectors && !(existing && sameJson(existing.selectors, selectors.selectors))) {
        await run('PutEventSelectors', { TrailName: name, ...selectors.input }, scope);
        changed = true;
      }
      if (logging !== undefined) {
        const trail = (await scope.rt.trails.listAccount(scope.accountId)).find((t) => t.name === name)!;
        if ((await scope.rt.trails.status(trail.trailArn)).isLogging !== logging) {
          await run(logging ? 'StartLogging' : 'StopLogging', { Name: name }, scope);
          changed = true;
        }
      }
      return !existing ? 'created' : changed ? 'updated' : 'unchanged';
    } catch (err) {
      throw declarationErrorFrom(err, d.path, d.value);
    }
  },
};
