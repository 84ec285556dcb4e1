import {
  kmsKeyArnOf,
  snsTopicArnOf,
  validateCloudWatchLogs,
  validateS3BucketName,
  validateS3KeyPrefix,
} from '../../../trails/model.js';
import type { TrailConfigPatch } from '../../../trails/repository.js';
import { ApiError } from '../../errors.js';
import { optionalString } from '../../params.js';
import { optionalBoolean } from './trail-params.js';

/**
 * The configuration members CreateTrail and UpdateTrail share, read and checked. An empty
 * string clears an optional member (UpdateTrail), as in AWS; the caller merges the patch.
 * Buckets are taken to exist: where a bucket lives is server configuration (delivery), and the
 * directory sink creates the folder, so S3BucketDoesNotExistException is never answered yet.
 */
export function readTrailConfig(
  input: Record<string, unknown>,
  where: { region: string; accountId: string },
): TrailConfigPatch {
  const patch: TrailConfigPatch = {};
  const bucket = optionalString(input, 'S3BucketName');
  if (bucket !== undefined) {
    validateS3BucketName(bucket);
    patch.s3BucketName = bucket;
  }
  const prefix = optionalString(input, 'S3KeyPrefix');
  if (prefix !== undefined) {
    if (prefix !== '') validateS3KeyPrefix(prefix);
    patch.s3KeyPrefix = prefix === '' ? null : prefix;
  }
  const topic = optionalString(input, 'SnsTopicName');
  if (topic !== undefined) {
    patch.snsTopicName = topic === '' ? null : topic;
    patch.snsTopicArn = topic === '' ? null : snsTopicArnOf(topic, where.region, where.accountId);
  }
  const kms = optionalString(input, 'KmsKeyId');
  if (kms !== undefined) patch.kmsKeyId = kms === '' ? null : kmsKeyArnOf(kms, where.region, where.accountId);
  const group = optionalString(input, 'CloudWatchLogsLogGroupArn');
  if (group !== undefined) patch.cloudWatchLogsLogGroupArn = group === '' ? null : group;
  const role = optionalString(input, 'CloudWatchLogsRoleArn');
  if (role !== undefined) patch.cloudWatchLogsRoleArn = role === '' ? null : role;
  const flags = [
    ['IncludeGlobalServiceEvents', 'includeGlobalServiceEvents'],
    ['IsMultiRegionTrail', 'isMultiRegionTrail'],
    ['EnableLogFileValidation', 'logFileValidationEnabled'],
    ['IsOrganizationTrail', 'isOrganizationTrail'],
  ] as const;
  for (const [field, key] of flags) {
    const v = optionalBoolean(input, field);
    if (v !== undefined) patch[key] = v;
  }
  return patch;
}

/**
 * Rules across members, checked on the resulting configuration (an update may change one of a
 * pair): the CloudWatch Logs group and role go together, and a trail that covers every region
 * must include global service events.
 */
export function checkCombination(result: {
  cloudWatchLogsLogGroupArn?: string;
  cloudWatchLogsRoleArn?: string;
  isMultiRegionTrail: boolean;
  includeGlobalServiceEvents: boolean;
}): void {
  validateCloudWatchLogs(result.cloudWatchLogsLogGroupArn, result.cloudWatchLogsRoleArn);
  if (result.isMultiRegionTrail && !result.includeGlobalServiceEvents) {
    throw new ApiError(
      'InvalidParameterCombinationException',
      'Multi-Region trail must include global service events: set IncludeGlobalServiceEvents to true or IsMultiRegionTrail to false.',
    );
  }
}
